/** Reads every policy document out of a synthesised CloudFormation template, whatever resource carries it. */

import type { CfnJson } from './template-values.js';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface FoundPolicy {
  readonly resource: string;
  readonly type: string;
  readonly statements: Statement[];
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, CfnJson> }> };

/** A policy written as a JSON string with CloudFormation references in it (Fn::Join), with the references as `<ref>`. */
const flattenJoin = (value: { 'Fn::Join': [string, unknown[]] }): string =>
  value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(value['Fn::Join'][0]);

const asDocument = (value: unknown): { Statement?: Statement[] } | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return JSON.parse(value);
  if (typeof value === 'object' && value !== null && 'Fn::Join' in value)
    return JSON.parse(flattenJoin(value as { 'Fn::Join': [string, unknown[]] }));
  return value as { Statement?: Statement[] };
};

/** Where each resource type keeps its policy document(s). */
const DOCUMENTS: Record<string, (p: Record<string, CfnJson>) => unknown[]> = {
  'AWS::IAM::Policy': (p) => [p.PolicyDocument],
  'AWS::IAM::ManagedPolicy': (p) => [p.PolicyDocument],
  'AWS::IAM::Role': (p) => (p.Policies ?? []).map((x: { PolicyDocument: unknown }) => x.PolicyDocument),
  'AWS::KMS::Key': (p) => [p.KeyPolicy],
  'AWS::S3::BucketPolicy': (p) => [p.PolicyDocument],
  'AWS::SQS::QueuePolicy': (p) => [p.PolicyDocument],
  'AWS::SNS::TopicPolicy': (p) => [p.PolicyDocument],
  'AWS::Logs::Destination': (p) => [p.DestinationPolicy],
  'AWS::Organizations::Policy': (p) => [p.Content],
  'AWS::Events::EventBusPolicy': (p) => [p.Statement ? { Statement: [p.Statement] } : undefined],
};

export function policiesOf(template: Record<string, CfnJson>): FoundPolicy[] {
  const found: FoundPolicy[] = [];
  for (const [id, resource] of Object.entries((template as Template).Resources)) {
    const read = DOCUMENTS[resource.Type];
    if (!read || !resource.Properties) continue;
    for (const raw of read(resource.Properties)) {
      const doc = asDocument(raw);
      if (doc?.Statement) found.push({ resource: id, type: resource.Type, statements: doc.Statement });
    }
  }
  return found;
}

export const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Services whose wildcard actions would open data or identity: any `*` in one of their actions is refused. */
export const SENSITIVE_SERVICES = [
  'kms',
  's3',
  'dynamodb',
  'secretsmanager',
  'iam',
  'sts',
  'sqs',
  'sns',
  'logs',
  'ssm',
  'ssmmessages',
  'kinesis',
  'lambda',
  'ec2',
  'organizations',
  'cloudtrail',
  'events',
] as const;

/** Why an Allow statement's actions are too broad, or null. Deny statements may be as broad as they like. */
export function wildcardProblem(statement: Statement): string | null {
  if (statement.Effect !== 'Allow') return null;
  if (statement.NotAction !== undefined) return `Allow with NotAction ${JSON.stringify(statement.NotAction)}`;
  for (const action of list(statement.Action)) {
    if (action === '*') return 'action "*"';
    const [service, name] = action.split(':');
    if (name === '*') return `action "${action}" (every action of ${service})`;
    if (name?.includes('*') && (SENSITIVE_SERVICES as readonly string[]).includes(service!))
      return `wildcard action "${action}" on sensitive service ${service}`;
  }
  return null;
}
