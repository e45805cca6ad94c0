import type { Category, Evidence, Severity } from '../../detectors/model.js';
import type { Actor, Alert } from '../alerts/alert.js';
import { alertId } from '../alerts/id.js';
import type { SessionIdentity } from '../identity/record.js';
import { actorFromIdentity } from '../identity/resolver.js';
import { redactAlert } from '../redact/redact.js';
import type { CoverageConfig } from './config.js';
import type { CoverageFinding, FindingKind } from './evaluate.js';

export const COVERAGE_RULES: Record<
  FindingKind,
  { ruleId: string; title: string; description: string; severity: keyof CoverageConfig['severity'] }
> = {
  'missing-transcript': {
    ruleId: 'sessionwatch-coverage-missing-transcript',
    title: 'Session without transcript',
    description:
      'A Session Manager shell session started (CloudTrail StartSession) but no transcript arrived: no streamed event and no end-of-session log. The agent may have been stopped or killed, the instance stopped, or logging turned off or broken (bucket policy, KMS key).',
    severity: 'missingTranscript',
  },
  'missing-final-transcript': {
    ruleId: 'sessionwatch-coverage-missing-final-transcript',
    title: 'End-of-session transcript missing',
    description:
      'The session streamed to CloudWatch but its end-of-session transcript (S3 object or CloudWatch upload) never arrived: the complete record of what was typed, including what the lossy stream dropped, is missing.',
    severity: 'missingFinalTranscript',
  },
  'stream-stopped': {
    ruleId: 'sessionwatch-coverage-stream-stopped',
    title: 'Transcript stream stopped while the session was open',
    description:
      'The CloudWatch stream of a session went quiet for longer than the configured gap while the session had not ended (no TerminateSession, no end-of-session transcript, no exit in the stream). Killing the agent or its session worker, or cutting its network, does this. An idle session ended by the idle timeout looks the same when no end-of-session transcript is configured.',
    severity: 'streamStopped',
  },
};

/** ATT&CK v19: Disable or Modify Tools (T1562.001 in v18). */
const IMPAIR_DEFENSES = ['T1685'];

export interface SessionAlertInput {
  ruleId: string;
  title: string;
  description: string;
  severity: Severity;
  category: Category;
  attack: string[];
  identity: SessionIdentity;
  from: Actor['from'];
  time: string;
  evidence: Evidence[];
}

/**
 * An alert about a session as a whole, found from CloudTrail (no command): `command` is empty and the id is
 * sha256(sessionId, ruleId, "") like every alert id, so one session raises one alert per rule, on every path.
 */
export function sessionAlert(input: SessionAlertInput): Alert {
  const { identity } = input;
  const draft: Alert = {
    id: '',
    ruleId: input.ruleId,
    title: input.title,
    description: input.description,
    severity: input.severity,
    category: input.category,
    attack: [...input.attack],
    sessionId: identity.sessionId,
    command: '',
    seq: null,
    time: input.time,
    instanceId: identity.target,
    account: identity.account,
    region: identity.region,
    user: null,
    host: null,
    cwd: null,
    root: false,
    actor: actorFromIdentity(identity, input.from),
    evidence: input.evidence,
    source: 'cloudtrail',
  };
  const alert = redactAlert(draft);
  alert.id = alertId(alert.sessionId, alert.ruleId, '');
  return alert;
}

/** A coverage finding → its `defense-evasion` alert, with the session's identity, target and times. */
export function coverageAlert(
  finding: CoverageFinding,
  identity: SessionIdentity,
  config: CoverageConfig,
  from: Actor['from'] = 'table',
): Alert {
  const rule = COVERAGE_RULES[finding.kind];
  const o = finding.observations;
  const evidence: Evidence[] = [
    { kind: 'other', value: `StartSession ${identity.start}`, detail: identity.eventId ?? 'cloudtrail' },
    { kind: 'other', value: finding.reason, detail: `due ${finding.due}` },
  ];
  if (finding.closedAt)
    evidence.push({ kind: 'other', value: `ended ${finding.closedAt}`, detail: finding.closedBy ?? '' });
  if (o?.lastStream)
    evidence.push({ kind: 'other', value: `stream ${o.firstStream} – ${o.lastStream}`, detail: 'cloudwatch-stream' });
  if (o?.final)
    evidence.push({ kind: 'other', value: `end-of-session transcript ${o.final}`, detail: o.finalSource ?? '' });
  if (identity.documentName) evidence.push({ kind: 'other', value: identity.documentName, detail: 'document' });
  return sessionAlert({
    ruleId: rule.ruleId,
    title: rule.title,
    description: rule.description,
    severity: config.severity[rule.severity],
    category: 'defense-evasion',
    attack: IMPAIR_DEFENSES,
    identity: { ...identity, end: identity.end ?? finding.closedAt },
    from,
    time: finding.due,
    evidence,
  });
}
