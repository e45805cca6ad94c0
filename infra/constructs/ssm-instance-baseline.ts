import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, nagArn } from '../nag.js';
import { SESSION_LOGS_FOLDER } from './buckets.js';
import { NAMES } from './names.js';

export interface SsmInstanceBaselineProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the endpoints and instances (default: the isolated ones). */
  readonly subnets?: ec2.SubnetSelection;
  /** Session encryption key of this account (instances decrypt session data with it). */
  readonly sessionKey: kms.IKey;
  /** The account's session log group (encrypted, streamed to the logging account). */
  readonly logGroup: logs.ILogGroup;
  /** Transcript bucket and key in the logging account. */
  readonly transcriptBucketName: string;
  readonly transcriptKeyArn: string;
  readonly machineImage?: ec2.IMachineImage;
  readonly instanceType?: ec2.InstanceType;
  /** Create the interface endpoints and the S3 gateway endpoint (default true). */
  readonly endpoints?: boolean;
}

const INTERFACE_ENDPOINTS = {
  Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
} as const;

/**
 * What an instance needs to be reachable only through Session Manager, with its sessions recorded: the instance role
 * and profile (AmazonSSMManagedInstanceCore plus writing its session logs and transcripts), VPC endpoints so no
 * internet path is needed, a security group with no inbound rule, and a launch template that requires IMDSv2.
 */
export class SsmInstanceBaseline extends Construct {
  readonly role: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  readonly securityGroup: ec2.SecurityGroup;
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: SsmInstanceBaselineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = `${NAMES.instanceRolePrefix}${stack.region}`;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    this.role = new iam.Role(this, 'Role', {
      roleName: name,
      description: 'sessionwatch: EC2 instances managed through Session Manager, with recorded sessions',
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for the SSM agent; copying it would freeze it while the agent evolves.',
    );
    for (const statement of sessionRecordingStatements(stack, props)) this.role.addToPrincipalPolicy(statement);
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagArn('s3', `::${props.transcriptBucketName}/${stack.account}/${SESSION_LOGS_FOLDER}/*`)}]`,
      "Transcript objects are named by session id at run time; the grant is limited to this account's own session-logs folder.",
    );
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::${nagArn('logs', `${stack.region}:${stack.account}:log-group:*`)}]`,
      'logs:DescribeLogGroups (the agent checks the log group is encrypted) only supports the log-group:* resource.',
    );
    this.instanceProfile = new iam.InstanceProfile(this, 'Profile', { role: this.role, instanceProfileName: name });

    this.securityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: 'sessionwatch: no inbound rule at all; HTTPS out to the VPC endpoints only',
      allowAllOutbound: false,
    });
    // Without NAT or internet gateway the only HTTPS peers are the VPC endpoints; S3's gateway endpoint is reached
    // through public S3 addresses, hence any IPv4 on 443 rather than the VPC CIDR.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to VPC endpoints and S3');

    if (props.endpoints ?? true) {
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: props.vpc,
        description: 'sessionwatch: HTTPS from the instances to the interface endpoints',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'HTTPS from sessionwatch instances');
      acknowledge(
        endpointSecurityGroup,
        'AwsSolutions-EC23',
        'The only inbound rule names the instance security group as its source, not a CIDR; the rule cannot evaluate the reference.',
      );
      for (const [id, service] of Object.entries(INTERFACE_ENDPOINTS)) {
        new ec2.InterfaceVpcEndpoint(this, `${id}Endpoint`, {
          vpc: props.vpc,
          service,
          subnets,
          privateDnsEnabled: true,
          securityGroups: [endpointSecurityGroup],
        });
      }
      new ec2.GatewayVpcEndpoint(this, 'S3Endpoint', {
        vpc: props.vpc,
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [subnets],
      });
    }

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      launchTemplateName: name,
      instanceProfile: this.instanceProfile,
      securityGroup: this.securityGroup,
      machineImage:
        props.machineImage ?? ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      instanceType: props.instanceType ?? new ec2.InstanceType('t4g.small'),
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      httpEndpoint: true,
      instanceMetadataTags: false,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
  }
}

/** The instance's share of session recording: its log group, its transcript folder, the two keys. */
function sessionRecordingStatements(stack: Stack, props: SsmInstanceBaselineProps): iam.PolicyStatement[] {
  const bucketArn = `arn:${stack.partition}:s3:::${props.transcriptBucketName}`;
  return [
    new iam.PolicyStatement({
      sid: 'StreamSessionLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [props.logGroup.logGroupArn],
    }),
    new iam.PolicyStatement({
      sid: 'CheckLogGroupEncryption',
      actions: ['logs:DescribeLogGroups'],
      resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`],
    }),
    new iam.PolicyStatement({
      sid: 'WriteOwnTranscripts',
      actions: ['s3:PutObject'],
      resources: [`${bucketArn}/${stack.account}/${SESSION_LOGS_FOLDER}/*`],
    }),
    new iam.PolicyStatement({
      sid: 'CheckBucketEncryption',
      actions: ['s3:GetEncryptionConfiguration'],
      resources: [bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'EncryptTranscriptsThroughS3',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [props.transcriptKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }),
    new iam.PolicyStatement({
      sid: 'DecryptSessionData',
      actions: ['kms:Decrypt'],
      resources: [props.sessionKey.keyArn],
    }),
  ];
}
