import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  accessLogsBucket,
  bucketArnFromName,
  type ObjectLockSettings,
  TranscriptBucket,
  type TranscriptLifecycle,
} from '../constructs/buckets.js';
import { cloudWatchLogsUse, sessionWatchKey } from '../constructs/key.js';
import { NAMES } from '../constructs/names.js';
import { encryptedLogGroup, sessionEncryptionKey } from '../constructs/session-logging.js';
import { SessionManagerPreferences, type SessionPreferences } from '../constructs/session-preferences.js';

/** Preferences an operator chooses; bucket, log group and keys come from the stack. */
export type SessionPolicy = Pick<
  SessionPreferences,
  'idleSessionTimeoutMinutes' | 'maxSessionDurationMinutes' | 'runAsDefaultUser' | 'shellProfile'
>;

export interface LoggingAccountStackProps extends StackProps {
  readonly organizationId: string;
  /** Default `sessionwatch-transcripts-<account>-<region>`. */
  readonly transcriptBucketName?: string;
  readonly sessionLogGroupName?: string;
  /** Days the CloudWatch copy is kept (the SIEM and S3 keep the long-term record). Default 30. */
  readonly logRetentionDays?: number;
  readonly lifecycle?: TranscriptLifecycle;
  readonly objectLock?: ObjectLockSettings;
  /** Session Manager preferences of the logging account itself; `false` leaves them alone. */
  readonly sessionPolicy?: SessionPolicy | false;
}

/**
 * The logging account: the transcript key, the transcript bucket (with its access-log bucket), the session log
 * group, and the account's own Session Manager preferences.
 */
export class LoggingAccountStack extends Stack {
  readonly key: kms.Key;
  readonly transcriptBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly sessionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LoggingAccountStackProps) {
    super(scope, id, props);
    const bucketName = props.transcriptBucketName ?? NAMES.transcriptBucket(this.account, this.region);
    const logGroupName = props.sessionLogGroupName ?? NAMES.sessionLogGroup;

    this.key = sessionWatchKey(this, 'TranscriptKey', {
      alias: 'alias/sessionwatch/transcripts',
      description: 'sessionwatch: Session Manager transcripts (S3 bucket and CloudWatch log group)',
      statements: [cloudWatchLogsUse(this, [logGroupName]), ...transcriptKeyStatements(this, props, bucketName)],
    });
    this.accessLogsBucket = accessLogsBucket(this, 'AccessLogs', {
      bucketName: NAMES.accessLogsBucket(this.account, this.region),
    });
    // The pipeline's config bucket (same account, other stack) logs here too.
    this.accessLogsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AccessLogsFromThisAccountsBuckets',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogsBucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.transcriptBucket = new TranscriptBucket(this, 'Transcripts', {
      bucketName,
      encryptionKey: this.key,
      organizationId: props.organizationId,
      accessLogsBucket: this.accessLogsBucket,
      ...(props.lifecycle ? { lifecycle: props.lifecycle } : {}),
      ...(props.objectLock ? { objectLock: props.objectLock } : {}),
    }).bucket;
    this.sessionLogGroup = encryptedLogGroup(this, 'SessionLogs', {
      logGroupName,
      encryptionKey: this.key,
      retentionDays: props.logRetentionDays ?? 30,
    });

    new CfnOutput(this, 'TranscriptKeyArn', {
      value: this.key.keyArn,
      description: 'Set as transcriptKeyArn for the workload-account stacks',
    });
    new CfnOutput(this, 'TranscriptBucketName', { value: bucketName });

    if (props.sessionPolicy !== false) {
      const sessionKey = sessionEncryptionKey(this, 'SessionKey', [NAMES.preferencesWriterLogGroup]);
      new SessionManagerPreferences(this, 'Preferences', {
        ...(props.sessionPolicy ?? {}),
        s3BucketName: bucketName,
        cloudWatchLogGroupName: logGroupName,
        kmsKeyId: sessionKey.keyArn,
        logGroup: encryptedLogGroup(this, 'PreferencesWriterLogs', {
          logGroupName: NAMES.preferencesWriterLogGroup,
          encryptionKey: sessionKey,
          retentionDays: 90,
        }),
      });
    }
  }
}

/**
 * Who may use the transcript key through S3, always for this bucket only (encryption context) and only through S3
 * (kms:ViaService): every account of the organisation to write its transcripts (Decrypt too, which multipart uploads
 * need; it opens no reads, as the bucket policy grants other accounts PutObject only), and in this account only the
 * pipeline's roles (read) and sessionwatch instance roles (write), matched by role name prefix.
 */
function transcriptKeyStatements(stack: Stack, props: LoggingAccountStackProps, bucketName: string) {
  const bucketArn = bucketArnFromName(stack, bucketName);
  const throughS3 = {
    'kms:ViaService': `s3.${stack.region}.amazonaws.com`,
  };
  const thisBucket = { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] };
  const roles = (prefix: string) => ({
    'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/${prefix}*`,
  });
  return [
    new iam.PolicyStatement({
      sid: 'OrganizationAccountsWriteTranscriptsThroughS3',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId, ...throughS3 },
        StringNotEquals: { 'aws:PrincipalAccount': stack.account },
        StringLike: thisBucket,
      },
    }),
    new iam.PolicyStatement({
      sid: 'PipelineRolesReadTranscriptsThroughS3',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: throughS3, StringLike: thisBucket, ArnLike: roles(NAMES.pipelineRolePrefix) },
    }),
    new iam.PolicyStatement({
      sid: 'InstanceRolesWriteTranscriptsThroughS3',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: throughS3, StringLike: thisBucket, ArnLike: roles(NAMES.instanceRolePrefix) },
    }),
  ];
}
