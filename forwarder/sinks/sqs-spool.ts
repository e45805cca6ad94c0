import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Alert } from '../alerts/alert.js';
import { sdk } from '../aws/clients.js';
import type { Spool, SpoolEntry } from './spool.js';
import { chunk } from './types.js';

interface Body {
  sink: string;
  alert: Alert;
  error: string;
  attempts: number;
  firstFailed: string;
}

/**
 * The dead-letter queue in AWS: one SQS message per undelivered alert and sink. `list` receives what is visible
 * (up to `maxMessages`); `settle` deletes a message once its alert is delivered, and re-queues it with one more
 * attempt otherwise. Give the queue its own redrive policy for alerts that never get through.
 */
export class SqsSpool implements Spool {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    private readonly options: { maxMessages?: number; visibilityTimeout?: number; timeoutMs?: number } = {},
  ) {}

  get uri() {
    return `sqs:${this.queueUrl}`;
  }

  private signal() {
    return { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) };
  }

  async put(sink: string, alerts: readonly Alert[], error: string): Promise<void> {
    const now = new Date().toISOString();
    await this.sendBodies(alerts.map((alert) => ({ sink, alert, error, attempts: 1, firstFailed: now })));
  }

  private async sendBodies(bodies: Body[]): Promise<void> {
    const { SendMessageBatchCommand } = await sdk.sqs();
    for (const batch of chunk(bodies, 10)) {
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((body, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(body),
            MessageAttributes: { alert_id: { DataType: 'String', StringValue: body.alert.id } },
          })),
        }),
        this.signal(),
      );
      if (out.Failed?.length) {
        throw new Error(
          `SQS refused ${out.Failed.length} spool message(s): ${out.Failed.map((f) => f.Code).join(', ')}`,
        );
      }
    }
  }

  async list(): Promise<SpoolEntry[]> {
    const { ReceiveMessageCommand } = await sdk.sqs();
    const entries: SpoolEntry[] = [];
    const max = this.options.maxMessages ?? 1000;
    while (entries.length < max) {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, max - entries.length),
          VisibilityTimeout: this.options.visibilityTimeout ?? 300,
          WaitTimeSeconds: 0,
        }),
        this.signal(),
      );
      if (!out.Messages?.length) break;
      for (const m of out.Messages) {
        const body = JSON.parse(m.Body ?? '{}') as Body;
        entries.push({
          handle: m.ReceiptHandle ?? '',
          sink: body.sink,
          alerts: [body.alert],
          error: body.error,
          attempts: body.attempts,
          firstFailed: body.firstFailed,
          lastFailed: body.firstFailed,
        });
      }
    }
    return entries;
  }

  async settle(entry: SpoolEntry, remaining: readonly Alert[], error?: string): Promise<void> {
    if (remaining.length) {
      await this.sendBodies(
        remaining.map((alert) => ({
          sink: entry.sink,
          alert,
          error: error ?? entry.error,
          attempts: entry.attempts + 1,
          firstFailed: entry.firstFailed,
        })),
      );
    }
    const { DeleteMessageCommand } = await sdk.sqs();
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: entry.handle }),
      this.signal(),
    );
  }
}
