import type { Evidence } from '../../detectors/model.js';
import type { PostureFinding } from './finding.js';

/** The part of an EC2 security group (DescribeSecurityGroups) the check reads. */
export interface SecurityGroupView {
  GroupId?: string;
  GroupName?: string;
  VpcId?: string;
  OwnerId?: string;
  IpPermissions?: {
    IpProtocol?: string;
    FromPort?: number;
    ToPort?: number;
    IpRanges?: { CidrIp?: string; Description?: string }[];
    Ipv6Ranges?: { CidrIpv6?: string; Description?: string }[];
  }[];
}

const ADMIN_PORTS = [
  { port: 22, name: 'SSH', technique: 'T1021.004' },
  { port: 3389, name: 'RDP', technique: 'T1021.001' },
] as const;

/** The protocols of a rule that carry SSH and RDP: TCP by name or number, and "all traffic". */
const TCP = new Set(['tcp', '6', '-1']);

/** How wide a source is: the internet (0.0.0.0/0, ::/0) or a /8 or wider (10.0.0.0/8: the whole private network). */
export function sourceWidth(cidr: string): 'internet' | 'wide' | null {
  const slash = cidr.indexOf('/');
  const prefix = slash < 0 ? Number.NaN : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix)) return null;
  if (prefix === 0) return 'internet';
  if (cidr.includes(':')) return null; // an IPv6 range narrower than ::/0 is not the whole internet; /8 is no IPv6 norm
  return prefix <= 8 ? 'wide' : null;
}

/**
 * Inbound rules that open SSH (22) or RDP (3389) — by port, port range or "all traffic" — to 0.0.0.0/0, ::/0 or a
 * /8 or wider such as 10.0.0.0/8. One finding per group, rule and source. `instancesByGroup` names the running
 * instances that use each group.
 */
export function openAdminPortFindings(
  groups: readonly SecurityGroupView[],
  instancesByGroup: ReadonlyMap<string, readonly string[]> = new Map(),
): PostureFinding[] {
  const findings: PostureFinding[] = [];
  for (const group of groups) {
    const id = group.GroupId ?? '?';
    for (const permission of group.IpPermissions ?? []) {
      const protocol = String(permission.IpProtocol ?? '').toLowerCase();
      if (!TCP.has(protocol)) continue;
      const all = protocol === '-1' || (permission.FromPort === undefined && permission.ToPort === undefined);
      const from = all ? 0 : (permission.FromPort ?? 0);
      const to = all ? 65535 : (permission.ToPort ?? from);
      const ports = ADMIN_PORTS.filter((p) => p.port >= from && p.port <= to);
      if (ports.length === 0) continue;
      const sources = [
        ...(permission.IpRanges ?? []).map((r) => ({ cidr: r.CidrIp ?? '', description: r.Description })),
        ...(permission.Ipv6Ranges ?? []).map((r) => ({ cidr: r.CidrIpv6 ?? '', description: r.Description })),
      ];
      for (const source of sources) {
        const width = sourceWidth(source.cidr);
        if (!width) continue;
        const range = all
          ? protocol === '-1'
            ? 'all traffic'
            : 'all ports'
          : from === to
            ? `tcp ${from}`
            : `tcp ${from}-${to}`;
        const names = ports.map((p) => p.name).join(' and ');
        const instances = instancesByGroup.get(id) ?? [];
        const evidence: Evidence[] = [
          { kind: 'other', value: `${range} from ${source.cidr}`, detail: 'inbound rule' },
          { kind: 'other', value: group.GroupName ?? '', detail: 'group name' },
        ];
        if (group.VpcId) evidence.push({ kind: 'other', value: group.VpcId, detail: 'vpc' });
        if (source.description) evidence.push({ kind: 'other', value: source.description, detail: 'rule description' });
        evidence.push({
          kind: 'other',
          value: instances.length ? instances.join(', ') : 'no running instance',
          detail: 'used by',
        });
        findings.push({
          ruleId: 'sessionwatch-posture-open-admin-port',
          title: `${names} open to ${width === 'internet' ? 'the internet' : source.cidr} in ${id}`,
          description: `Security group ${id} (${group.GroupName ?? ''}) lets ${range} in from ${source.cidr}, which opens ${names}. With Session Manager there is no reason to open port 22 or 3389, and sessions through them are never recorded.`,
          severity: width === 'internet' ? 'high' : 'medium',
          category: 'lateral-movement',
          attack: ports.map((p) => p.technique),
          resource: id,
          key: `${protocol}|${from}-${to}|${source.cidr}`,
          instanceId: instances.length === 1 ? instances[0]! : null,
          evidence,
        });
      }
    }
  }
  return findings;
}
