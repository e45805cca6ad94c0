import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface EncryptedQueueProps {
  readonly key: kms.IKey;
  readonly visibilityTimeout?: Duration;
  /** Messages received this many times without being deleted move to a dead-letter queue created alongside. */
  readonly maxReceiveCount?: number;
  readonly retentionPeriod?: Duration;
}

export interface QueueWithDlq {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue?: sqs.Queue;
}

/**
 * An SQS queue encrypted with the pipeline key (data keys reused for an hour to keep KMS requests low), TLS only,
 * with an optional dead-letter queue so a poison message cannot block its queue for ever.
 */
export function encryptedQueue(scope: Construct, id: string, props: EncryptedQueueProps): QueueWithDlq {
  const common = {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    dataKeyReuse: Duration.hours(1),
    enforceSSL: true,
  };
  const deadLetterQueue = props.maxReceiveCount
    ? new sqs.Queue(scope, `${id}Dlq`, { ...common, retentionPeriod: Duration.days(14) })
    : undefined;
  const queue = new sqs.Queue(scope, id, {
    ...common,
    retentionPeriod: props.retentionPeriod ?? Duration.days(4),
    ...(props.visibilityTimeout ? { visibilityTimeout: props.visibilityTimeout } : {}),
    ...(deadLetterQueue
      ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount! } }
      : {}),
  });
  return deadLetterQueue ? { queue, deadLetterQueue } : { queue };
}
