import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { S3Location } from './sources.js';

/** Item-level DynamoDB actions: what the stores and the delivery ledger call, and nothing table-wide. */
export const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
export const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

export function tableAccess(sid: string, tables: readonly dynamodb.ITable[], actions: readonly string[]) {
  return new iam.PolicyStatement({
    sid,
    actions: [...actions],
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
