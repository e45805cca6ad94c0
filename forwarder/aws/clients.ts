import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** Runs `load` on the first call only; later calls share its promise. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}

/**
 * The AWS SDK packages, each imported on first use: evaluating one costs tens of milliseconds, so a cold start
 * (module load and configuration check) loads none, and each function loads only the clients it calls.
 * Stores and sinks take their command classes from here in their async methods.
 */
export const sdk = {
  cloudTrail: once(() => import('@aws-sdk/client-cloudtrail')),
  /** With util-dynamodb's `marshall` and `unmarshall`, which the table stores use with the commands. */
  dynamoDb: once(async () => {
    const [client, { marshall, unmarshall }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/util-dynamodb'),
    ]);
    return { ...client, marshall, unmarshall };
  }),
  s3: once(() => import('@aws-sdk/client-s3')),
  secretsManager: once(() => import('@aws-sdk/client-secrets-manager')),
  sns: once(() => import('@aws-sdk/client-sns')),
  sqs: once(() => import('@aws-sdk/client-sqs')),
};

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

/**
 * A client whose SDK package is loaded, and the client created, on its first `send`. Only the promise form of
 * `send(command, options?)` is supported: the code never passes a callback.
 */
export function lazyClient<C extends { send(...args: never[]): unknown }>(create: () => Promise<C>): Pick<C, 'send'> {
  const client = once(create);
  const send = async (...args: never[]) => (await client()).send(...args);
  return { send } as Pick<C, 'send'>;
}

export const dynamoDbClient = (o?: AwsClientOptions): Pick<DynamoDBClient, 'send'> =>
  lazyClient(async () => new (await sdk.dynamoDb()).DynamoDBClient(awsClientConfig(o)));
export const cloudTrailClient = (o?: AwsClientOptions): Pick<CloudTrailClient, 'send'> =>
  lazyClient(async () => new (await sdk.cloudTrail()).CloudTrailClient(awsClientConfig(o)));
export const snsClient = (o?: AwsClientOptions): Pick<SNSClient, 'send'> =>
  lazyClient(async () => new (await sdk.sns()).SNSClient(awsClientConfig(o)));
export const sqsClient = (o?: AwsClientOptions): Pick<SQSClient, 'send'> =>
  lazyClient(async () => new (await sdk.sqs()).SQSClient(awsClientConfig(o)));
export const secretsManagerClient = (o?: AwsClientOptions): Pick<SecretsManagerClient, 'send'> =>
  lazyClient(async () => new (await sdk.secretsManager()).SecretsManagerClient(awsClientConfig(o)));
export const s3Client = (o?: AwsClientOptions & { forcePathStyle?: boolean }): Pick<S3Client, 'send'> =>
  lazyClient(
    async () =>
      new (await sdk.s3()).S3Client({
        ...awsClientConfig(o),
        forcePathStyle: o?.forcePathStyle ?? Boolean(o?.endpoint),
      }),
  );

/** The AWS error name (`ThrottlingException`, `ConditionalCheckFailedException`, ...) of an SDK error, if any. */
export function awsErrorName(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}
