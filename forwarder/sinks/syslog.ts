import { connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import type { Alert } from '../alerts/alert.js';
import { octetFrame, toSyslog5424 } from '../alerts/formats/syslog.js';
import { allFailed, type BurstOptions, DeliveryError, type DeliveryResult, type Sink } from './types.js';

export interface SyslogOptions {
  tls: boolean;
  /** CA bundle that signed the receiver's certificate (syslog+tls). */
  ca?: Buffer;
  /** Client certificate and key, when the receiver authenticates senders. */
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  timeoutMs?: number;
  facility?: number;
  maxBytes?: number;
  hostname?: string;
}

/**
 * `syslog+tcp://HOST:PORT` and `syslog+tls://HOST:PORT`: RFC 5424 messages carrying CEF, framed by octet counting
 * (RFC 5425/6587). One connection per send; the send succeeds once every byte is written and the receiver closed
 * the connection cleanly after our FIN. TCP cannot tell which messages of a broken batch arrived, so a failed
 * batch is retried whole: receivers see duplicates with the same `id` in the structured data.
 */
export class SyslogSink implements Sink {
  readonly burst: BurstOptions | null = null;

  constructor(
    readonly uri: string,
    private readonly host: string,
    private readonly port: number,
    private readonly options: SyslogOptions,
  ) {}

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    if (!alerts.length) return { delivered: [], failed: [] };
    const frames = alerts.map((a) =>
      octetFrame(
        toSyslog5424(a, {
          hostname: this.options.hostname ?? hostname(),
          ...(this.options.facility === undefined ? {} : { facility: this.options.facility }),
          ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
        }),
      ),
    );
    try {
      await this.transmit(Buffer.concat(frames));
      return { delivered: alerts.map((a) => a.id), failed: [] };
    } catch (error) {
      return allFailed(alerts, error);
    }
  }

  private transmit(payload: Buffer): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error)
          reject(
            error instanceof DeliveryError
              ? error
              : new DeliveryError(`${this.host}:${this.port}: ${error.message}`, true),
          );
        else resolve();
      };
      const socket: Socket = this.options.tls
        ? tlsConnect({
            host: this.host,
            port: this.port,
            servername: this.options.servername ?? (/^[\d.:]+$/.test(this.host) ? undefined : this.host),
            ...(this.options.ca ? { ca: this.options.ca } : {}),
            ...(this.options.cert ? { cert: this.options.cert } : {}),
            ...(this.options.key ? { key: this.options.key } : {}),
          })
        : netConnect({ host: this.host, port: this.port });
      const timer = setTimeout(
        () => done(new DeliveryError(`${this.host}:${this.port}: not done within ${timeoutMs} ms`, true)),
        timeoutMs,
      );
      socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
        socket.end(payload);
      });
      socket.on('data', () => undefined);
      socket.once('error', (e) => done(e));
      socket.once('close', (hadError) => done(hadError ? new Error('connection closed with an error') : undefined));
    });
  }

  async close(): Promise<void> {}
}
