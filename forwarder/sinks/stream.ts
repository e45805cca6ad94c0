import { appendFile } from 'node:fs/promises';
import type { Alert } from '../alerts/alert.js';
import { formatLine, type LineFormat } from '../alerts/formats/index.js';
import { allFailed, type BurstOptions, DeliveryError, type DeliveryResult, type Sink } from './types.js';

/** `stdout[?format=F]`: one line per alert to the given writer. */
export class StdoutSink implements Sink {
  readonly burst: BurstOptions | null = null;

  constructor(
    readonly uri: string,
    private readonly format: LineFormat,
    private readonly write: (text: string) => unknown,
  ) {}

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    if (alerts.length) this.write(alerts.map((a) => `${formatLine(a, this.format)}\n`).join(''));
    return { delivered: alerts.map((a) => a.id), failed: [] };
  }

  async close(): Promise<void> {}
}

/** `file:PATH[?format=F]`: lines appended to a file (jsonl by default). */
export class FileSink implements Sink {
  readonly burst: BurstOptions | null = null;

  constructor(
    readonly uri: string,
    private readonly path: string,
    private readonly format: LineFormat,
  ) {}

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    if (!alerts.length) return { delivered: [], failed: [] };
    try {
      await appendFile(this.path, alerts.map((a) => `${formatLine(a, this.format)}\n`).join(''), { mode: 0o600 });
      return { delivered: alerts.map((a) => a.id), failed: [] };
    } catch (error) {
      return allFailed(alerts, new DeliveryError(`${this.path}: ${(error as Error).message}`, false));
    }
  }

  async close(): Promise<void> {}
}
