import { request as httpRequestRaw } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { DeliveryError } from './types.js';

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Whole exchange, connect to last response byte. */
  timeoutMs: number;
  tls?: TlsFiles;
  /** Responses larger than this are cut (a receiver's answer is small). */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * One HTTP(S) exchange with a hard deadline: a receiver that accepts the connection and never answers is cut off.
 * Network errors and timeouts are retryable DeliveryErrors; their messages never include headers (tokens).
 */
export function httpRequest(url: URL, req: HttpRequest): Promise<HttpResponse> {
  const send = url.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  const limit = req.maxResponseBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const r = send(
      url,
      {
        method: req.method ?? 'POST',
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
        ...(req.tls ?? {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < limit) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, limit) });
        });
        res.on('error', (e) => fail(e));
      },
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      r.destroy();
      reject(e instanceof DeliveryError ? e : new DeliveryError(`${url.host}: ${e.message}`, true));
    };
    const timer = setTimeout(
      () => fail(new DeliveryError(`${url.host}: no answer within ${req.timeoutMs} ms`, true)),
      req.timeoutMs,
    );
    r.on('error', fail);
    r.end(req.body);
  });
}

/** Status codes worth retrying for a plain HTTP receiver. */
export const isRetryableStatus = (status: number) =>
  status === 408 || status === 425 || status === 429 || status >= 500;
