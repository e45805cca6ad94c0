import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NAMES } from '../constructs/names.js';
import { SESSION_EVENT_PATTERN } from '../constructs/pipeline/detection-pipeline.js';
import { encryptedLogGroup, sessionEncryptionKey } from '../constructs/session-logging.js';
import { SessionManagerPreferences } from '../constructs/session-preferences.js';
import { SsmInstanceBaseline } from '../constructs/ssm-instance-baseline.js';
import { acknowledge } from '../nag.js';
import type { SessionPolicy } from './logging-account-stack.js';

export interface ExistingVpc {
  readonly vpcId: string;
  readonly vpcCidrBlock: string;
  readonly availabilityZones: readonly string[];
  /** Private subnets without internet route, one per availability zone, and their route tables. */
  readonly subnetIds: readonly string[];
  readonly routeTableIds: readonly string[];
}

export interface WorkloadAccountStackProps extends StackProps {
  readonly loggingAccount: string;
  /** ARN of the transcript key (output `TranscriptKeyArn` of the logging-account stack). */
  readonly transcriptKeyArn: string;
  /** Default `sessionwatch-transcripts-<logging account>-<region>`. */
  readonly transcriptBucketName?: string;
  readonly sessionLogGroupName?: string;
  /** Days the local copy of session logs is kept (the logging account keeps the record). Default 14. */
  readonly logRetentionDays?: number;
  readonly sessionPolicy?: SessionPolicy;
  /** Use this VPC for the endpoints; default: a new VPC with isolated subnets only and flow logs. */
  readonly vpc?: ExistingVpc;
  /** Zones of the new VPC; default `<region>a` and `<region>b` (named here so synthesis needs no AWS lookup). */
  readonly availabilityZones?: readonly string[];
}

/**
 * A member account: its Session Manager preferences (S3 to the logging account's bucket, CloudWatch to a local
 * encrypted log group, streaming on), delivery of the session logs and of the session CloudTrail events to the logging
 * account, and the instance baseline.
 */
export class WorkloadAccountStack extends Stack {
  readonly sessionKey: kms.Key;
  readonly sessionLogGroup: logs.LogGroup;
  readonly baseline: SsmInstanceBaseline;
  private readonly zones: readonly string[];

  constructor(scope: Construct, id: string, props: WorkloadAccountStackProps) {
    super(scope, id, props);
    this.zones = props.availabilityZones ?? [`${this.region}a`, `${this.region}b`];
    const logGroupName = props.sessionLogGroupName ?? NAMES.sessionLogGroup;
    const flowLogGroupName = '/sessionwatch/vpc-flow-logs';
    const bucketName = props.transcriptBucketName ?? NAMES.transcriptBucket(props.loggingAccount, this.region);
    const logging = (service: string, resource: string) =>
      `arn:${this.partition}:${service}:${this.region}:${props.loggingAccount}:${resource}`;

    this.sessionKey = sessionEncryptionKey(this, 'SessionKey', [
      logGroupName,
      NAMES.preferencesWriterLogGroup,
      ...(props.vpc ? [] : [flowLogGroupName]),
    ]);
    this.sessionLogGroup = encryptedLogGroup(this, 'SessionLogs', {
      logGroupName,
      encryptionKey: this.sessionKey,
      retentionDays: props.logRetentionDays ?? 14,
    });

    // Session logs to the logging account's CloudWatch Logs destination (a Kinesis stream read by the pipeline).
    new logs.CfnSubscriptionFilter(this, 'SessionLogsToLoggingAccount', {
      logGroupName: this.sessionLogGroup.logGroupName,
      destinationArn: logging('logs', `destination:${NAMES.logDestination}`),
      filterPattern: '',
      filterName: 'sessionwatch-to-logging-account',
    });

    // StartSession / ResumeSession / TerminateSession to the logging account's session event bus.
    new events.Rule(this, 'SessionEventsToLoggingAccount', {
      description: 'sessionwatch: Session Manager CloudTrail events to the logging account',
      eventPattern: SESSION_EVENT_PATTERN,
      targets: [
        new targets.EventBus(
          events.EventBus.fromEventBusArn(this, 'LoggingBus', logging('events', `event-bus/${NAMES.eventBus}`)),
        ),
      ],
    });

    new SessionManagerPreferences(this, 'Preferences', {
      ...(props.sessionPolicy ?? {}),
      s3BucketName: bucketName,
      cloudWatchLogGroupName: logGroupName,
      kmsKeyId: this.sessionKey.keyArn,
      logGroup: encryptedLogGroup(this, 'PreferencesWriterLogs', {
        logGroupName: NAMES.preferencesWriterLogGroup,
        encryptionKey: this.sessionKey,
        retentionDays: 90,
      }),
    });

    this.baseline = new SsmInstanceBaseline(this, 'InstanceBaseline', {
      vpc: props.vpc ? importVpc(this, props.vpc) : this.isolatedVpc(flowLogGroupName),
      sessionKey: this.sessionKey,
      logGroup: this.sessionLogGroup,
      transcriptBucketName: bucketName,
      transcriptKeyArn: props.transcriptKeyArn,
    });
  }

  /** The stack's zones without a context lookup (which would need credentials at synthesis). */
  override get availabilityZones(): string[] {
    return [...this.zones];
  }

  /** Two isolated subnets, no NAT and no internet gateway: nothing but the VPC endpoints is reachable. */
  private isolatedVpc(flowLogGroupName: string): ec2.IVpc {
    const flowLogs = encryptedLogGroup(this, 'FlowLogs', {
      logGroupName: flowLogGroupName,
      encryptionKey: this.sessionKey,
      retentionDays: 90,
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.64.0.0/22'),
      maxAzs: this.zones.length,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    acknowledge(
      vpc,
      'CloudFormation-Validate::W3010',
      'Zones are named (availabilityZones prop, default <region>a/b) so that synthesis needs no AWS lookup and no credentials.',
    );
    return vpc;
  }
}

function importVpc(scope: Construct, vpc: ExistingVpc): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: vpc.vpcId,
    vpcCidrBlock: vpc.vpcCidrBlock,
    availabilityZones: [...vpc.availabilityZones],
    isolatedSubnetIds: [...vpc.subnetIds],
    isolatedSubnetRouteTableIds: [...vpc.routeTableIds],
  });
}
