import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { cloudWatchLogsUse, sessionWatchKey, useThroughAccountIam } from './key.js';

const RETENTION_VALUES = new Set<number>(Object.values(logs.RetentionDays).filter((v) => typeof v === 'number'));

/** CloudWatch Logs accepts only some retention periods (1, 3, 5, 7, 14, 30, 60, 90, ... days). */
export function retentionDays(days: number): logs.RetentionDays {
  if (!RETENTION_VALUES.has(days))
    throw new Error(
      `log retention ${days} days is not one CloudWatch Logs accepts: ${[...RETENTION_VALUES].join(', ')}`,
    );
  return days as logs.RetentionDays;
}

export interface EncryptedLogGroupProps {
  readonly logGroupName: string;
  readonly encryptionKey: kms.IKey;
  readonly retentionDays: number;
  readonly removalPolicy?: RemovalPolicy;
}

export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName: props.logGroupName,
    encryptionKey: props.encryptionKey,
    retention: retentionDays(props.retentionDays),
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

/**
 * The key of an account's own sessions: Session Manager's session encryption (kmsKeyId: users need
 * kms:GenerateDataKey, instances kms:Decrypt, both through their IAM policies) and the account's local log groups.
 */
export function sessionEncryptionKey(scope: Construct, id: string, logGroupNames: readonly string[]): kms.Key {
  return sessionWatchKey(scope, id, {
    alias: 'alias/sessionwatch/sessions',
    description: 'sessionwatch: Session Manager session encryption and the local session log groups',
    statements: [
      cloudWatchLogsUse(scope, logGroupNames),
      useThroughAccountIam('SessionEncryptionThroughIam', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ],
  });
}
