import type { Evidence } from '../../detectors/model.js';
import type { InstanceView, ProfileAccess } from './collect.js';
import type { PostureFinding } from './finding.js';

/**
 * Running instances Session Manager cannot reach: no instance profile (and no Default Host Management Configuration
 * role to fall back on), a profile that does not exist or has no role, or a role that does not allow what the agent
 * needs. People then reach those instances some other way, outside the transcripts.
 */
export function unmanageableInstanceFindings(
  instances: readonly InstanceView[],
  profiles: ReadonlyMap<string, ProfileAccess>,
  defaultHostManagementRole: string | null,
): PostureFinding[] {
  const findings: PostureFinding[] = [];
  for (const instance of instances) {
    const evidence: Evidence[] = [];
    if (instance.name) evidence.push({ kind: 'other', value: instance.name, detail: 'Name tag' });
    let why: string;
    let key: string;
    if (!instance.profileArn) {
      if (defaultHostManagementRole) continue;
      why = 'no instance profile, and no Default Host Management Configuration role';
      key = 'no-profile';
    } else {
      const access = profiles.get(instance.profileArn);
      if (!access || access.missing === null || access.missing.length === 0) continue; // manageable, or not checkable
      why = access.problem ?? 'the role lacks Session Manager permissions';
      key = `${instance.profileArn}|${access.missing.join(',')}`;
      evidence.push({ kind: 'other', value: instance.profileArn, detail: 'instance profile' });
      if (access.role) evidence.push({ kind: 'other', value: access.role, detail: 'role' });
      evidence.push({ kind: 'other', value: access.missing.join(', '), detail: 'missing actions' });
    }
    evidence.unshift({ kind: 'other', value: why, detail: 'reason' });
    findings.push({
      ruleId: 'sessionwatch-posture-instance-without-session-manager',
      title: `Running instance ${instance.instanceId} cannot be reached by Session Manager`,
      description:
        'The instance has no instance profile that allows Session Manager (AmazonSSMManagedInstanceCore, or ssm:UpdateInstanceInformation and the ssmmessages channel actions), so whoever administers it does so outside Session Manager and its transcripts.',
      severity: 'medium',
      category: 'defense-evasion',
      attack: [],
      resource: instance.instanceId,
      key,
      instanceId: instance.instanceId,
      evidence,
    });
  }
  return findings;
}
