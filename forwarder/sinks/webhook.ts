import { createHmac } from 'node:crypto';
import type { Alert } from '../alerts/alert.js';
import { formatLine, type LineFormat } from '../alerts/formats/index.js';
import { httpRequest, isRetryableStatus, type TlsFiles } from './http.js';
import type { SecretProvider } from './secrets.js';
import {
  allFailed,
  type BurstOptions,
  DEFAULT_BURST,
  DeliveryError,
  type DeliveryResult,
  merge,
  type Sink,
} from './types.js';

export interface WebhookOptions {
  format?: Exclude<LineFormat, 'cef'>;
  /** HMAC-SHA256 key for the signature header. */
  secret?: SecretProvider | null;
  /** Client certificate and key (mTLS) and/or a CA bundle. */
  tls?: TlsFiles;
  timeoutMs?: number;
  concurrency?: number;
}

/** `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>`: the receiver recomputes it and rejects stale timestamps. */
export function webhookSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * `webhook:https://…`: one POST per alert, JSON body, `Idempotency-Key: <alert id>`, and when a secret is set
 * `X-Sessionwatch-Timestamp` + `X-Sessionwatch-Signature`. 2xx is delivered; 408/425/429/5xx and network errors are
 * retryable; other 4xx are not.
 */
export class WebhookSink implements Sink {
  readonly burst: BurstOptions | null = DEFAULT_BURST;
  private readonly url: URL;

  constructor(
    readonly uri: string,
    url: string,
    private readonly options: WebhookOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.url = new URL(url);
  }

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    const queue = [...alerts];
    const results: DeliveryResult[] = [];
    const worker = async () => {
      for (let alert = queue.shift(); alert; alert = queue.shift()) results.push(await this.post(alert));
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, alerts.length) }, worker));
    return merge(results);
  }

  private async post(alert: Alert): Promise<DeliveryResult> {
    const body = Buffer.from(formatLine(alert, this.options.format ?? 'jsonl'), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': alert.id,
      'x-sessionwatch-alert-id': alert.id,
    };
    try {
      if (this.options.secret) {
        const timestamp = String(Math.floor(this.now() / 1000));
        headers['x-sessionwatch-timestamp'] = timestamp;
        headers['x-sessionwatch-signature'] = webhookSignature(await this.options.secret(), timestamp, body);
      }
      const res = await httpRequest(this.url, {
        headers,
        body,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        ...(this.options.tls ? { tls: this.options.tls } : {}),
      });
      if (res.status >= 200 && res.status < 300) return { delivered: [alert.id], failed: [] };
      return allFailed([alert], new DeliveryError(`webhook ${res.status}`, isRetryableStatus(res.status)));
    } catch (error) {
      return allFailed([alert], error);
    }
  }

  async close(): Promise<void> {}
}
