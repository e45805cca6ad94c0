import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Alert } from '../alerts/alert.js';
import { toHecEvent } from '../alerts/formats/hec.js';
import { httpRequest } from './http.js';
import type { SecretProvider } from './secrets.js';
import { allFailed, type BurstOptions, DeliveryError, type DeliveryResult, merge, type Sink } from './types.js';

export interface HecOptions {
  index?: string;
  timeoutMs?: number;
  /** Events per request and uncompressed bytes per request. */
  maxEvents?: number;
  maxBytes?: number;
  gzip?: boolean;
  ca?: Buffer;
}

/** HEC answers `{"text":"...","code":N}`; code 9 is "server is busy". */
function hecCode(body: string): number | null {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'number' ? code : null;
  } catch {
    return null;
  }
}

/**
 * `hec:https://HOST:8088`: Splunk HTTP Event Collector, batched and gzipped. HTTP 200 means received (not indexed),
 * so the alert id is an indexed field (`alert_id`) and retries are safe to deduplicate. 429, 503 (code 9), the
 * transient 404 of Splunk Cloud maintenance, other 5xx and network errors are retryable; a rejected batch (400) is
 * split to find the bad event so the rest still go through; 401/403 (token) are not retryable (spooled for redrive).
 */
export class HecSink implements Sink {
  readonly burst: BurstOptions | null = null;
  private readonly endpoint: URL;
  private readonly channel = randomUUID();

  constructor(
    readonly uri: string,
    base: string,
    private readonly token: SecretProvider,
    private readonly options: HecOptions = {},
  ) {
    const url = new URL(base);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/services/collector/event';
    this.endpoint = url;
  }

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    const results: DeliveryResult[] = [];
    for (const batch of this.batches(alerts)) results.push(await this.post(batch));
    return merge(results);
  }

  private *batches(alerts: readonly Alert[]): Generator<{ alerts: Alert[]; lines: string[] }> {
    const maxEvents = this.options.maxEvents ?? 100;
    const maxBytes = this.options.maxBytes ?? 512 * 1024;
    let current = { alerts: [] as Alert[], lines: [] as string[], bytes: 0 };
    for (const alert of alerts) {
      const line = JSON.stringify(toHecEvent(alert, this.options.index ? { index: this.options.index } : {}));
      if (current.alerts.length && (current.alerts.length >= maxEvents || current.bytes + line.length > maxBytes)) {
        yield current;
        current = { alerts: [], lines: [], bytes: 0 };
      }
      current.alerts.push(alert);
      current.lines.push(line);
      current.bytes += line.length + 1;
    }
    if (current.alerts.length) yield current;
  }

  private async post(batch: { alerts: Alert[]; lines: string[] }): Promise<DeliveryResult> {
    let token: string;
    try {
      token = await this.token();
    } catch (error) {
      return allFailed(batch.alerts, new DeliveryError(`HEC token unavailable: ${(error as Error).message}`, true));
    }
    const raw = Buffer.from(batch.lines.join('\n'), 'utf8');
    const gzip = this.options.gzip ?? true;
    try {
      const res = await httpRequest(this.endpoint, {
        headers: {
          authorization: `Splunk ${token}`,
          'content-type': 'application/json',
          'x-splunk-request-channel': this.channel,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        body: gzip ? gzipSync(raw) : raw,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        ...(this.options.ca ? { tls: { ca: this.options.ca } } : {}),
      });
      if (res.status >= 200 && res.status < 300) return { delivered: batch.alerts.map((a) => a.id), failed: [] };
      const code = hecCode(res.body);
      if (res.status === 400 && batch.alerts.length > 1) {
        const half = Math.ceil(batch.alerts.length / 2);
        const split = (from: number, to?: number) => ({
          alerts: batch.alerts.slice(from, to),
          lines: batch.lines.slice(from, to),
        });
        return merge([await this.post(split(0, half)), await this.post(split(half))]);
      }
      const retryable = res.status === 429 || res.status === 404 || res.status >= 500 || code === 9;
      return allFailed(
        batch.alerts,
        new DeliveryError(`HEC ${res.status}${code === null ? '' : ` code ${code}`}`, retryable),
      );
    } catch (error) {
      return allFailed(batch.alerts, error);
    }
  }

  async close(): Promise<void> {}
}
