import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Alert } from '../alerts/alert.js';
import { type AwsClientOptions, awsClientConfig } from '../aws/clients.js';
import { collectPosture, type PostureClients, type PostureData } from './collect.js';
import { type PostureFinding, postureAlert } from './finding.js';
import { unmanageableInstanceFindings } from './instances.js';
import { preferenceFindings } from './preferences.js';
import { openAdminPortFindings } from './security-groups.js';

export interface PostureClientOptions extends AwsClientOptions {
  /** A named profile of the shared config and credentials files. */
  profile?: string;
}

/** SSM, EC2 and IAM clients for one region (IAM is global: it is asked through the same endpoint when one is given). */
export function postureClients(options: PostureClientOptions = {}): PostureClients {
  const config = { ...awsClientConfig(options), ...(options.profile ? { profile: options.profile } : {}) };
  return { ssm: new SSMClient(config), ec2: new EC2Client(config), iam: new IAMClient(config) };
}

export interface PostureReport {
  account: string | null;
  region: string | null;
  findings: PostureFinding[];
  alerts: Alert[];
  /** Checks that could not read what they need: the report is incomplete. */
  errors: string[];
}

/** Pure: the findings of what was read. */
export function postureFindings(data: PostureData): PostureFinding[] {
  const instancesByGroup = new Map<string, string[]>();
  for (const i of data.instances ?? []) {
    for (const g of i.groupIds) instancesByGroup.set(g, [...(instancesByGroup.get(g) ?? []), i.instanceId]);
  }
  return [
    ...(data.preferences ? preferenceFindings(data.preferences) : []),
    ...(data.groups ? openAdminPortFindings(data.groups, instancesByGroup) : []),
    ...(data.instances
      ? unmanageableInstanceFindings(data.instances, data.profiles, data.defaultHostManagementRole)
      : []),
  ];
}

/** Reads the account's posture in one region and turns what is off into alerts (`source: posture`). */
export async function runPosture(
  clients: PostureClients,
  options: { region: string | null; clock?: () => number },
): Promise<PostureReport> {
  const data = await collectPosture(clients);
  const findings = postureFindings(data);
  const time = new Date((options.clock ?? Date.now)()).toISOString();
  const scope = { account: data.account, region: options.region, time };
  const errors = [
    ...data.errors,
    ...[...data.profiles.values()]
      .filter((p) => p.missing === null && p.problem)
      .map((p) => `${p.profileArn}: ${p.problem}`),
  ];
  return {
    account: data.account,
    region: options.region,
    findings,
    alerts: findings.map((f) => postureAlert(f, scope)),
    errors,
  };
}
