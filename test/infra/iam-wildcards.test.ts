import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildAll, testConfig } from './helpers.js';
import { list, policiesOf, wildcardProblem } from './policies.js';

describe('no wildcard actions in any Allow statement of any stack', () => {
  const configs = {
    'every option on': testConfig(),
    'minimal (no HEC, no sources, no Object Lock, no guardrails)': testConfig({
      pipeline: {},
      objectLock: undefined,
      guardrails: undefined,
    }),
  };

  for (const [name, config] of Object.entries(configs)) {
    it(`${name}: walks every policy document and finds no '*', 'service:*' or sensitive-service wildcard`, () => {
      const { all } = buildAll(config);
      let statements = 0;
      const problems: string[] = [];
      for (const stack of all) {
        for (const policy of policiesOf(Template.fromStack(stack).toJSON())) {
          for (const statement of policy.statements) {
            statements++;
            const problem = wildcardProblem(statement);
            if (problem)
              problems.push(
                `${stack.stackName}/${policy.resource} (${policy.type}) ${statement.Sid ?? ''}: ${problem}`,
              );
          }
        }
      }
      expect(problems).toEqual([]);
      // The walk really saw the policies: keys, buckets, queues, topics, roles, destination, bus, SCP.
      expect(statements).toBeGreaterThan(60);
    });
  }

  it('finds every kind of policy document the stacks carry', () => {
    const { all } = buildAll();
    const types = new Set(all.flatMap((s) => policiesOf(Template.fromStack(s).toJSON()).map((p) => p.type)));
    expect([...types].sort()).toEqual([
      'AWS::Events::EventBusPolicy',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::KMS::Key',
      'AWS::Logs::Destination',
      'AWS::Organizations::Policy',
      'AWS::S3::BucketPolicy',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
    ]);
  });

  it('the only Resource "*" with a data-plane action is cloudtrail:LookupEvents (no resource-level permissions)', () => {
    const { all } = buildAll();
    const onStar: string[] = [];
    for (const stack of all)
      for (const policy of policiesOf(Template.fromStack(stack).toJSON()).filter((p) => p.type === 'AWS::IAM::Policy'))
        for (const s of policy.statements)
          if (s.Effect === 'Allow' && list(s.Resource as string | string[]).includes('*'))
            onStar.push(...list(s.Action));
    expect(onStar.sort()).toEqual(['cloudtrail:LookupEvents']);
  });

  it("attaches no AWS managed policy except AmazonSSMManagedInstanceCore and the CDK handlers' basic execution role", () => {
    const { all } = buildAll();
    const managed = new Set<string>();
    for (const stack of all)
      for (const role of Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')))
        for (const arn of role.Properties.ManagedPolicyArns ?? [])
          managed.add(/:policy\/([\w/-]+)/.exec(JSON.stringify(arn))![1]!);
    expect([...managed].sort()).toEqual(['AmazonSSMManagedInstanceCore', 'service-role/AWSLambdaBasicExecutionRole']);
  });
});

describe('the wildcard check itself', () => {
  it('flags star, service-star, NotAction and partial wildcards on sensitive services, and ignores Deny', () => {
    expect(wildcardProblem({ Effect: 'Allow', Action: '*' })).toMatch(/"\*"/);
    expect(wildcardProblem({ Effect: 'Allow', Action: ['s3:GetObject', 's3:*'] })).toMatch(/every action of s3/);
    expect(wildcardProblem({ Effect: 'Allow', Action: 'ec2:*' })).toMatch(/every action of ec2/);
    expect(wildcardProblem({ Effect: 'Allow', Action: 'kms:GenerateDataKey*' })).toMatch(/sensitive service kms/);
    expect(wildcardProblem({ Effect: 'Allow', NotAction: 'iam:*' })).toMatch(/NotAction/);
    expect(wildcardProblem({ Effect: 'Deny', Action: 's3:*' })).toBeNull();
    expect(wildcardProblem({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'sqs:SendMessage'] })).toBeNull();
  });
});
