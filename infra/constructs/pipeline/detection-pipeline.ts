import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logsDestinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, nagArn } from '../../nag.js';
import { lambdaBundleDir } from '../../paths.js';
import { bucketArnFromName } from '../buckets.js';
import { cloudWatchLogsUse, grantsForAwsResources, serviceUse, sessionWatchKey, useThroughAccountIam } from '../key.js';
import { NAMES } from '../names.js';
import { DEFAULT_MAX_SESSION_MINUTES } from '../session-preferences.js';
import { PipelineAlarms } from './alarms.js';
import { type FunctionName, pipelineFunction } from './functions.js';
import { pipelineKeyThroughServices, readSources, readTranscripts, TABLE_ACTIONS, tableAccess } from './permissions.js';
import { encryptedQueue } from './queues.js';
import { parseSource, sourceUri } from './sources.js';
import { sessionWatchTable } from './tables.js';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** The CloudTrail events the identity indexer needs, as EventBridge delivers them. */
export const SESSION_EVENT_PATTERN: events.EventPattern = {
  source: ['aws.ssm'],
  detailType: ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['ssm.amazonaws.com'],
    eventName: ['StartSession', 'ResumeSession', 'TerminateSession'],
  },
};

export interface DetectionPipelineProps {
  readonly organizationId: string;
  readonly transcriptBucketName: string;
  /** ARN of the transcript key; omitted, the grant names no key and relies on its S3 encryption-context condition. */
  readonly transcriptKeyArn?: string;
  /** The logging account's session log group (its own sessions stream here). */
  readonly sessionLogGroupName: string;
  /** Server access logs of the config bucket go to the logging account's access-log bucket. */
  readonly accessLogsBucketName: string;
  /** Workload accounts whose session log groups subscribe to the cross-account destination. */
  readonly workloadAccounts: readonly string[];
  /** Default: `dist/lambda` of this repository (`npm run bundle`). */
  readonly code?: lambda.Code;
  /** nodejs20.x or nodejs22.x (default). */
  readonly runtime?: lambda.Runtime;
  /** Sink URIs added to the SNS topic, e.g. `webhook:https://...`. */
  readonly sinks?: readonly string[];
  /** Splunk HEC endpoint, e.g. `https://splunk.example.com:8088`; creates the token secret. */
  readonly hecUrl?: string;
  /** `s3://bucket/key` URIs, or keys in the config bucket (a key ending in `/` is a folder). */
  readonly iocSources?: readonly string[];
  readonly ruleSources?: readonly string[];
  readonly minSeverity?: Severity;
  /** How long after a session's end its transcript may take to arrive before "session without transcript". */
  readonly coverageGraceMinutes?: number;
  readonly coverageIntervalMinutes?: number;
  /** The sessions' maximum duration (the preferences' maxSessionDuration): a session never seen ending is over then. */
  readonly coverageMaxSessionMinutes?: number;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly logRetentionDays?: number;
  readonly metricsNamespace?: string;
  readonly serviceName?: string;
  readonly alertEmails?: readonly string[];
  readonly operatorEmails?: readonly string[];
  readonly reservedConcurrency?: Partial<Record<FunctionName, number>>;
  readonly streamShards?: number;
}

/** Fails early, with the fix, when the Lambda bundle has not been built. */
export function defaultLambdaCode(dir: string = lambdaBundleDir()): lambda.Code {
  if (!existsSync(join(dir, 'index.mjs'))) throw new Error(`${dir}/index.mjs not found: run \`npm run bundle\` first`);
  // meta.json is esbuild's build report for the benchmark, not code.
  return lambda.Code.fromAsset(dir, { exclude: ['meta.json'] });
}

/**
 * The detection pipeline of the logging account:
 *   session log group --subscription--> transcripts   <--Kinesis-- CloudWatch Logs destination <-- workload accounts
 *   transcript bucket --ObjectCreated--> SQS (DLQ) --> transcripts --> continuation SQS (DLQ) --> transcripts
 *   CloudTrail StartSession/ResumeSession/TerminateSession --EventBridge--> identity
 *   schedule --EventBridge--> coverage
 * with the DynamoDB tables, the alert topic, the SIEM token secret, the alert spool and the alarms.
 */
export class DetectionPipeline extends Construct {
  readonly key: kms.Key;
  readonly tables: Readonly<Record<'identity' | 'state' | 'idempotency', dynamodb.Table>>;
  readonly alertTopic: sns.Topic;
  readonly operationsTopic: sns.Topic;
  readonly hecToken?: secretsmanager.CfnSecret;
  readonly configBucket: s3.Bucket;
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  readonly queues: Readonly<Record<string, sqs.Queue>>;
  readonly logStream: kinesis.Stream;
  readonly logDestination: logs.CrossAccountDestination;
  readonly eventBus: events.EventBus;

  constructor(scope: Construct, id: string, props: DetectionPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const functionLogGroups = (['transcripts', 'identity', 'coverage'] as const).map(
      (name) => `/aws/lambda/${NAMES.functionPrefix}${name}`,
    );
    const transcriptBucketArn = bucketArnFromName(this, props.transcriptBucketName);

    this.key = sessionWatchKey(this, 'Key', {
      alias: 'alias/sessionwatch/pipeline',
      description: 'sessionwatch: detection pipeline state, queues, topics, secret and logs',
      statements: [
        grantsForAwsResources(),
        useThroughAccountIam('UseThroughAccountIam', [
          'kms:Decrypt',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:DescribeKey',
        ]),
        cloudWatchLogsUse(this, functionLogGroups),
        serviceUse(
          this,
          'S3NotificationsToEncryptedQueue',
          's3.amazonaws.com',
          ['kms:GenerateDataKey', 'kms:Decrypt'],
          [transcriptBucketArn],
        ),
        serviceUse(this, 'EventBridgeToEncryptedQueues', 'events.amazonaws.com', [
          'kms:GenerateDataKey',
          'kms:Decrypt',
        ]),
        serviceUse(this, 'AlarmsToEncryptedTopic', 'cloudwatch.amazonaws.com', ['kms:GenerateDataKey', 'kms:Decrypt']),
      ],
    });
    const key = this.key;

    // State.
    this.tables = {
      identity: sessionWatchTable(this, 'IdentityTable', key),
      state: sessionWatchTable(this, 'StateTable', key),
      idempotency: sessionWatchTable(this, 'IdempotencyTable', key),
    };
    this.configBucket = new s3.Bucket(this, 'ConfigBucket', {
      bucketName: NAMES.configBucket(stack.account, stack.region),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: s3.Bucket.fromBucketName(this, 'AccessLogs', props.accessLogsBucketName),
      serverAccessLogsPrefix: `${NAMES.configBucket(stack.account, stack.region)}/`,
    });
    Annotations.of(this.configBucket).acknowledgeWarning(
      '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      "The logging-account stack's access-log bucket policy accepts server access logs from every bucket of this account.",
    );

    // Delivery.
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'sessionwatch alerts',
      masterKey: key,
      enforceSSL: true,
    });
    this.operationsTopic = new sns.Topic(this, 'OperationsTopic', {
      displayName: 'sessionwatch pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of props.alertEmails ?? [])
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const email of props.operatorEmails ?? [])
      this.operationsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    if (props.hecUrl) {
      if (!/^https:\/\/[^\s/]+/.test(props.hecUrl)) throw new Error(`hecUrl must be an https:// URL: ${props.hecUrl}`);
      // The L1 resource on purpose: the L2 Secret adds kms:ReEncrypt*/GenerateDataKey* to the key policy, while the
      // key policy's IAM delegation and the role's kms:ViaService statement already cover Secrets Manager.
      this.hecToken = new secretsmanager.CfnSecret(this, 'HecToken', {
        description: 'sessionwatch: Splunk HEC token (a random placeholder until you put the real token)',
        kmsKeyId: key.keyArn,
        generateSecretString: { passwordLength: 36, excludePunctuation: true },
      });
      acknowledge(
        this.hecToken,
        'AwsSolutions-SMG4',
        'The HEC token is issued by the Splunk administrators; it is rotated in Splunk and then put here, no Lambda can rotate it.',
      );
    }

    // Queues: one per kind of work that can fail, each with a reason to hold messages and an alarm when it does.
    const processingTimeout = Duration.minutes(5);
    const s3Events = encryptedQueue(this, 'TranscriptEvents', {
      key,
      visibilityTimeout: Duration.seconds(processingTimeout.toSeconds() * 6),
      maxReceiveCount: 5,
    });
    const continuation = encryptedQueue(this, 'Continuation', {
      key,
      visibilityTimeout: Duration.seconds(processingTimeout.toSeconds() * 6),
      maxReceiveCount: 5,
    });
    const alertSpool = encryptedQueue(this, 'AlertSpool', { key, retentionPeriod: Duration.days(14) });
    const invocationFailures = encryptedQueue(this, 'InvocationFailures', { key, retentionPeriod: Duration.days(14) });
    const streamFailures = encryptedQueue(this, 'StreamFailures', { key, retentionPeriod: Duration.days(14) });
    const eventFailures = encryptedQueue(this, 'EventDeliveryFailures', { key, retentionPeriod: Duration.days(14) });
    for (const terminal of [alertSpool, invocationFailures, streamFailures, eventFailures])
      acknowledge(
        terminal.queue,
        'AwsSolutions-SQS3',
        'This queue is itself a dead-letter destination (alert spool, Lambda on-failure, stream on-failure or EventBridge DLQ), drained by redrive; it alarms on any message.',
      );
    this.queues = {
      transcriptEvents: s3Events.queue,
      transcriptEventsDlq: s3Events.deadLetterQueue!,
      continuation: continuation.queue,
      continuationDlq: continuation.deadLetterQueue!,
      alertSpool: alertSpool.queue,
      invocationFailures: invocationFailures.queue,
      streamFailures: streamFailures.queue,
      eventDeliveryFailures: eventFailures.queue,
    };

    // Functions.
    const code = props.code ?? defaultLambdaCode();
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_22_X;
    const sinks = [
      `sns:${this.alertTopic.topicArn}`,
      ...(props.hecUrl ? [`hec:${props.hecUrl}`] : []),
      ...(props.sinks ?? []),
    ];
    // The coverage settings the identity indexer (unrecorded sessions) and the scheduled check read.
    const coverageConfig = JSON.stringify({
      grace: `${props.coverageGraceMinutes ?? 30}m`,
      maxSession: `${props.coverageMaxSessionMinutes ?? DEFAULT_MAX_SESSION_MINUTES}m`,
    });
    const common: Record<string, string> = {
      SESSIONWATCH_SINKS: sinks.join(','),
      SESSIONWATCH_SPOOL: `sqs:${alertSpool.queue.queueUrl}`,
      SESSIONWATCH_MIN_SEVERITY: props.minSeverity ?? 'low',
      SESSIONWATCH_IDENTITY_TABLE: this.tables.identity.tableName,
      SESSIONWATCH_STATE_TABLE: this.tables.state.tableName,
      SESSIONWATCH_IDEMPOTENCY_TABLE: this.tables.idempotency.tableName,
      LOG_LEVEL: props.logLevel ?? 'INFO',
      POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'sessionwatch',
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'SessionWatch',
      ...(this.hecToken ? { SESSIONWATCH_HEC_TOKEN_SECRET_ARN: this.hecToken.ref } : {}),
    };
    const configBucketName = NAMES.configBucket(stack.account, stack.region);
    const iocLocations = (props.iocSources ?? []).map((s) => parseSource(s, configBucketName));
    const ruleLocations = (props.ruleSources ?? []).map((s) => parseSource(s, configBucketName));
    const base = {
      code,
      runtime,
      key,
      logRetentionDays: props.logRetentionDays ?? 30,
      invocationFailures: invocationFailures.queue,
    };
    const reserved = (name: FunctionName) =>
      props.reservedConcurrency?.[name] !== undefined ? { reservedConcurrency: props.reservedConcurrency[name] } : {};

    const transcripts = pipelineFunction(this, 'Transcripts', {
      ...base,
      ...reserved('transcripts'),
      name: 'transcripts',
      description: 'sessionwatch: session log events and S3 transcripts to alerts',
      memorySize: 1024,
      timeout: processingTimeout,
      environment: {
        ...common,
        SESSIONWATCH_IOC_SOURCES: iocLocations.map(sourceUri).join(','),
        SESSIONWATCH_RULE_SOURCES: ruleLocations.map(sourceUri).join(','),
        SESSIONWATCH_CONTINUATION_QUEUE_URL: continuation.queue.queueUrl,
        // the cross-account destination accepts any log group of the organisation: read only the session logs
        SESSIONWATCH_LOG_GROUPS: props.sessionLogGroupName,
        // V8's young generation as the runtime's bootstrap sizes it for 1,024 MB (memory / 20), made explicit: with
        // Node's 8 MB default, a pasted command's parse tree often outlives two scavenges and churns the old
        // generation (shell analysis 5× slower in about 4 processes of 10; docs/benchmarks.md)
        NODE_OPTIONS: '--max-semi-space-size=51',
      },
    });
    const identity = pipelineFunction(this, 'Identity', {
      ...base,
      ...reserved('identity'),
      name: 'identity',
      description: 'sessionwatch: indexes StartSession/ResumeSession/TerminateSession by session id',
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: { ...common, SESSIONWATCH_COVERAGE_CONFIG: coverageConfig },
    });
    const coverage = pipelineFunction(this, 'Coverage', {
      ...base,
      ...reserved('coverage'),
      name: 'coverage',
      description: 'sessionwatch: raises "session without transcript" for sessions whose transcript never arrived',
      memorySize: 512,
      timeout: Duration.minutes(2),
      environment: { ...common, SESSIONWATCH_COVERAGE_CONFIG: coverageConfig },
    });
    this.functions = { transcripts: transcripts.fn, identity: identity.fn, coverage: coverage.fn };

    // Permissions, resource by resource.
    const deliver = (role: iam.Role) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PublishAlerts',
          actions: ['sns:Publish'],
          resources: [this.alertTopic.topicArn],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SpoolUndeliveredAlerts',
          actions: ['sqs:SendMessage'],
          resources: [alertSpool.queue.queueArn],
        }),
      );
      if (this.hecToken)
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ReadHecToken',
            actions: ['secretsmanager:GetSecretValue'],
            resources: [this.hecToken.ref],
          }),
        );
    };
    for (const { role } of [transcripts, identity, coverage]) deliver(role);

    // Table by table, the item actions each function's stores call (TABLE_ACTIONS says which store needs which).
    const tables = this.tables;
    const a = TABLE_ACTIONS;
    for (const s of [
      tableAccess('IdentityTable', [tables.identity], a.identityLookup),
      tableAccess('StateTable', [tables.state], [...a.sessionState, ...a.transcriptIndex]),
      tableAccess('IdempotencyTable', [tables.idempotency], a.deliveryLedger),
    ])
      transcripts.role.addToPrincipalPolicy(s);
    for (const s of [
      tableAccess('IdentityTable', [tables.identity], a.identityIndex),
      tableAccess('StateTable', [tables.state], a.sessionIndexAdd),
      tableAccess('IdempotencyTable', [tables.idempotency], a.deliveryLedger),
    ])
      identity.role.addToPrincipalPolicy(s);
    for (const s of [
      tableAccess('IdentityTable', [tables.identity], a.identityRead),
      tableAccess('StateTable', [tables.state], [...a.sessionIndexCheck, ...a.transcriptIndexRead]),
      tableAccess('IdempotencyTable', [tables.idempotency], [...a.deliveryLedger, ...a.raisedClaims]),
    ])
      coverage.role.addToPrincipalPolicy(s);
    for (const s of readTranscripts(this, props.transcriptBucketName, props.transcriptKeyArn))
      transcripts.role.addToPrincipalPolicy(s);
    if (!props.transcriptKeyArn)
      acknowledge(
        transcripts.role,
        `AwsSolutions-IAM5[Resource::${nagArn('kms', `${stack.region}:${stack.account}:key/*`)}]`,
        'kms:Decrypt only through S3 and only for objects of the transcript bucket (encryption-context condition); the key policy names the pipeline roles.',
      );
    acknowledge(
      transcripts.role,
      `AwsSolutions-IAM5[Resource::${nagArn('s3', `::${props.transcriptBucketName}/*/session-logs/*`)}]`,
      'Transcripts are <account>/session-logs/<session id>.log for every member account: the grant is that folder of every account and nothing else in the bucket.',
    );
    for (const s of readSources(this, [...iocLocations, ...ruleLocations])) transcripts.role.addToPrincipalPolicy(s);
    for (const folder of [...iocLocations, ...ruleLocations].filter((l) => l.isPrefix))
      acknowledge(
        transcripts.role,
        `AwsSolutions-IAM5[Resource::${nagArn('s3', `::${folder.bucket}/${folder.key}*`)}]`,
        `Configured source folder s3://${folder.bucket}/${folder.key}: every rule file in it is read, nothing outside it.`,
      );
    transcripts.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'HandOnLargeObjects',
        actions: ['sqs:SendMessage'],
        resources: [continuation.queue.queueArn],
      }),
    );
    transcripts.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FindSessionIdentityInCloudTrail',
        actions: ['cloudtrail:LookupEvents'],
        resources: ['*'],
      }),
    );
    acknowledge(
      transcripts.role,
      'AwsSolutions-IAM5[Resource::*]',
      'cloudtrail:LookupEvents supports no resource-level permissions (Service Authorization Reference): it needs Resource "*". It is read-only and the only action on "*".',
    );
    transcripts.role.addToPrincipalPolicy(
      pipelineKeyThroughServices(this, key, ['dynamodb', 'sqs', 'sns', 'secretsmanager', 's3', 'kinesis']),
    );

    identity.role.addToPrincipalPolicy(
      pipelineKeyThroughServices(this, key, ['dynamodb', 'sqs', 'sns', 'secretsmanager']),
    );

    coverage.role.addToPrincipalPolicy(
      pipelineKeyThroughServices(this, key, ['dynamodb', 'sqs', 'sns', 'secretsmanager']),
    );

    // Sources.
    const logGroup = logs.LogGroup.fromLogGroupName(this, 'SessionLogGroup', props.sessionLogGroupName);
    new logs.SubscriptionFilter(this, 'SessionLogSubscription', {
      logGroup,
      destination: new logsDestinations.LambdaDestination(transcripts.fn),
      filterPattern: logs.FilterPattern.allEvents(),
      filterName: 'sessionwatch-transcripts',
    });

    const transcriptBucket = s3.Bucket.fromBucketName(this, 'TranscriptBucket', props.transcriptBucketName);
    const sendPolicy = s3Events.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TranscriptBucketNotifications',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [s3Events.queue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': transcriptBucketArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    transcriptBucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      {
        bind: () => ({
          arn: s3Events.queue.queueArn,
          type: s3.BucketNotificationDestinationType.QUEUE,
          dependencies: sendPolicy.policyDependable ? [sendPolicy.policyDependable] : [],
        }),
      },
      { suffix: '.log' },
    );
    for (const child of stack.node.children.filter((c) => c.node.id.startsWith('BucketNotificationsHandler')))
      acknowledge(
        child,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's bucket-notification handler runs once per deployment to write the notification configuration; its role is generated by aws-cdk-lib.",
      );
    transcripts.fn.addEventSource(
      new sources.SqsEventSource(s3Events.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
      }),
    );
    transcripts.fn.addEventSource(
      new sources.SqsEventSource(continuation.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // Cross-account session logs: workload log groups -> destination -> Kinesis -> transcripts.
    this.logStream = new kinesis.Stream(this, 'SessionLogStream', {
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: key,
      shardCount: props.streamShards ?? 1,
      retentionPeriod: Duration.hours(24),
    });
    const senders = [...new Set([stack.account, ...props.workloadAccounts])];
    const destinationRole = new iam.Role(this, 'LogDestinationRole', {
      description: 'CloudWatch Logs puts subscribed session log events from workload accounts into the stream',
      assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('logs.amazonaws.com'), {
        StringLike: { 'aws:SourceArn': senders.map((a) => `arn:${stack.partition}:logs:${stack.region}:${a}:*`) },
      }),
    });
    destinationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutIntoStream',
        actions: ['kinesis:PutRecord'],
        resources: [this.logStream.streamArn],
      }),
    );
    destinationRole.addToPrincipalPolicy(pipelineKeyThroughServices(this, key, ['kinesis'], ['kms:GenerateDataKey']));
    this.logDestination = new logs.CrossAccountDestination(this, 'LogDestination', {
      destinationName: NAMES.logDestination,
      role: destinationRole,
      targetArn: this.logStream.streamArn,
    });
    this.logDestination.node.addDependency(destinationRole);
    this.logDestination.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationSubscribes',
        principals: [new iam.AnyPrincipal()],
        actions: ['logs:PutSubscriptionFilter'],
        resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:destination:${NAMES.logDestination}`],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    transcripts.fn.addEventSource(
      new sources.KinesisEventSource(this.logStream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        reportBatchItemFailures: true,
        // The queue ARN only: sending is granted below without the wildcard KMS actions of CDK's SqsDlq.
        onFailure: { bind: () => ({ destination: streamFailures.queue.queueArn }) },
      }),
    );
    transcripts.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RecordFailedStreamBatches',
        actions: ['sqs:SendMessage'],
        resources: [streamFailures.queue.queueArn],
      }),
    );
    acknowledge(
      this.logStream,
      'AwsSolutions-KDS3',
      "The stream uses the pipeline's customer-managed key on purpose: its key policy, not the AWS-managed key, decides who can read session logs.",
    );

    // Session events: this account's default bus, and the bus workload accounts forward theirs to.
    this.eventBus = new events.EventBus(this, 'SessionEventBus', { eventBusName: NAMES.eventBus });
    this.eventBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationForwardsSessionEvents',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    const identityTarget = new targets.LambdaFunction(identity.fn, {
      deadLetterQueue: eventFailures.queue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
    });
    new events.Rule(this, 'LocalSessionEvents', {
      description: "sessionwatch: this account's Session Manager CloudTrail events to the identity indexer",
      eventPattern: SESSION_EVENT_PATTERN,
      targets: [identityTarget],
    });
    new events.Rule(this, 'ForwardedSessionEvents', {
      description: "sessionwatch: workload accounts' Session Manager CloudTrail events to the identity indexer",
      eventBus: this.eventBus,
      eventPattern: SESSION_EVENT_PATTERN,
      targets: [identityTarget],
    });
    new events.Rule(this, 'CoverageSchedule', {
      description: 'sessionwatch: periodic check that every session left a transcript',
      schedule: events.Schedule.rate(Duration.minutes(props.coverageIntervalMinutes ?? 5)),
      targets: [
        new targets.LambdaFunction(coverage.fn, {
          deadLetterQueue: eventFailures.queue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    new PipelineAlarms(this, 'Alarms', {
      topic: this.operationsTopic,
      functions: [transcripts.fn, identity.fn, coverage.fn],
      deadLetterQueues: {
        TranscriptEventsDlq: s3Events.deadLetterQueue!,
        ContinuationDlq: continuation.deadLetterQueue!,
        AlertSpool: alertSpool.queue,
        InvocationFailures: invocationFailures.queue,
        StreamFailures: streamFailures.queue,
        EventDeliveryFailures: eventFailures.queue,
      },
      deadLetteredAlerts: {
        namespace: props.metricsNamespace ?? 'SessionWatch',
        metricName: 'AlertsDeadLettered',
        dimensions: { service: props.serviceName ?? 'sessionwatch' },
      },
      streamConsumer: transcripts.fn,
    });
  }
}
