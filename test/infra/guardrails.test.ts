import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { guardrailPolicy } from '../../infra/constructs/guardrails.js';
import { buildAll, MANAGEMENT_ACCOUNT, sharedBuild, testConfig } from './helpers.js';
import type { CfnJson } from './template-values.js';

describe('guardrails', () => {
  it('deploys the service control policy to the configured targets from the management account', () => {
    const stack = sharedBuild().stacks.guardrails!;
    expect(stack.account).toBe(MANAGEMENT_ACCOUNT);
    Template.fromStack(stack).hasResourceProperties('AWS::Organizations::Policy', {
      Name: 'sessionwatch-session-manager-only',
      Type: 'SERVICE_CONTROL_POLICY',
      TargetIds: ['ou-ab12-34cd56ef'],
      Content: guardrailPolicy(),
    });
  });

  it('denies launching an instance without an instance profile, with another one, or without IMDSv2', () => {
    const [none, other, imdsv1, attach, remove] = guardrailPolicy().Statement as Record<string, CfnJson>[];
    expect(none).toEqual({
      Sid: 'DenyRunInstancesWithoutInstanceProfile',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { Null: { 'ec2:InstanceProfile': 'true' } },
    });
    expect(other!.Condition).toEqual({
      ArnNotLike: { 'ec2:InstanceProfile': ['arn:aws:iam::*:instance-profile/sessionwatch-ssm-instance-*'] },
    });
    expect(imdsv1!.Condition).toEqual({ StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } });
    expect(attach!.Action).toEqual(['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation']);
    expect(remove!.Action).toBe('ec2:DisassociateIamInstanceProfile');
    expect(guardrailPolicy().Statement.every((s) => s.Effect === 'Deny')).toBe(true);
  });

  it('keeps security-group ingress to named roles only when asked (IAM has no port condition key)', () => {
    expect(JSON.stringify(guardrailPolicy())).not.toContain('AuthorizeSecurityGroupIngress');
    const withAdmins = guardrailPolicy({ ingressAdminRoleArnPatterns: ['arn:aws:iam::*:role/NetworkAdmin'] });
    expect(withAdmins.Statement.at(-1)).toEqual({
      Sid: 'DenySecurityGroupIngressOutsideAdminRoles',
      Effect: 'Deny',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:ModifySecurityGroupRules'],
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/NetworkAdmin'] } },
    });
  });

  it('checks inbound 22 and 3389 from anywhere with organisation Config rules, unless switched off', () => {
    const rules = Template.fromStack(sharedBuild().stacks.guardrails!).findResources(
      'AWS::Config::OrganizationConfigRule',
    );
    const metadata = Object.values(rules).map((r) => r.Properties.OrganizationManagedRuleMetadata);
    expect(metadata.map((m) => m.RuleIdentifier).sort()).toEqual([
      'INCOMING_SSH_DISABLED',
      'RESTRICTED_INCOMING_TRAFFIC',
    ]);
    expect(
      JSON.parse(metadata.find((m) => m.RuleIdentifier === 'RESTRICTED_INCOMING_TRAFFIC').InputParameters),
    ).toEqual({
      blockedPort1: '22',
      blockedPort2: '3389',
    });
    const { stacks } = buildAll(testConfig({ guardrails: { targetIds: ['r-ab12'], configRules: false } }));
    Template.fromStack(stacks.guardrails!).resourceCountIs('AWS::Config::OrganizationConfigRule', 0);
  });

  it('is not deployed without a guardrails section', () => {
    expect(buildAll(testConfig({ guardrails: undefined })).stacks.guardrails).toBeUndefined();
  });
});
