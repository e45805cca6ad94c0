import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultLambdaCode, SESSION_EVENT_PATTERN } from '../../infra/constructs/pipeline/detection-pipeline.js';
import { parseSource } from '../../infra/constructs/pipeline/sources.js';
import { buildAll, LOGGING_ACCOUNT, ORG_ID, REGION, sharedBuild, testConfig, WORKLOAD_ACCOUNT } from './helpers.js';
import { list, type Statement } from './policies.js';
import type { CfnJson } from './template-values.js';
import { flatten, parseFlattened } from './template-values.js';

const CONFIG_BUCKET = `sessionwatch-config-${LOGGING_ACCOUNT}-${REGION}`;
const TRANSCRIPTS = `sessionwatch-transcripts-${LOGGING_ACCOUNT}-${REGION}`;
let t: Template;
let resources: Record<string, { Type: string; Properties: Record<string, CfnJson>; DeletionPolicy?: string }>;

beforeAll(() => {
  t = Template.fromStack(sharedBuild().stacks.pipeline);
  resources = t.toJSON().Resources;
});

const idOf = (prefix: string, type: string) => {
  const ids = Object.keys(t.findResources(type)).filter((id) => new RegExp(`^Pipeline${prefix}[0-9A-F]{8}$`).test(id));
  if (ids.length !== 1) throw new Error(`${prefix} ${type}: ${ids.join(', ')}`);
  return ids[0]!;
};
const fn = (name: string) =>
  Object.entries(t.findResources('AWS::Lambda::Function')).find(
    ([, r]) => r.Properties.FunctionName === `sessionwatch-${name}`,
  )!;
const env = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(fn(name)[1].Properties.Environment.Variables).map(([k, v]) => [k, flatten(v)]));
const roleStatements = (name: string): Statement[] =>
  Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(`Pipeline${name}RoleDefaultPolicy`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => list(s.Action));
const keyRef = () => ({ 'Fn::GetAtt': [idOf('Key', 'AWS::KMS::Key'), 'Arn'] });

describe('pipeline functions', () => {
  it('are three arm64 Node.js 22 handlers of the one bundle, each with its own role, memory and timeout', () => {
    const expected = { transcripts: [1024, 300], identity: [256, 30], coverage: [512, 120] } as const;
    for (const [name, [memory, timeout]] of Object.entries(expected)) {
      const [, f] = fn(name);
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        Role: {
          'Fn::GetAtt': [
            expect.stringMatching(new RegExp(`^Pipeline${name[0]!.toUpperCase()}${name.slice(1)}Role`)),
            'Arn',
          ],
        },
      });
      expect(f.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    }
  });

  it('name their roles with the prefix the transcript key policy trusts', () => {
    const names = Object.values(t.findResources('AWS::IAM::Role'))
      .map((r) => r.Properties.RoleName)
      .filter(Boolean);
    expect(names.sort()).toEqual([
      `sessionwatch-pipeline-coverage-${REGION}`,
      `sessionwatch-pipeline-identity-${REGION}`,
      `sessionwatch-pipeline-transcripts-${REGION}`,
    ]);
  });

  it('give each function the configuration it reads, and only that', () => {
    const tables = {
      SESSIONWATCH_IDENTITY_TABLE: `<Ref:${idOf('IdentityTable', 'AWS::DynamoDB::Table')}>`,
      SESSIONWATCH_STATE_TABLE: `<Ref:${idOf('StateTable', 'AWS::DynamoDB::Table')}>`,
      SESSIONWATCH_IDEMPOTENCY_TABLE: `<Ref:${idOf('IdempotencyTable', 'AWS::DynamoDB::Table')}>`,
    };
    const common = {
      SESSIONWATCH_SINKS: `sns:<Ref:${idOf('AlertTopic', 'AWS::SNS::Topic')}>,hec:https://splunk.example.com:8088`,
      SESSIONWATCH_SPOOL: `sqs:<Ref:${idOf('AlertSpool', 'AWS::SQS::Queue')}>`,
      SESSIONWATCH_MIN_SEVERITY: 'medium',
      SESSIONWATCH_HEC_TOKEN_SECRET_ARN: `<Ref:${idOf('HecToken', 'AWS::SecretsManager::Secret')}>`,
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'sessionwatch',
      POWERTOOLS_METRICS_NAMESPACE: 'SessionWatch',
      ...tables,
    };
    expect(env('transcripts')).toEqual({
      ...common,
      SESSIONWATCH_FUNCTION: 'transcripts',
      SESSIONWATCH_IOC_SOURCES: `s3://${CONFIG_BUCKET}/iocs/feed.txt`,
      SESSIONWATCH_RULE_SOURCES: `s3://${CONFIG_BUCKET}/rules/,s3://org-detections-bucket/sessionwatch/extra.yaml`,
      SESSIONWATCH_CONTINUATION_QUEUE_URL: `<Ref:${idOf('Continuation', 'AWS::SQS::Queue')}>`,
      SESSIONWATCH_LOG_GROUPS: '/sessionwatch/session-logs',
      NODE_OPTIONS: '--max-semi-space-size=51',
    });
    // the coverage settings: grace from the pipeline configuration, the session length from the preferences (240 min)
    const coverage = { SESSIONWATCH_COVERAGE_CONFIG: JSON.stringify({ grace: '30m', maxSession: '240m' }) };
    expect(env('identity')).toEqual({ ...common, ...coverage, SESSIONWATCH_FUNCTION: 'identity' });
    expect(env('coverage')).toEqual({ ...common, ...coverage, SESSIONWATCH_FUNCTION: 'coverage' });
  });

  it('give every function a configuration its bundle accepts at cold start', async () => {
    const { loadConfig } = await import('../../forwarder/lambda/config.js');
    for (const name of ['transcripts', 'identity', 'coverage']) {
      // references (queue URLs, table names, ARNs) resolve at deployment: stand-ins of their real shape
      const resolved = Object.fromEntries(
        Object.entries(env(name)).map(([k, v]) => [
          k,
          v
            .replace(/<Ref:PipelineContinuation[^>]*>/, 'https://sqs.eu-west-1.amazonaws.com/111111111111/continuation')
            .replace(/<Ref:PipelineAlertSpool[^>]*>/, 'https://sqs.eu-west-1.amazonaws.com/111111111111/spool')
            .replace(/<Ref:PipelineAlertTopic[^>]*>/, 'arn:aws:sns:eu-west-1:111111111111:alerts')
            .replace(/<Ref:PipelineHecToken[^>]*>/, 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:hec')
            .replace(/<Ref:Pipeline(\w+)Table[^>]*>/, 'SessionWatch-Pipeline-$1Table-1A2B3C'),
        ]),
      );
      const config = loadConfig(resolved);
      expect(config.role).toBe(name);
      if (name !== 'transcripts')
        expect(config.coverage).toMatchObject({ graceMs: 30 * 60_000, maxSessionMs: 240 * 60_000 });
    }
  });

  it('never put a secret value in the environment: the token is an ARN reference, no dynamic secret reference', () => {
    const all = JSON.stringify(t.findResources('AWS::Lambda::Function'));
    expect(all).not.toMatch(/resolve:secretsmanager|SecretString|HEC_TOKEN"/);
    expect(
      t.findResources('AWS::SecretsManager::Secret')[idOf('HecToken', 'AWS::SecretsManager::Secret')]!.Properties,
    ).toEqual({
      Description: expect.any(String),
      KmsKeyId: keyRef(),
      GenerateSecretString: { ExcludePunctuation: true, PasswordLength: 36 },
    });
  });

  it('send failed asynchronous invocations to the invocation-failures queue after two retries', () => {
    const queue = idOf('InvocationFailures', 'AWS::SQS::Queue');
    const configs = Object.values(t.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(configs).toHaveLength(3);
    for (const c of configs)
      expect(c.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      });
  });

  it('refuse to build without the Lambda bundle, naming the fix', () => {
    const empty = mkdtempSync(join(tmpdir(), 'sw-empty-'));
    expect(() => defaultLambdaCode(empty)).toThrow(/index\.mjs not found: run `npm run bundle`/);
    writeFileSync(join(empty, 'index.mjs'), 'export const handler = async () => ({});\n');
    expect(() => defaultLambdaCode(empty)).not.toThrow();
  });
});

describe('pipeline permissions, resource by resource', () => {
  it('transcripts reads the session-logs folders only and decrypts only through S3 for this bucket', () => {
    const statements = roleStatements('Transcripts');
    const read = statements.find((s) => s.Sid === 'ReadSessionLogsOnly')!;
    expect(list(read.Action)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(flatten(read.Resource)).toBe(`arn:<Ref:AWS::Partition>:s3:::${TRANSCRIPTS}/*/session-logs/*`);
    const decrypt = statements.find((s) => s.Sid === 'DecryptTranscriptsThroughS3')!;
    expect(decrypt.Resource).toBe(testConfig().transcriptKeyArn);
    expect(decrypt.Condition?.StringEquals).toEqual({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` });
    expect(JSON.stringify(decrypt.Condition?.StringLike)).toContain(`:s3:::${TRANSCRIPTS}/*`);
    // No other S3 read on the transcript bucket.
    const s3Reads = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:Get')));
    expect(s3Reads.map((s) => s.Sid).sort()).toEqual(['ReadConfiguredSources', 'ReadSessionLogsOnly']);
  });

  it('transcripts reads exactly the configured IOC and rule objects and lists only the configured folder', () => {
    const statements = roleStatements('Transcripts');
    const sources = statements.find((s) => s.Sid === 'ReadConfiguredSources')!;
    expect(list(sources.Action)).toEqual(['s3:GetObject']);
    expect((sources.Resource as unknown[]).map(flatten)).toEqual([
      `arn:<Ref:AWS::Partition>:s3:::${CONFIG_BUCKET}/iocs/feed.txt`,
      `arn:<Ref:AWS::Partition>:s3:::${CONFIG_BUCKET}/rules/*`,
      'arn:<Ref:AWS::Partition>:s3:::org-detections-bucket/sessionwatch/extra.yaml',
    ]);
    const lists = statements.filter((s) => list(s.Action).includes('s3:ListBucket'));
    expect(lists).toHaveLength(1);
    expect(flatten(lists[0]!.Resource)).toBe(`arn:<Ref:AWS::Partition>:s3:::${CONFIG_BUCKET}`);
    expect(lists[0]!.Condition).toEqual({ StringLike: { 's3:prefix': ['rules/*'] } });
  });

  it('every function reads the one HEC secret, publishes to the one topic and spools to the one queue', () => {
    for (const name of ['Transcripts', 'Identity', 'Coverage']) {
      const statements = roleStatements(name);
      const bySid = (sid: string) => statements.find((s) => s.Sid === sid)!;
      expect(bySid('ReadHecToken')).toMatchObject({
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: idOf('HecToken', 'AWS::SecretsManager::Secret') },
      });
      expect(bySid('PublishAlerts')).toMatchObject({
        Action: 'sns:Publish',
        Resource: { Ref: idOf('AlertTopic', 'AWS::SNS::Topic') },
      });
      expect(bySid('SpoolUndeliveredAlerts')).toMatchObject({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [idOf('AlertSpool', 'AWS::SQS::Queue'), 'Arn'] },
      });
      expect(statements.filter((s) => list(s.Action).includes('secretsmanager:GetSecretValue'))).toHaveLength(1);
    }
  });

  it('gives each function, table by table, the item actions its stores call and nothing table-wide', () => {
    const tables = {
      identity: { 'Fn::GetAtt': [idOf('IdentityTable', 'AWS::DynamoDB::Table'), 'Arn'] },
      state: { 'Fn::GetAtt': [idOf('StateTable', 'AWS::DynamoDB::Table'), 'Arn'] },
      idempotency: { 'Fn::GetAtt': [idOf('IdempotencyTable', 'AWS::DynamoDB::Table'), 'Arn'] },
    };
    const on = (name: string) =>
      Object.fromEntries(
        Object.entries(tables).map(([table, arn]) => [
          table,
          roleStatements(name)
            .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(arn))
            .flatMap((s) => list(s.Action))
            .sort(),
        ]),
      );
    expect(on('Transcripts')).toEqual({
      identity: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], // resolve; write back a CloudTrail find
      state: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], // replay state; transcript index
      idempotency: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'], // delivery ledger
    });
    expect(on('Identity')).toEqual({
      identity: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], // conditional updates of the session item
      state: ['dynamodb:UpdateItem'], // the coverage index of sessions to check
      idempotency: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'], // ledger of unrecorded-session alerts
    });
    expect(on('Coverage')).toEqual({
      identity: ['dynamodb:GetItem'],
      state: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], // index hours; transcripts; settle
      idempotency: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
    });
    for (const name of ['Transcripts', 'Identity', 'Coverage'])
      for (const s of roleStatements(name).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')))) {
        expect(JSON.stringify(s.Resource)).not.toContain('*');
        expect(list(s.Action).filter((a) => /Scan|Query|\*/.test(a))).toEqual([]);
      }
  });

  it('keeps CloudTrail, Kinesis, S3 and the continuation queue to the transcripts function', () => {
    for (const name of ['Identity', 'Coverage']) {
      const actions = actionsOf(roleStatements(name));
      expect(actions.filter((a) => /^(cloudtrail|kinesis|s3):/.test(a))).toEqual([]);
      expect(JSON.stringify(roleStatements(name))).not.toContain(idOf('Continuation', 'AWS::SQS::Queue'));
    }
    const lookup = roleStatements('Transcripts').filter((s) => list(s.Action).includes('cloudtrail:LookupEvents'));
    expect(lookup).toEqual([
      { Sid: 'FindSessionIdentityInCloudTrail', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
    ]);
  });

  it('lets roles use the pipeline key only through the services that hold pipeline data', () => {
    const viaServices = roleStatements('Identity').find((s) => s.Sid === 'PipelineKeyThroughServices')!;
    expect(viaServices.Resource).toEqual(keyRef());
    expect(viaServices.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': ['dynamodb', 'sqs', 'sns', 'secretsmanager'].map((s) => `${s}.${REGION}.amazonaws.com`),
      },
    });
  });

  it('without HEC and sources: no secret, no token variable, no source grants, empty source lists', () => {
    const { stacks } = buildAll(testConfig({ pipeline: {} }));
    const minimal = Template.fromStack(stacks.pipeline);
    expect(minimal.findResources('AWS::SecretsManager::Secret')).toEqual({});
    const fns = Object.values(minimal.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Properties.FunctionName).startsWith('sessionwatch-'),
    );
    for (const f of fns) expect(f.Properties.Environment.Variables.SESSIONWATCH_HEC_TOKEN_SECRET_ARN).toBeUndefined();
    const transcripts = fns.find((f) => f.Properties.FunctionName === 'sessionwatch-transcripts')!;
    expect(transcripts.Properties.Environment.Variables.SESSIONWATCH_IOC_SOURCES).toBe('');
    const policies = JSON.stringify(minimal.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('secretsmanager:GetSecretValue');
    expect(policies).not.toContain('ReadConfiguredSources');
    expect(policies).not.toContain('s3:ListBucket');
  });
});

describe('pipeline state and delivery: every store, queue and topic encrypted with the pipeline key', () => {
  it('has three on-demand tables keyed by pk with TTL on expiresAt, point-in-time recovery and the customer key', () => {
    const tables = Object.values(t.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(3);
    for (const table of tables) {
      expect(table.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyRef() },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it('encrypts all eight queues with the pipeline key and denies non-TLS access to each', () => {
    const queues = t.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(8);
    for (const q of Object.values(queues)) expect(q.Properties.KmsMasterKeyId).toEqual(keyRef());
    const protectedQueues = new Set<string>();
    for (const policy of Object.values(t.findResources('AWS::SQS::QueuePolicy')))
      for (const s of policy.Properties.PolicyDocument.Statement)
        if (s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')
          for (const q of policy.Properties.Queues) protectedQueues.add(q.Ref);
    expect([...protectedQueues].sort()).toEqual(Object.keys(queues).sort());
  });

  it('dead-letters S3 events and continuations after five receives; visibility is six times the function timeout', () => {
    for (const name of ['TranscriptEvents', 'Continuation']) {
      const queue = resources[idOf(name, 'AWS::SQS::Queue')]!;
      expect(queue.Properties.VisibilityTimeout).toBe(1800);
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [idOf(`${name}Dlq`, 'AWS::SQS::Queue'), 'Arn'] },
        maxReceiveCount: 5,
      });
      expect(resources[idOf(`${name}Dlq`, 'AWS::SQS::Queue')]!.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
    }
  });

  it('encrypts both topics and the config bucket with the pipeline key, topics TLS-only', () => {
    for (const topic of Object.values(t.findResources('AWS::SNS::Topic')))
      expect(topic.Properties.KmsMasterKeyId).toEqual(keyRef());
    for (const policy of Object.values(t.findResources('AWS::SNS::TopicPolicy')))
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: CONFIG_BUCKET,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyRef() },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: `sessionwatch-access-logs-${LOGGING_ACCOUNT}-${REGION}` },
    });
  });

  it('encrypts the session log stream with the pipeline key', () => {
    t.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: { EncryptionType: 'KMS', KeyId: keyRef() } });
  });

  it('lets AWS services use the pipeline key only for this account (and S3 only for the transcript bucket)', () => {
    const policy = resources[idOf('Key', 'AWS::KMS::Key')]!.Properties.KeyPolicy.Statement as Statement[];
    const service = (sid: string) => policy.find((s) => s.Sid === sid)!;
    expect(service('S3NotificationsToEncryptedQueue').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': LOGGING_ACCOUNT },
      ArnLike: { 'aws:SourceArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${TRANSCRIPTS}`]] }] },
    });
    for (const sid of ['EventBridgeToEncryptedQueues', 'AlarmsToEncryptedTopic'])
      expect(service(sid).Condition).toEqual({ StringEquals: { 'aws:SourceAccount': LOGGING_ACCOUNT } });
  });
});

describe('pipeline sources', () => {
  it('subscribes the transcripts function to every event of the session log group', () => {
    t.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: '/sessionwatch/session-logs',
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [fn('transcripts')[0], 'Arn'] },
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'logs.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fn('transcripts')[0], 'Arn'] },
      SourceArn: Match.objectLike({}),
    });
  });

  it('sends ObjectCreated of *.log transcripts to the events queue, which only this bucket may write', () => {
    const queue = idOf('TranscriptEvents', 'AWS::SQS::Queue');
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: TRANSCRIPTS,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: { 'Fn::GetAtt': [queue, 'Arn'] },
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.log' }] } },
          },
        ],
      },
      Managed: false,
    });
    const policy = Object.values(t.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties.Queues).includes(queue),
    )!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'TranscriptBucketNotifications',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
      Condition: {
        ArnEquals: {
          'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${TRANSCRIPTS}`]] },
        },
        StringEquals: { 'aws:SourceAccount': LOGGING_ACCOUNT },
      },
    });
  });

  it('reads both queues with partial batch failure reporting', () => {
    const transcripts = { Ref: fn('transcripts')[0] };
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: transcripts,
      EventSourceArn: { 'Fn::GetAtt': [idOf('TranscriptEvents', 'AWS::SQS::Queue'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: transcripts,
      EventSourceArn: { 'Fn::GetAtt': [idOf('Continuation', 'AWS::SQS::Queue'), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('reads the cross-account log stream with bisection, retries and an on-failure queue', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn('transcripts')[0] },
      EventSourceArn: { 'Fn::GetAtt': [idOf('SessionLogStream', 'AWS::Kinesis::Stream'), 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [idOf('StreamFailures', 'AWS::SQS::Queue'), 'Arn'] } },
      },
    });
  });

  it('offers a CloudWatch Logs destination to the organisation, delivered by a role only CloudWatch Logs of known accounts assumes', () => {
    const destination = Object.values(t.findResources('AWS::Logs::Destination'))[0]!;
    expect(destination.Properties.DestinationName).toBe('sessionwatch-session-logs');
    expect(destination.Properties.TargetArn).toEqual({
      'Fn::GetAtt': [idOf('SessionLogStream', 'AWS::Kinesis::Stream'), 'Arn'],
    });
    const policy = parseFlattened(destination.Properties.DestinationPolicy);
    expect(policy.Statement).toEqual([
      {
        Sid: 'OrganizationSubscribes',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'logs:PutSubscriptionFilter',
        Resource: `arn:<Ref:AWS::Partition>:logs:${REGION}:${LOGGING_ACCOUNT}:destination:sessionwatch-session-logs`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
      },
    ]);
    const role = resources[idOf('LogDestinationRole', 'AWS::IAM::Role')]!;
    const trust = role.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Principal).toEqual({ Service: 'logs.amazonaws.com' });
    expect(trust.Condition.StringLike['aws:SourceArn'].map(flatten)).toEqual([
      `arn:<Ref:AWS::Partition>:logs:${REGION}:${LOGGING_ACCOUNT}:*`,
      `arn:<Ref:AWS::Partition>:logs:${REGION}:${WORKLOAD_ACCOUNT}:*`,
    ]);
    const destinationPolicy = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('PipelineLogDestinationRoleDefaultPolicy'),
    )![1];
    expect(actionsOf(destinationPolicy.Properties.PolicyDocument.Statement).sort()).toEqual([
      'kinesis:PutRecord',
      'kms:GenerateDataKey',
    ]);
  });

  it('sends StartSession, ResumeSession and TerminateSession from both buses to the identity indexer', () => {
    const identity = fn('identity')[0];
    const rules = Object.values(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern);
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.ssm'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['ssm.amazonaws.com'],
          eventName: ['StartSession', 'ResumeSession', 'TerminateSession'],
        },
      });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [identity, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf('EventDeliveryFailures', 'AWS::SQS::Queue'), 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 8 },
        }),
      ]);
    }
    expect(rules.map((r) => r.Properties.EventBusName ?? 'default').sort()).toEqual(
      ['default', { Ref: idOf('SessionEventBus', 'AWS::Events::EventBus') }].sort() as never,
    );
    expect(SESSION_EVENT_PATTERN.detail).toEqual(rules[0]!.Properties.EventPattern.detail);
  });

  it('accepts forwarded session events from the organisation only', () => {
    const policy = Object.values(t.findResources('AWS::Events::EventBusPolicy'))[0]!;
    expect(policy.Properties.Statement).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
    });
  });

  it('runs the coverage check every five minutes', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn('coverage')[0], 'Arn'] } })],
    });
  });
});

describe('pipeline alarms', () => {
  it('alarm on errors and throttles of each function, on every dead-letter queue, on dead-lettered alerts and stream lag', () => {
    const ops = { Ref: idOf('OperationsTopic', 'AWS::SNS::Topic') };
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([ops]);
      expect(a.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    }
    const seen = alarms.map((a) => {
      const dims = (a.Dimensions ?? [])
        .map((d: { Name: string; Value: unknown }) => `${d.Name}=${flatten(d.Value)}`)
        .join(',');
      return `${a.Namespace}/${a.MetricName} ${dims} >= ${a.Threshold}`;
    });
    const fnRef = (name: string) => `FunctionName=<Ref:${fn(name)[0]}>`;
    const queue = (name: string) =>
      `AWS/SQS/ApproximateNumberOfMessagesVisible QueueName=<GetAtt:${idOf(name, 'AWS::SQS::Queue')}.QueueName> >= 1`;
    expect(seen.sort()).toEqual(
      [
        ...['transcripts', 'identity', 'coverage'].flatMap((n) => [
          `AWS/Lambda/Errors ${fnRef(n)} >= 1`,
          `AWS/Lambda/Throttles ${fnRef(n)} >= 1`,
        ]),
        ...[
          'TranscriptEventsDlq',
          'ContinuationDlq',
          'AlertSpool',
          'InvocationFailures',
          'StreamFailures',
          'EventDeliveryFailures',
        ].map(queue),
        'SessionWatch/AlertsDeadLettered service=sessionwatch >= 1',
        `AWS/Lambda/IteratorAge ${fnRef('transcripts')} >= 300000`,
      ].sort(),
    );
  });

  it('subscribes the operators to the alarm topic', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
      TopicArn: { Ref: idOf('OperationsTopic', 'AWS::SNS::Topic') },
    });
  });
});

describe('IOC and rule sources', () => {
  it('reads config-bucket keys and full s3:// URIs, folders by their trailing slash', () => {
    expect(parseSource('iocs/feed.txt', 'cfg-bucket')).toEqual({
      bucket: 'cfg-bucket',
      key: 'iocs/feed.txt',
      isPrefix: false,
    });
    expect(parseSource('/rules/', 'cfg-bucket')).toEqual({ bucket: 'cfg-bucket', key: 'rules/', isPrefix: true });
    expect(parseSource('s3://other-bucket/a/b.yaml', 'cfg')).toEqual({
      bucket: 'other-bucket',
      key: 'a/b.yaml',
      isPrefix: false,
    });
  });

  it('refuses wildcards and malformed URIs, which would widen the IAM grant', () => {
    expect(() => parseSource('rules/*', 'cfg-bucket')).toThrow(/wildcards are not allowed/);
    expect(() => parseSource('s3://Bad_Bucket/x', 'cfg')).toThrow(/not an s3:\/\/bucket\/key source/);
    expect(() => parseSource('s3://bucket-only', 'cfg')).toThrow(/not an s3:\/\/bucket\/key source/);
  });
});
