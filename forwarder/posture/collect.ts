import { type EC2Client, paginateDescribeInstances, paginateDescribeSecurityGroups } from '@aws-sdk/client-ec2';
import {
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam';
import { GetDocumentCommand, GetServiceSettingCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName } from '../aws/clients.js';
import {
  missingSessionManagerActions,
  parsePolicyDocument,
  SESSION_MANAGER_ACTIONS,
  SESSION_MANAGER_POLICIES,
} from './iam-policy.js';
import { PREFERENCES_DOCUMENT, parsePreferences, type SessionPreferences } from './preferences.js';
import type { SecurityGroupView } from './security-groups.js';

export interface PostureClients {
  ssm: SSMClient;
  ec2: EC2Client;
  iam: IAMClient;
}

export interface InstanceView {
  instanceId: string;
  name: string | null;
  profileArn: string | null;
  groupIds: string[];
}

/** Whether an instance profile lets the agent run Session Manager. */
export interface ProfileAccess {
  profileArn: string;
  role: string | null;
  /** Actions the role lacks (empty: manageable); null when the profile could not be read. */
  missing: string[] | null;
  /** Why it is not manageable, or why it could not be checked. */
  problem: string | null;
}

export interface PostureData {
  account: string | null;
  preferences: SessionPreferences | null;
  /** Default Host Management Configuration role: instances without a profile are still managed through it. */
  defaultHostManagementRole: string | null;
  groups: SecurityGroupView[] | null;
  instances: InstanceView[] | null;
  profiles: Map<string, ProfileAccess>;
  /** What could not be read (access denied, throttling past retries): those checks are incomplete. */
  errors: string[];
}

const DHMC_SETTING = '/ssm/managed-instance/default-ec2-instance-management-role';

const describe = (error: unknown) => `${awsErrorName(error) ?? 'Error'}: ${(error as Error).message}`;
/** Query-protocol errors are named `<Code>Exception` by recent SDK versions, `<Code>` by older ones. */
const isError = (error: unknown, code: string) => {
  const name = awsErrorName(error);
  return name === code || name === `${code}Exception`;
};

/** Reads everything the posture checks need. Every call's failure is recorded and the other checks still run. */
export async function collectPosture(clients: PostureClients): Promise<PostureData> {
  const errors: string[] = [];
  const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      errors.push(`${what}: ${describe(error)}`);
      return null;
    }
  };
  const preferences = await attempt(`ssm:GetDocument ${PREFERENCES_DOCUMENT}`, () => readPreferences(clients.ssm));
  const defaultHostManagementRole = await attempt(`ssm:GetServiceSetting ${DHMC_SETTING}`, () => readDhmc(clients.ssm));
  const groups = await attempt('ec2:DescribeSecurityGroups', async () => {
    const out: SecurityGroupView[] = [];
    for await (const page of paginateDescribeSecurityGroups({ client: clients.ec2 }, {}))
      out.push(...(page.SecurityGroups ?? []));
    return out;
  });
  let account: string | null = groups?.find((g) => g.OwnerId)?.OwnerId ?? null;
  const instances = await attempt('ec2:DescribeInstances', async () => {
    const out: InstanceView[] = [];
    const filter = { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] };
    for await (const page of paginateDescribeInstances({ client: clients.ec2 }, filter)) {
      for (const reservation of page.Reservations ?? []) {
        account ??= reservation.OwnerId ?? null;
        for (const i of reservation.Instances ?? []) {
          if (!i.InstanceId || (i.State?.Name && i.State.Name !== 'running')) continue;
          out.push({
            instanceId: i.InstanceId,
            name: i.Tags?.find((t) => t.Key === 'Name')?.Value ?? null,
            profileArn: i.IamInstanceProfile?.Arn ?? null,
            groupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter(Boolean),
          });
        }
      }
    }
    return out;
  });
  const profiles = new Map<string, ProfileAccess>();
  const policies = new PolicyCache(clients.iam);
  for (const arn of new Set((instances ?? []).map((i) => i.profileArn).filter((a): a is string => a !== null))) {
    profiles.set(arn, await profileAccess(clients.iam, arn, policies));
  }
  return { account, preferences, defaultHostManagementRole, groups, instances, profiles, errors };
}

async function readPreferences(ssm: SSMClient): Promise<SessionPreferences> {
  try {
    const out = await ssm.send(new GetDocumentCommand({ Name: PREFERENCES_DOCUMENT, DocumentFormat: 'JSON' }));
    return parsePreferences(out.Content ?? '{}');
  } catch (error) {
    if (isError(error, 'InvalidDocument')) return parsePreferences(null);
    throw error;
  }
}

async function readDhmc(ssm: SSMClient): Promise<string | null> {
  const out = await ssm.send(new GetServiceSettingCommand({ SettingId: DHMC_SETTING }));
  const value = out.ServiceSetting?.SettingValue?.trim();
  return value && value !== '$None' ? value : null;
}

/** `arn:aws:iam::111122223333:instance-profile/path/name` → `name`. */
const profileName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

async function profileAccess(iam: IAMClient, profileArn: string, policies: PolicyCache): Promise<ProfileAccess> {
  const result = (role: string | null, missing: string[] | null, problem: string | null): ProfileAccess => ({
    profileArn,
    role,
    missing,
    problem,
  });
  let role: string | null;
  try {
    const out = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileName(profileArn) }));
    role = out.InstanceProfile?.Roles?.[0]?.RoleName ?? null;
  } catch (error) {
    if (isError(error, 'NoSuchEntity'))
      return result(null, [...SESSION_MANAGER_ACTIONS], 'the instance profile does not exist');
    return result(null, null, `iam:GetInstanceProfile: ${describe(error)}`);
  }
  if (!role) return result(null, [...SESSION_MANAGER_ACTIONS], 'the instance profile has no role');
  try {
    const statements = await policies.roleStatements(role);
    const missing = missingSessionManagerActions(statements);
    return result(role, missing, missing.length ? `role ${role} does not allow what the agent needs` : null);
  } catch (error) {
    return result(role, null, `reading the policies of role ${role}: ${describe(error)}`);
  }
}

/** Policy documents, read once per run whatever the number of roles that attach them. */
class PolicyCache {
  private readonly managed = new Map<string, Promise<ReturnType<typeof parsePolicyDocument>>>();

  constructor(private readonly iam: IAMClient) {}

  async roleStatements(role: string): Promise<ReturnType<typeof parsePolicyDocument>> {
    const statements: ReturnType<typeof parsePolicyDocument> = [];
    for await (const page of paginateListAttachedRolePolicies({ client: this.iam }, { RoleName: role })) {
      for (const p of page.AttachedPolicies ?? [])
        if (p.PolicyArn) statements.push(...(await this.managedPolicy(p.PolicyArn)));
    }
    for await (const page of paginateListRolePolicies({ client: this.iam }, { RoleName: role })) {
      for (const name of page.PolicyNames ?? []) {
        const out = await this.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }));
        statements.push(...parsePolicyDocument(out.PolicyDocument ?? '{}'));
      }
    }
    return statements;
  }

  private managedPolicy(arn: string): Promise<ReturnType<typeof parsePolicyDocument>> {
    let pending = this.managed.get(arn);
    if (!pending) {
      pending = SESSION_MANAGER_POLICIES.has(arn)
        ? Promise.resolve([{ Effect: 'Allow', Action: [...SESSION_MANAGER_ACTIONS] }])
        : this.readManaged(arn);
      this.managed.set(arn, pending);
    }
    return pending;
  }

  private async readManaged(arn: string): Promise<ReturnType<typeof parsePolicyDocument>> {
    const policy = await this.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const VersionId = policy.Policy?.DefaultVersionId;
    if (!VersionId) return [];
    const version = await this.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId }));
    return parsePolicyDocument(version.PolicyVersion?.Document ?? '{}');
  }
}
