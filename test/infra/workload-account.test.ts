import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkloadAccountStack } from '../../infra/stacks/workload-account-stack.js';
import { LOGGING_ACCOUNT, newApp, REGION, sharedBuild, TRANSCRIPT_KEY_ARN, WORKLOAD_ACCOUNT } from './helpers.js';
import { list, type Statement } from './policies.js';
import { flatten } from './template-values.js';

let t: Template;
beforeAll(() => {
  t = Template.fromStack(sharedBuild().stacks.workloads[0]!);
});

const idOf = (pattern: RegExp, type: string) => {
  const ids = Object.keys(t.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`${pattern} ${type}: ${ids.join(', ')}`);
  return ids[0]!;
};
const instanceStatements = (): Statement[] =>
  Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('InstanceBaselineRoleDefaultPolicy'))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

describe('workload account: session logging', () => {
  it('keeps a local session log group, encrypted with the account session key, for 14 days', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/sessionwatch/session-logs',
      RetentionInDays: 14,
      KmsKeyId: { 'Fn::GetAtt': [idOf(/^SessionKey[0-9A-F]{8}$/, 'AWS::KMS::Key'), 'Arn'] },
    });
  });

  it('subscribes it, every event, to the logging account destination', () => {
    t.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: idOf(/^SessionLogs[0-9A-F]{8}$/, 'AWS::Logs::LogGroup') },
      FilterPattern: '',
      DestinationArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            `:logs:${REGION}:${LOGGING_ACCOUNT}:destination:sessionwatch-session-logs`,
          ],
        ],
      },
    });
  });

  it('forwards Session Manager CloudTrail events to the logging account session bus', () => {
    const rule = Object.values(t.findResources('AWS::Events::Rule'))[0]!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ssm'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['ssm.amazonaws.com'], eventName: ['StartSession', 'ResumeSession', 'TerminateSession'] },
    });
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(flatten(rule.Properties.Targets[0].Arn)).toBe(
      `arn:<Ref:AWS::Partition>:events:${REGION}:${LOGGING_ACCOUNT}:event-bus/sessionwatch-session-events`,
    );
    expect(rule.Properties.Targets[0].RoleArn).toBeDefined();
  });
});

describe('workload account: instance baseline', () => {
  it('has an instance role with AmazonSSMManagedInstanceCore and an instance profile of the guarded name', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `sessionwatch-ssm-instance-${REGION}`,
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
      ],
    });
    t.hasResourceProperties('AWS::IAM::InstanceProfile', {
      InstanceProfileName: `sessionwatch-ssm-instance-${REGION}`,
    });
  });

  it('lets the instance write its session logs and its own transcripts, and use exactly the two keys', () => {
    const statements = instanceStatements();
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid)!;
    expect(list(bySid('StreamSessionLogs').Action)).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'logs:DescribeLogStreams',
    ]);
    expect(bySid('StreamSessionLogs').Resource).toEqual({
      'Fn::GetAtt': [idOf(/^SessionLogs[0-9A-F]{8}$/, 'AWS::Logs::LogGroup'), 'Arn'],
    });
    expect(flatten(bySid('WriteOwnTranscripts').Resource)).toBe(
      `arn:<Ref:AWS::Partition>:s3:::sessionwatch-transcripts-${LOGGING_ACCOUNT}-${REGION}/${WORKLOAD_ACCOUNT}/session-logs/*`,
    );
    expect(list(bySid('WriteOwnTranscripts').Action)).toEqual(['s3:PutObject']);
    expect(bySid('EncryptTranscriptsThroughS3')).toMatchObject({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: TRANSCRIPT_KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
    });
    expect(bySid('DecryptSessionData')).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [idOf(/^SessionKey[0-9A-F]{8}$/, 'AWS::KMS::Key'), 'Arn'] },
    });
    expect(statements.map((s) => s.Sid).sort()).toEqual([
      'CheckBucketEncryption',
      'CheckLogGroupEncryption',
      'DecryptSessionData',
      'EncryptTranscriptsThroughS3',
      'StreamSessionLogs',
      'WriteOwnTranscripts',
    ]);
  });

  it('gives the instances a security group with no inbound rule and HTTPS-only egress', () => {
    const groups = t.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^sessionwatch: no inbound rule') },
    });
    const [id, group] = Object.entries(groups)[0]!;
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS to VPC endpoints and S3',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    // No standalone ingress rule targets it either.
    for (const rule of Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')))
      expect(rule.Properties.GroupId).not.toEqual({ 'Fn::GetAtt': [id, 'GroupId'] });
    // The only ingress anywhere: 443 into the endpoints, from the instance group.
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [id, 'GroupId'] } }),
    ]);
  });

  it('creates interface endpoints for ssm, ssmmessages, ec2messages, kms and logs, and the S3 gateway endpoint', () => {
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((e) => e.Properties);
    // Interface endpoints name `com.amazonaws.eu-west-1.ssm`, the gateway `com.amazonaws.<Ref:AWS::Region>.s3`.
    const services = endpoints.map((e) => `${e.VpcEndpointType}:${flatten(e.ServiceName).split('.').at(-1)}`);
    expect(services.sort()).toEqual(
      [
        'Gateway:s3',
        'Interface:ec2messages',
        'Interface:kms',
        'Interface:logs',
        'Interface:ssm',
        'Interface:ssmmessages',
      ].sort(),
    );
    for (const e of endpoints.filter((e) => e.VpcEndpointType === 'Interface')) expect(e.PrivateDnsEnabled).toBe(true);
  });

  it('requires IMDSv2 (tokens required, hop limit 1) and encrypted volumes in the launch template', () => {
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateName: `sessionwatch-ssm-instance-${REGION}`,
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: {
          HttpTokens: 'required',
          HttpPutResponseHopLimit: 1,
          HttpEndpoint: 'enabled',
          InstanceMetadataTags: 'disabled',
        },
        IamInstanceProfile: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InstanceBaselineProfile'), 'Arn'] } },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 20, VolumeType: 'gp3' } }],
      }),
    });
  });

  it('builds a VPC with isolated subnets only (no internet or NAT gateway), flow logs and a closed default group', () => {
    expect(t.findResources('AWS::EC2::InternetGateway')).toEqual({});
    expect(t.findResources('AWS::EC2::NatGateway')).toEqual({});
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.resourceCountIs('AWS::EC2::Subnet', 2);
    t.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  it('uses an existing VPC when given one, creating no VPC of its own', () => {
    const stack = new WorkloadAccountStack(newApp(), 'Existing', {
      env: { account: WORKLOAD_ACCOUNT, region: REGION },
      loggingAccount: LOGGING_ACCOUNT,
      transcriptKeyArn: TRANSCRIPT_KEY_ARN,
      vpc: {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.1.0.0/16',
        availabilityZones: [`${REGION}a`, `${REGION}b`],
        subnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
        routeTableIds: ['rtb-0000000000000000a', 'rtb-0000000000000000b'],
      },
    });
    const existing = Template.fromStack(stack);
    existing.resourceCountIs('AWS::EC2::VPC', 0);
    existing.resourceCountIs('AWS::EC2::FlowLog', 0);
    existing.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0123456789abcdef0',
      VpcEndpointType: 'Gateway',
      RouteTableIds: ['rtb-0000000000000000a', 'rtb-0000000000000000b'],
    });
    existing.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      SubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
    });
  });
});
