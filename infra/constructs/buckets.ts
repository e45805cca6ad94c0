import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

export interface AccessLogsBucketProps {
  readonly bucketName: string;
  /** Days access logs are kept. */
  readonly expireAfterDays?: number;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The target of S3 server access logging. SSE-S3, because access-log delivery cannot write to SSE-KMS buckets;
 * no access logging of its own (it would log itself in a loop).
 */
export function accessLogsBucket(scope: Construct, id: string, props: AccessLogsBucketProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    bucketName: props.bucketName,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    versioned: true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: 'expire-access-logs',
        expiration: Duration.days(props.expireAfterDays ?? 365),
        noncurrentVersionExpiration: Duration.days(7),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
    ],
  });
  acknowledge(
    bucket,
    'AwsSolutions-S1',
    'This is the server access log bucket itself; logging its own access would write a log record per log record.',
  );
  return bucket;
}

/** Storage classes a transcript can move to, by the names S3's lifecycle uses. */
export const ARCHIVE_TIERS = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: s3.StorageClass.GLACIER,
  DEEP_ARCHIVE: s3.StorageClass.DEEP_ARCHIVE,
} as const;
export type ArchiveTier = keyof typeof ARCHIVE_TIERS;

export interface TranscriptLifecycle {
  /** Transitions in order of increasing days (S3 requires at least 30 days before STANDARD_IA). */
  readonly tiers: readonly { readonly storageClass: ArchiveTier; readonly afterDays: number }[];
  /** Current versions expire after this many days; omit to keep transcripts for ever. */
  readonly expireAfterDays?: number;
  /** Overwritten or deleted versions are removed after this many days (Object Lock still protects them). */
  readonly noncurrentExpireAfterDays: number;
}

export const DEFAULT_LIFECYCLE: TranscriptLifecycle = {
  tiers: [
    { storageClass: 'STANDARD_IA', afterDays: 30 },
    { storageClass: 'GLACIER_IR', afterDays: 90 },
    { storageClass: 'DEEP_ARCHIVE', afterDays: 180 },
  ],
  expireAfterDays: 730,
  noncurrentExpireAfterDays: 30,
};

export interface ObjectLockSettings {
  /** COMPLIANCE: nobody, root included, can shorten or remove it. GOVERNANCE: holders of s3:BypassGovernanceRetention can. */
  readonly mode: 'COMPLIANCE' | 'GOVERNANCE';
  readonly days: number;
}

/** Throws a clear error for lifecycle settings S3 would reject at deploy time (or that would never take effect). */
export function validateLifecycle(lifecycle: TranscriptLifecycle, objectLock?: ObjectLockSettings): void {
  let previous = 0;
  for (const tier of lifecycle.tiers) {
    if (!(tier.storageClass in ARCHIVE_TIERS)) throw new Error(`lifecycle: unknown storage class ${tier.storageClass}`);
    if (!Number.isInteger(tier.afterDays) || tier.afterDays <= previous)
      throw new Error(`lifecycle: ${tier.storageClass} after ${tier.afterDays} days must come after day ${previous}`);
    if (tier.storageClass === 'STANDARD_IA' && tier.afterDays < 30)
      throw new Error('lifecycle: S3 allows STANDARD_IA no earlier than 30 days after creation');
    previous = tier.afterDays;
  }
  const expiry = lifecycle.expireAfterDays;
  if (expiry !== undefined && (!Number.isInteger(expiry) || expiry <= previous))
    throw new Error(`lifecycle: expiry (${expiry} days) must come after the last transition (day ${previous})`);
  if (objectLock && expiry !== undefined && expiry < objectLock.days)
    throw new Error(
      `lifecycle: expiry (${expiry} days) is shorter than the Object Lock retention (${objectLock.days} days)`,
    );
  if (!Number.isInteger(lifecycle.noncurrentExpireAfterDays) || lifecycle.noncurrentExpireAfterDays < 1)
    throw new Error('lifecycle: noncurrentExpireAfterDays must be a positive whole number of days');
}

export interface TranscriptBucketProps {
  readonly bucketName: string;
  readonly encryptionKey: kms.IKey;
  /** Only principals of this AWS Organization may use the bucket at all. */
  readonly organizationId: string;
  readonly accessLogsBucket: s3.IBucket;
  readonly lifecycle?: TranscriptLifecycle;
  /** Write-once retention for tamper-proof transcripts; no Object Lock when omitted. */
  readonly objectLock?: ObjectLockSettings;
  readonly removalPolicy?: RemovalPolicy;
}

/** The folder under which each account's sessions are written: `<account>/session-logs/`. */
export const SESSION_LOGS_FOLDER = 'session-logs';

/**
 * The transcript bucket of the logging account: versioned, SSE-KMS with a bucket key, public access blocked, TLS
 * only, usable only from inside the organisation, where every account may write under its own
 * `<account>/session-logs/` prefix and nowhere else.
 */
export class TranscriptBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: TranscriptBucketProps) {
    super(scope, id);
    const lifecycle = props.lifecycle ?? DEFAULT_LIFECYCLE;
    validateLifecycle(lifecycle, props.objectLock);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      transitionDefaultMinimumObjectSize: s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
      lifecycleRules: [
        {
          id: 'transcript-tiers',
          transitions: lifecycle.tiers.map((tier) => ({
            storageClass: ARCHIVE_TIERS[tier.storageClass],
            transitionAfter: Duration.days(tier.afterDays),
          })),
          ...(lifecycle.expireAfterDays !== undefined ? { expiration: Duration.days(lifecycle.expireAfterDays) } : {}),
          noncurrentVersionExpiration: Duration.days(lifecycle.noncurrentExpireAfterDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              props.objectLock.mode === 'COMPLIANCE'
                ? s3.ObjectLockRetention.compliance(Duration.days(props.objectLock.days))
                : s3.ObjectLockRetention.governance(Duration.days(props.objectLock.days)),
          }
        : {}),
    });

    for (const statement of organizationStatements(this.bucket, props)) this.bucket.addToResourcePolicy(statement);
  }
}

function organizationStatements(bucket: s3.IBucket, props: TranscriptBucketProps): iam.PolicyStatement[] {
  const inOrganization = { 'aws:PrincipalOrgID': props.organizationId };
  const ownPrefix = `${bucket.bucketArn}/\${aws:PrincipalAccount}/${SESSION_LOGS_FOLDER}/*`;
  return [
    new iam.PolicyStatement({
      sid: 'DenyPrincipalsOutsideOrganization',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: {
        StringNotEqualsIfExists: inOrganization,
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
    // Writers rely on the default encryption; these two stop one from choosing SSE-S3 or another key instead.
    new iam.PolicyStatement({
      sid: 'DenyOtherServerSideEncryption',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOtherKmsKeys',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: {
        StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.encryptionKey.keyArn },
      },
    }),
    new iam.PolicyStatement({
      sid: 'OrganizationAccountsWriteOwnSessionLogs',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [ownPrefix],
      conditions: { StringEquals: inOrganization },
    }),
    new iam.PolicyStatement({
      // The SSM agent checks the bucket's default encryption before it uploads when s3EncryptionEnabled is on.
      sid: 'OrganizationReadsEncryptionConfiguration',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetEncryptionConfiguration'],
      resources: [bucket.bucketArn],
      conditions: { StringEquals: inOrganization },
    }),
  ];
}

/** `arn:aws:s3:::BUCKET` for a bucket named in this stack's partition, without a reference to the bucket resource. */
export function bucketArnFromName(scope: Construct, bucketName: string): string {
  return `arn:${Stack.of(scope).partition}:s3:::${bucketName}`;
}
