import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { S3Location } from './sources.js';

/**
 * Item-level DynamoDB actions, by the store that calls them (nothing table-wide: no Scan, no Query). The tables:
 * identity (`DynamoDbIdentityStore`), state (session replay state and continuations `DynamoDbSessionStateStore`, the
 * coverage `DynamoDbSessionIndex` and `DynamoDbTranscriptIndex`), idempotency (the delivered-ids ledger
 * `DynamoDbLedger`, the coverage claims `DynamoDbRaisedStore`).
 */
export const TABLE_ACTIONS = {
  /** Read a StartSession; write back one found with CloudTrail LookupEvents (a conditional UpdateItem). */
  identityLookup: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  /** Index StartSession / ResumeSession / TerminateSession: conditional UpdateItem, and GetItem to read it back. */
  identityIndex: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  identityRead: ['dynamodb:GetItem'],
  /** A session's replay state (and a large object's continuation state): GetItem, conditional PutItem. */
  sessionState: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  /** What was seen of a session's transcript: conditional UpdateItem per field. */
  transcriptIndex: ['dynamodb:UpdateItem'],
  transcriptIndexRead: ['dynamodb:GetItem'],
  /** The sessions to check, by start hour: ADD on StartSession. */
  sessionIndexAdd: ['dynamodb:UpdateItem'],
  /** The check lists the hours of its window and DELETEs settled sessions. */
  sessionIndexCheck: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  /** Which alert ids each sink holds: read before delivery, written after. */
  deliveryLedger: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
  /** A coverage gap claimed once (conditional PutItem), released when its delivery failed. */
  raisedClaims: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
} as const satisfies Record<string, readonly `dynamodb:${string}`[]>;

export function tableAccess(sid: string, tables: readonly dynamodb.ITable[], actions: readonly string[]) {
  return new iam.PolicyStatement({
    sid,
    actions: [...new Set(actions)].sort(),
    resources: tables.map((table) => table.tableArn),
  });
}

export function writeOwnLogs(logGroup: logs.ILogGroup) {
  return new iam.PolicyStatement({
    sid: 'WriteOwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  });
}

/**
 * Use of the pipeline key, only through the services that store the pipeline's data (DynamoDB, SQS, SNS, Secrets
 * Manager, S3 for the config bucket, Kinesis): the role cannot call KMS directly on this key.
 */
export function pipelineKeyThroughServices(
  scope: Construct,
  key: kms.IKey,
  services: readonly string[],
  actions: readonly string[] = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'],
) {
  const region = Stack.of(scope).region;
  return new iam.PolicyStatement({
    sid: 'PipelineKeyThroughServices',
    actions: [...actions],
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': services.map((s) => `${s}.${region}.amazonaws.com`) } },
  });
}

/**
 * Transcripts are `<account>/session-logs/<session>.log`: the function reads that folder of every account only, and
 * may decrypt only through S3 and only objects of this bucket (encryption context). The key is named by ARN when
 * known; otherwise any key of the logging account under those two conditions, which keeps the pipeline stack free of
 * a cross-stack reference to the key (the key policy still names the pipeline roles).
 */
export function readTranscripts(
  scope: Construct,
  bucketName: string,
  transcriptKeyArn?: string,
): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const bucketArn = `arn:${stack.partition}:s3:::${bucketName}`;
  return [
    new iam.PolicyStatement({
      sid: 'ReadSessionLogsOnly',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [`${bucketArn}/*/session-logs/*`],
    }),
    new iam.PolicyStatement({
      sid: 'DecryptTranscriptsThroughS3',
      actions: ['kms:Decrypt'],
      resources: [transcriptKeyArn ?? `arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] },
      },
    }),
  ];
}

/** s3:GetObject on exactly the configured IOC and rule objects; ListBucket limited to the configured folders. */
export function readSources(scope: Construct, locations: readonly S3Location[]): iam.PolicyStatement[] {
  const partition = Stack.of(scope).partition;
  if (locations.length === 0) return [];
  const objects = locations.map((l) => `arn:${partition}:s3:::${l.bucket}/${l.key}${l.isPrefix ? '*' : ''}`);
  const statements = [
    new iam.PolicyStatement({ sid: 'ReadConfiguredSources', actions: ['s3:GetObject'], resources: objects }),
  ];
  const folders = new Map<string, string[]>();
  for (const l of locations.filter((l) => l.isPrefix))
    folders.set(l.bucket, [...(folders.get(l.bucket) ?? []), `${l.key}*`]);
  for (const [bucket, prefixes] of folders) {
    statements.push(
      new iam.PolicyStatement({
        sid: `ListConfiguredFolders${statements.length}`,
        actions: ['s3:ListBucket'],
        resources: [`arn:${partition}:s3:::${bucket}`],
        conditions: { StringLike: { 's3:prefix': prefixes } },
      }),
    );
  }
  return statements;
}
