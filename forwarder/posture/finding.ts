import type { Category, Evidence, Severity } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { alertId } from '../alerts/id.js';

/** One thing off against the baseline, in one account and region. */
export interface PostureFinding {
  ruleId: string;
  title: string;
  description: string;
  severity: Severity;
  category: Category;
  attack: string[];
  /** The resource: an instance id, a security group id, the preferences document. */
  resource: string;
  /** Identifies the finding within its rule and resource (a rule's CIDR and ports, a missing setting). */
  key: string;
  instanceId?: string | null;
  evidence: Evidence[];
}

export interface PostureScope {
  account: string | null;
  region: string | null;
  /** When the posture was read (ISO). */
  time: string;
}

/**
 * A finding → the alert every sink takes (`source: posture`, no session, no command). The id hashes the account,
 * region, rule, resource and key: the same misconfiguration gives the same id on every run, so each sink's delivery
 * ledger passes it on once, and a changed configuration (another CIDR, another setting) is a new alert.
 */
export function postureAlert(finding: PostureFinding, scope: PostureScope): Alert {
  return {
    id: alertId('', finding.ruleId, [scope.account ?? '', scope.region ?? '', finding.resource, finding.key].join('|')),
    ruleId: finding.ruleId,
    title: finding.title,
    description: finding.description,
    severity: finding.severity,
    category: finding.category,
    attack: [...finding.attack],
    sessionId: '',
    command: '',
    seq: null,
    time: scope.time,
    instanceId: finding.instanceId ?? null,
    account: scope.account,
    region: scope.region,
    user: null,
    host: null,
    cwd: null,
    root: false,
    actor: null,
    evidence: [{ kind: 'other', value: finding.resource, detail: 'resource' }, ...finding.evidence],
    source: 'posture',
  };
}
