import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { validateLifecycle } from '../../infra/constructs/buckets.js';
import { retentionDays } from '../../infra/constructs/session-logging.js';
import { LoggingAccountStack } from '../../infra/stacks/logging-account-stack.js';
import { buildAll, LOGGING_ACCOUNT, newApp, ORG_ID, REGION } from './helpers.js';
import { list, policiesOf, type Statement } from './policies.js';

const BUCKET = `sessionwatch-transcripts-${LOGGING_ACCOUNT}-${REGION}`;

function loggingStack(props: Partial<ConstructorParameters<typeof LoggingAccountStack>[2]> = {}) {
  const stack = new LoggingAccountStack(newApp(), 'Logging', {
    env: { account: LOGGING_ACCOUNT, region: REGION },
    organizationId: ORG_ID,
    ...props,
  });
  return { stack, template: Template.fromStack(stack) };
}

const statementsOf = (template: Template, type: string, logicalIdPrefix: string): Statement[] =>
  policiesOf(template.toJSON())
    .filter((p) => p.type === type && p.resource.startsWith(logicalIdPrefix))
    .flatMap((p) => p.statements);
const bySid = (statements: Statement[], sid: string) => {
  const found = statements.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${statements.map((s) => s.Sid).join(', ')}`);
  return found;
};
const text = (value: unknown) => JSON.stringify(value);

describe('logging-account stack: keys', () => {
  it('rotates every customer-managed key of every stack, yearly', () => {
    const { all } = buildAll();
    let keys = 0;
    for (const stack of all)
      for (const key of Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))) {
        keys++;
        expect(key.Properties.EnableKeyRotation).toBe(true);
        expect(key.Properties.RotationPeriodInDays).toBe(365);
        expect(key.DeletionPolicy).toBe('Retain');
      }
    expect(keys).toBe(4); // transcripts + logging sessions, pipeline, workload sessions
  });

  it('gives the account administration of the transcript key but no use of it', () => {
    const { template } = loggingStack();
    const admin = bySid(statementsOf(template, 'AWS::KMS::Key', 'TranscriptKey'), 'KeyAdministrationByAccount');
    expect(list(admin.Action)).toContain('kms:PutKeyPolicy');
    for (const use of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom'])
      expect(list(admin.Action)).not.toContain(use);
  });

  it('lets CloudWatch Logs use the transcript key only for the session log group (encryption context)', () => {
    const { template } = loggingStack();
    const logs = bySid(statementsOf(template, 'AWS::KMS::Key', 'TranscriptKey'), 'CloudWatchLogsForNamedLogGroups');
    expect(logs.Principal).toEqual({ Service: `logs.${REGION}.amazonaws.com` });
    expect(text(logs.Condition?.ArnLike?.['kms:EncryptionContext:aws:logs:arn'])).toContain(
      `:logs:${REGION}:${LOGGING_ACCOUNT}:log-group:/sessionwatch/session-logs"`,
    );
  });

  it('lets the organisation write through S3 into this bucket only, and this account only the named roles', () => {
    const { template } = loggingStack();
    const statements = statementsOf(template, 'AWS::KMS::Key', 'TranscriptKey');
    const org = bySid(statements, 'OrganizationAccountsWriteTranscriptsThroughS3');
    expect(org.Principal).toEqual({ AWS: '*' });
    expect(org.Condition?.StringEquals).toEqual({
      'aws:PrincipalOrgID': ORG_ID,
      'kms:ViaService': `s3.${REGION}.amazonaws.com`,
    });
    expect(org.Condition?.StringNotEquals).toEqual({ 'aws:PrincipalAccount': LOGGING_ACCOUNT });
    expect(text(org.Condition?.StringLike)).toContain(`:s3:::${BUCKET}/*`);
    const pipeline = bySid(statements, 'PipelineRolesReadTranscriptsThroughS3');
    expect(list(pipeline.Action)).toEqual(['kms:Decrypt']);
    expect(text(pipeline.Condition?.ArnLike)).toContain(`:iam::${LOGGING_ACCOUNT}:role/sessionwatch-pipeline-*`);
    const instances = bySid(statements, 'InstanceRolesWriteTranscriptsThroughS3');
    expect(text(instances.Condition?.ArnLike)).toContain(`:role/sessionwatch-ssm-instance-*`);
  });
});

describe('logging-account stack: transcript bucket', () => {
  it('is versioned, SSE-KMS with a bucket key and the transcript key, with public access blocked and owner-enforced', () => {
    const { template } = loggingStack();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TranscriptKey'), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') },
        LogFilePrefix: `${BUCKET}/`,
      },
    });
  });

  it('denies non-TLS requests and TLS below 1.2', () => {
    const { template } = loggingStack();
    const statements = statementsOf(template, 'AWS::S3::BucketPolicy', 'TranscriptsBucketPolicy');
    const tls = statements.find((s) => s.Effect === 'Deny' && text(s.Condition).includes('aws:SecureTransport'));
    expect(tls?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(tls?.Principal).toEqual({ AWS: '*' });
    expect(list(tls?.Action)).toEqual(['s3:*']);
    const version = statements.find((s) => s.Effect === 'Deny' && text(s.Condition).includes('s3:TlsVersion'));
    expect(version?.Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': 1.2 } });
  });

  it('denies every principal outside the organisation (AWS services excepted)', () => {
    const { template } = loggingStack();
    const deny = bySid(
      statementsOf(template, 'AWS::S3::BucketPolicy', 'TranscriptsBucketPolicy'),
      'DenyPrincipalsOutsideOrganization',
    );
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition).toEqual({
      StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG_ID },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    });
  });

  it('lets each organisation account put objects under its own <account>/session-logs/ only, encrypted with the key', () => {
    const { template } = loggingStack();
    const statements = statementsOf(template, 'AWS::S3::BucketPolicy', 'TranscriptsBucketPolicy');
    const write = bySid(statements, 'OrganizationAccountsWriteOwnSessionLogs');
    expect(list(write.Action)).toEqual(['s3:PutObject']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JavaScript template.
    expect(text(write.Resource)).toContain('/${aws:PrincipalAccount}/session-logs/*');
    expect(write.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': ORG_ID } });
    expect(bySid(statements, 'DenyOtherServerSideEncryption').Condition).toEqual({
      StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' },
    });
    expect(text(bySid(statements, 'DenyOtherKmsKeys').Condition)).toContain(
      's3:x-amz-server-side-encryption-aws-kms-key-id',
    );
    // No statement lets anyone outside the account read.
    for (const s of statements.filter((s) => s.Effect === 'Allow'))
      expect(list(s.Action).some((a) => a.startsWith('s3:Get') && a !== 's3:GetEncryptionConfiguration')).toBe(false);
  });

  it('applies the default lifecycle: Standard-IA at 30, Glacier IR at 90, Deep Archive at 180, expiry at 730 days', () => {
    const { template } = loggingStack();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
              { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
            ],
            ExpirationInDays: 730,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
        ],
        TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
      },
    });
  });

  it('applies a configured lifecycle, Glacier Flexible Retrieval and no expiry included', () => {
    const { template } = loggingStack({
      lifecycle: {
        tiers: [
          { storageClass: 'INTELLIGENT_TIERING', afterDays: 0 + 1 },
          { storageClass: 'GLACIER', afterDays: 60 },
        ],
        noncurrentExpireAfterDays: 7,
      },
    });
    const bucket = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: BUCKET } }))[0]!;
    const rule = bucket.Properties.LifecycleConfiguration.Rules[0];
    expect(rule.Transitions).toEqual([
      { StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 1 },
      { StorageClass: 'GLACIER', TransitionInDays: 60 },
    ]);
    expect(rule.ExpirationInDays).toBeUndefined();
    expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 7 });
  });

  it('has no Object Lock unless asked for', () => {
    const { template } = loggingStack();
    const bucket = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: BUCKET } }))[0]!;
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
  });

  for (const mode of ['COMPLIANCE', 'GOVERNANCE'] as const) {
    it(`enables Object Lock in ${mode} mode with a default retention`, () => {
      const { template } = loggingStack({ objectLock: { mode, days: 400 } });
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: BUCKET,
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: mode, Days: 400 } },
        },
      });
    });
  }

  it('keeps the bucket, the key and the log group when the stack is deleted', () => {
    const { template } = loggingStack();
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup'])
      for (const resource of Object.values(template.findResources(type)))
        expect(resource.DeletionPolicy).toBe('Retain');
  });

  it('refuses lifecycles S3 would reject or that would defeat Object Lock', () => {
    const tiers = [{ storageClass: 'STANDARD_IA' as const, afterDays: 10 }];
    expect(() => validateLifecycle({ tiers, noncurrentExpireAfterDays: 30 })).toThrow(/no earlier than 30 days/);
    expect(() =>
      validateLifecycle({
        tiers: [
          { storageClass: 'GLACIER_IR', afterDays: 90 },
          { storageClass: 'STANDARD_IA', afterDays: 60 },
        ],
        noncurrentExpireAfterDays: 30,
      }),
    ).toThrow(/must come after day 90/);
    expect(() =>
      validateLifecycle(
        { tiers: [], expireAfterDays: 100, noncurrentExpireAfterDays: 30 },
        { mode: 'COMPLIANCE', days: 365 },
      ),
    ).toThrow(/shorter than the Object Lock retention/);
    expect(() => loggingStack({ lifecycle: { tiers, noncurrentExpireAfterDays: 30 } })).toThrow(/30 days/);
  });
});

describe('logging-account stack: access logs and log group', () => {
  it('sends access logs to an SSE-S3, TLS-only, public-access-blocked bucket that expires them', () => {
    const { template } = loggingStack();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: `sessionwatch-access-logs-${LOGGING_ACCOUNT}-${REGION}`,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true, RestrictPublicBuckets: true }),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
    });
    const statements = statementsOf(template, 'AWS::S3::BucketPolicy', 'AccessLogsPolicy');
    expect(statements.some((s) => s.Effect === 'Deny' && text(s.Condition).includes('aws:SecureTransport'))).toBe(true);
    const delivery = bySid(statements, 'AccessLogsFromThisAccountsBuckets');
    expect(delivery.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    expect(delivery.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': LOGGING_ACCOUNT } });
  });

  it('encrypts the session log group with the transcript key and keeps it 30 days by default', () => {
    const { template } = loggingStack();
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/sessionwatch/session-logs',
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TranscriptKey'), 'Arn'] },
    });
  });

  it('takes another retention when asked, and refuses one CloudWatch Logs does not offer', () => {
    loggingStack({ logRetentionDays: 7 }).template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/sessionwatch/session-logs',
      RetentionInDays: 7,
    });
    expect(() => retentionDays(31)).toThrow(/not one CloudWatch Logs accepts/);
  });

  it('encrypts every log group of every stack with a customer-managed key', () => {
    const { all } = buildAll();
    let groups = 0;
    for (const stack of all)
      for (const group of Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'))) {
        groups++;
        expect(group.Properties.KmsKeyId, group.Properties.LogGroupName).toBeDefined();
      }
    expect(groups).toBeGreaterThanOrEqual(8);
  });
});
