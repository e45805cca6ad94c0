import type { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../alerts/alert.js';
import { toSnsMessage } from '../alerts/formats/sns.js';
import { awsErrorName, sdk } from '../aws/clients.js';
import {
  allFailed,
  type BurstOptions,
  chunk,
  DEFAULT_BURST,
  DeliveryError,
  type DeliveryResult,
  merge,
  type Sink,
} from './types.js';

const RETRYABLE = new Set([
  'ThrottledException',
  'ThrottlingException',
  'InternalErrorException',
  'KMSThrottlingException',
  'TimeoutError',
]);

function classify(error: unknown): DeliveryError {
  const name = awsErrorName(error) ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const retryable = RETRYABLE.has(name) || status === undefined || status === 429 || status >= 500;
  return new DeliveryError(`SNS ${name}: ${(error as Error).message}`, retryable);
}

/**
 * `sns:TOPIC_ARN`: one readable message per alert (PublishBatch, 10 at a time) with severity, category and account as
 * message attributes. On a FIFO topic the alert id is the deduplication id; on a standard topic it travels as the
 * `alert_id` attribute for subscribers to deduplicate.
 */
export class SnsSink implements Sink {
  readonly burst: BurstOptions | null = DEFAULT_BURST;
  private readonly fifo: boolean;

  constructor(
    readonly uri: string,
    private readonly topicArn: string,
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly timeoutMs = 10_000,
  ) {
    this.fifo = topicArn.endsWith('.fifo');
  }

  async send(alerts: readonly Alert[]): Promise<DeliveryResult> {
    const results: DeliveryResult[] = [];
    for (const batch of chunk(alerts, 10)) results.push(await this.publish(batch));
    return merge(results);
  }

  private async publish(batch: Alert[]): Promise<DeliveryResult> {
    const entries = batch.map((alert) => {
      const m = toSnsMessage(alert);
      return {
        Id: alert.id,
        Subject: m.subject,
        Message: m.message,
        MessageAttributes: m.messageAttributes,
        ...(this.fifo
          ? {
              MessageDeduplicationId: alert.id,
              MessageGroupId: alert.sessionId.replace(/[^\x21-\x7e]/g, '_').slice(0, 128),
            }
          : {}),
      };
    });
    try {
      const { PublishBatchCommand } = await sdk.sns();
      const out = await this.client.send(
        new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }),
        {
          abortSignal: AbortSignal.timeout(this.timeoutMs),
        },
      );
      return {
        delivered: (out.Successful ?? []).map((s) => s.Id!).filter(Boolean),
        failed: (out.Failed ?? []).map((f) => ({
          id: f.Id ?? '',
          error: `SNS ${f.Code}: ${f.Message ?? ''}`,
          retryable: !f.SenderFault,
        })),
      };
    } catch (error) {
      return allFailed(batch, classify(error));
    }
  }

  async close(): Promise<void> {}
}
