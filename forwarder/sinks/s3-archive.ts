import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Alert } from '../alerts/alert.js';
import { formatLine, type LineFormat } from '../alerts/formats/index.js';
import { awsErrorName, sdk } from '../aws/clients.js';
import { allFailed, type BurstOptions, DeliveryError, type DeliveryResult, merge, type Sink } from './types.js';

/** Partition values are path segments: keep them to safe characters. */
const part = (v: string | null) => (v ?? 'unknown').replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * The S3 key of a batch: Hive-style partitions (Athena, Glue) by account, region and date of the alert, and a name
 * derived from the alert ids, so a retried batch overwrites the same object instead of adding a duplicate.
 */
export function archiveKey(prefix: string, alerts: readonly Alert[]): string {
  const first = alerts[0]!;
  const date = (first.time && !Number.isNaN(Date.parse(first.time)) ? new Date(first.time) : new Date())
    .toISOString()
    .slice(0, 10);
  const digest = createHash('sha256')
    .update(
      alerts
        .map((a) => a.id)
        .sort()
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 32);
  const base = prefix.replace(/^\/+|\/+$/g, '');
  return `${base ? `${base}/` : ''}account=${part(first.account)}/region=${part(first.region)}/date=${date}/${digest}.json.gz`;
}

/** `s3:BUCKET/PREFIX`: gzip JSON lines, one object per (account, region, date) of each batch. */
export class S3ArchiveSink implements Sink {
  readonly burst: BurstOptions | null = null;

  constructor(
    readonly uri: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly client: Pick<S3Client, 'send'>,
    private readonly format: LineFormat = 'jsonl',
    private readonly timeoutMs = 20_000,
  ) {}

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    const groups = new Map<string, Alert[]>();
    for (const a of alerts) {
      const day = a.time ? a.time.slice(0, 10) : '';
      const key = `${a.account}\u0000${a.region}\u0000${day}`;
      groups.set(key, [...(groups.get(key) ?? []), a]);
    }
    const results: DeliveryResult[] = [];
    for (const group of groups.values()) results.push(await this.put(group));
    return merge(results);
  }

  private async put(alerts: Alert[]): Promise<DeliveryResult> {
    const body = gzipSync(Buffer.from(alerts.map((a) => `${formatLine(a, this.format)}\n`).join(''), 'utf8'));
    try {
      const { PutObjectCommand } = await sdk.s3();
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: archiveKey(this.prefix, alerts),
          Body: body,
          ContentType: 'application/x-ndjson',
          Metadata: { 'alert-count': String(alerts.length) },
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
      return { delivered: alerts.map((a) => a.id), failed: [] };
    } catch (error) {
      const name = awsErrorName(error) ?? 'Error';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const retryable = status === undefined || status === 429 || status >= 500 || name === 'SlowDown';
      return allFailed(alerts, new DeliveryError(`S3 ${name}: ${(error as Error).message}`, retryable));
    }
  }

  async close(): Promise<void> {}
}
