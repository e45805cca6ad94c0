import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * What the account's administrators may do with a key: manage it, never use it. Written out action by action (no
 * `kms:*`), so reading transcripts always needs one of the use statements below.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** The data actions CloudWatch Logs needs on a key that encrypts a log group (AWS's documented set, spelled out). */
export const LOGS_KEY_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
] as const;

export function keyAdministration(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'KeyAdministrationByAccount',
    principals: [new iam.AccountRootPrincipal()],
    actions: [...KEY_ADMIN_ACTIONS],
    resources: ['*'],
  });
}

/**
 * Lets AWS services that keep state for this account (DynamoDB, Secrets Manager, SQS, SNS) create the grants they
 * work with, and only for AWS resources (AWS's default key policy does the same).
 */
export function grantsForAwsResources(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'GrantsForAwsResourcesOnly',
    principals: [new iam.AccountRootPrincipal()],
    actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
    resources: ['*'],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  });
}

/**
 * CloudWatch Logs may use the key only for the named log groups of this account: the encryption context of every
 * request names the log group (`kms:EncryptionContext:aws:logs:arn`).
 */
export function cloudWatchLogsUse(scope: Construct, logGroupNames: readonly string[]): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: 'CloudWatchLogsForNamedLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: [...LOGS_KEY_ACTIONS],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': logGroupNames.map(
          (name) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${name}`,
        ),
      },
    },
  });
}

/** Hands use of the key to the account's IAM policies for these actions (what each role may do is in its policy). */
export function useThroughAccountIam(sid: string, actions: readonly string[], conditions?: iam.Conditions) {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.AccountRootPrincipal()],
    actions: [...actions],
    resources: ['*'],
    ...(conditions ? { conditions } : {}),
  });
}

/** An AWS service may use the key on behalf of this account only (confused-deputy guard on aws:SourceAccount). */
export function serviceUse(
  scope: Construct,
  sid: string,
  service: string,
  actions: readonly string[],
  sourceArns?: readonly string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(service)],
    actions: [...actions],
    resources: ['*'],
    conditions: {
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
      ...(sourceArns ? { ArnLike: { 'aws:SourceArn': [...sourceArns] } } : {}),
    },
  });
}

export interface SessionWatchKeyProps {
  readonly alias: string;
  readonly description: string;
  /** Use statements; the administration statement is always added first. */
  readonly statements: readonly iam.PolicyStatement[];
  readonly removalPolicy?: RemovalPolicy;
}

/** A symmetric customer-managed key with yearly rotation and a key policy written out statement by statement. */
export function sessionWatchKey(scope: Construct, id: string, props: SessionWatchKeyProps): kms.Key {
  return new kms.Key(scope, id, {
    alias: props.alias,
    description: props.description,
    enableKeyRotation: true,
    rotationPeriod: Duration.days(365),
    pendingWindow: Duration.days(30),
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    policy: new iam.PolicyDocument({ statements: [keyAdministration(), ...props.statements] }),
  });
}
