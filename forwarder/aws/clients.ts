import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Every client gets connection and request timeouts, so a hung endpoint never blocks a run.
 * `endpoint` is for local emulators in tests; in AWS leave it unset (the SDK also honours AWS_ENDPOINT_URL_*).
 */
export interface AwsClientOptions {
  region?: string;
  endpoint?: string;
  timeoutMs?: number;
  /** SDK-level attempts; callers that run their own retry loop pass 1. */
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function awsClientConfig(options: AwsClientOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: Math.min(timeoutMs, 3_000) },
  };
}

export const dynamoDbClient = (o?: AwsClientOptions) => new DynamoDBClient(awsClientConfig(o));
export const cloudTrailClient = (o?: AwsClientOptions) => new CloudTrailClient(awsClientConfig(o));
export const snsClient = (o?: AwsClientOptions) => new SNSClient(awsClientConfig(o));
export const sqsClient = (o?: AwsClientOptions) => new SQSClient(awsClientConfig(o));
export const secretsManagerClient = (o?: AwsClientOptions) => new SecretsManagerClient(awsClientConfig(o));
export const s3Client = (o?: AwsClientOptions & { forcePathStyle?: boolean }) =>
  new S3Client({ ...awsClientConfig(o), forcePathStyle: o?.forcePathStyle ?? Boolean(o?.endpoint) });

/** The AWS error name (`ThrottlingException`, `ConditionalCheckFailedException`, ...) of an SDK error, if any. */
export function awsErrorName(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}
