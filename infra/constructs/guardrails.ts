import * as config from 'aws-cdk-lib/aws-config';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { NAMES } from './names.js';

export interface GuardrailOptions {
  /** Instance profiles instances may be launched with (ARN patterns). Default: sessionwatch's. */
  readonly allowedInstanceProfileArnPatterns?: readonly string[];
  /**
   * IAM cannot see the ports of a security-group rule (there is no port condition key), so the SCP can only keep
   * ingress changes to these roles (e.g. the network team's and the deployment roles). Omitted: no such statement,
   * and ports 22/3389 are caught by the AWS Config rules instead.
   */
  readonly ingressAdminRoleArnPatterns?: readonly string[];
}

export function defaultInstanceProfilePatterns(): string[] {
  return [`arn:aws:iam::*:instance-profile/${NAMES.instanceRolePrefix}*`];
}

/** The service control policy document, also printed in docs/deploy.md. */
export function guardrailPolicy(options: GuardrailOptions = {}) {
  const profiles = [...(options.allowedInstanceProfileArnPatterns ?? defaultInstanceProfilePatterns())];
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'DenyRunInstancesWithoutInstanceProfile',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { Null: { 'ec2:InstanceProfile': 'true' } },
    },
    {
      Sid: 'DenyRunInstancesWithOtherInstanceProfiles',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { ArnNotLike: { 'ec2:InstanceProfile': profiles } },
    },
    {
      Sid: 'DenyRunInstancesWithoutImdsv2',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    },
    {
      Sid: 'DenyAttachingOtherInstanceProfiles',
      Effect: 'Deny',
      Action: ['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation'],
      Resource: '*',
      Condition: { ArnNotLike: { 'ec2:NewInstanceProfile': profiles } },
    },
    {
      Sid: 'DenyRemovingInstanceProfiles',
      Effect: 'Deny',
      Action: 'ec2:DisassociateIamInstanceProfile',
      Resource: '*',
    },
  ];
  if (options.ingressAdminRoleArnPatterns?.length) {
    statements.push({
      Sid: 'DenySecurityGroupIngressOutsideAdminRoles',
      Effect: 'Deny',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:ModifySecurityGroupRules'],
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [...options.ingressAdminRoleArnPatterns] } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

export interface GuardrailsProps extends GuardrailOptions {
  /** Roots, OUs or accounts the SCP is attached to. */
  readonly targetIds: readonly string[];
  /** Organisation-wide AWS Config rules for inbound 22 and 3389 (needs AWS Config recording in member accounts). */
  readonly configRules?: boolean;
}

/**
 * The closing guardrails of the article, for the organisation's management (or delegated administrator) account:
 * no instance without the Session Manager instance profile, and no inbound SSH/RDP.
 */
export class Guardrails extends Construct {
  readonly policy: organizations.CfnPolicy;

  constructor(scope: Construct, id: string, props: GuardrailsProps) {
    super(scope, id);
    this.policy = new organizations.CfnPolicy(this, 'ServiceControlPolicy', {
      name: 'sessionwatch-session-manager-only',
      description: 'Instances only with the Session Manager instance profile; no unapproved security-group ingress',
      type: 'SERVICE_CONTROL_POLICY',
      content: guardrailPolicy(props),
      targetIds: [...props.targetIds],
    });
    if (props.configRules ?? true) {
      new config.CfnOrganizationConfigRule(this, 'RestrictedSsh', {
        organizationConfigRuleName: 'sessionwatch-restricted-ssh',
        organizationManagedRuleMetadata: {
          ruleIdentifier: 'INCOMING_SSH_DISABLED',
          resourceTypesScope: ['AWS::EC2::SecurityGroup'],
          description: 'Security groups must not allow inbound 22 from 0.0.0.0/0 or ::/0',
        },
      });
      new config.CfnOrganizationConfigRule(this, 'RestrictedSshRdp', {
        organizationConfigRuleName: 'sessionwatch-restricted-ssh-rdp',
        organizationManagedRuleMetadata: {
          ruleIdentifier: 'RESTRICTED_INCOMING_TRAFFIC',
          resourceTypesScope: ['AWS::EC2::SecurityGroup'],
          inputParameters: JSON.stringify({ blockedPort1: '22', blockedPort2: '3389' }),
          description: 'Security groups must not allow inbound 22 or 3389 from 0.0.0.0/0 or ::/0',
        },
      });
    }
  }
}
