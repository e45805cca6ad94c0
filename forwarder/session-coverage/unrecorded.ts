import type { Evidence } from '../../detectors/model.js';
import type { Actor, Alert } from '../alerts/alert.js';
import { globMatch } from '../alerts/noise/glob.js';
import { cloudTrailRecord, parseSessionEvent, SessionEventError } from '../identity/cloudtrail-event.js';
import type { SessionIdentity } from '../identity/record.js';
import { sessionAlert } from './alerts.js';
import {
  type AllowEntry,
  type CoverageConfig,
  DEFAULT_COVERAGE_CONFIG,
  documentBaseName,
  documentKind,
} from './config.js';

export const UNRECORDED_RULE_ID = 'sessionwatch-coverage-unrecorded-session';

/** ATT&CK: Protocol Tunneling; SSH sessions also Remote Services: SSH. */
const TUNNEL = 'T1572';
const REMOTE_SSH = 'T1021.004';

/** The Session document parameters worth showing: where the tunnel leads. */
const PARAMETERS = ['host', 'portNumber', 'localPortNumber', 'localUnixSocket', 'remoteUnixSocket'] as const;

/**
 * The alert for a StartSession whose document never records what passes through it (SSH, port forwarding, any Port
 * document), or null: another event, a shell session, or an allowlisted one. Takes the event in any envelope the
 * identity parser takes (EventBridge, raw record, LookupEvents' JSON string). Never throws for bad input.
 */
export function unrecordedSessionAlert(
  event: unknown,
  config: CoverageConfig = DEFAULT_COVERAGE_CONFIG,
  from: Actor['from'] = 'cloudtrail',
): Alert | null {
  let identity: SessionIdentity;
  let record: Record<string, unknown>;
  try {
    const parsed = parseSessionEvent(event);
    if (parsed.name !== 'StartSession') return null;
    identity = parsed.identity;
    record = cloudTrailRecord(event);
  } catch (error) {
    if (error instanceof SessionEventError) return null;
    throw error;
  }
  const document = identity.documentName;
  if (!document || documentKind(document, config) !== 'port') return null;
  if (config.allow.some((entry) => allows(entry, identity))) return null;

  const name = documentBaseName(document);
  const ssh = name === 'AWS-StartSSHSession';
  const evidence: Evidence[] = [{ kind: 'other', value: name, detail: 'document' }];
  const parameters = sessionParameters(record);
  for (const key of PARAMETERS) {
    const value = parameters[key];
    if (value) evidence.push({ kind: key === 'host' ? 'host' : 'other', value, detail: key });
  }
  if (identity.reason) evidence.push({ kind: 'other', value: identity.reason, detail: 'reason' });
  const where = parameters.host
    ? ` to ${parameters.host}${parameters.portNumber ? `:${parameters.portNumber}` : ''}`
    : '';
  return sessionAlert({
    ruleId: UNRECORDED_RULE_ID,
    title: ssh
      ? 'SSH session through Session Manager (not recorded)'
      : `Port forwarding session${where} (not recorded)`,
    description:
      'A Session Manager session of a Port document (SSH or port forwarding) started. Session Manager only relays its bytes: nothing typed or transferred in it is ever logged, so the transcript-based detections cannot see it.',
    severity: config.severity.unrecordedSession,
    category: 'lateral-movement',
    attack: ssh ? [TUNNEL, REMOTE_SSH] : [TUNNEL],
    identity,
    from,
    time: identity.start!,
    evidence,
  });
}

function allows(entry: AllowEntry, identity: SessionIdentity): boolean {
  const any = (patterns: string[] | undefined, value: string | null) =>
    !patterns || (value !== null && patterns.some((p) => globMatch(p, value)));
  const document = identity.documentName ? documentBaseName(identity.documentName) : null;
  return (
    any(entry.principal, identity.principalArn) && any(entry.target, identity.target) && any(entry.document, document)
  );
}

/** `requestParameters.parameters`: `{"portNumber":["5432"],"host":["db.internal"]}` → first values, bounded. */
function sessionParameters(record: Record<string, unknown>): Partial<Record<(typeof PARAMETERS)[number], string>> {
  const request = record.requestParameters as { parameters?: Record<string, unknown> } | undefined;
  const raw = request?.parameters;
  if (!raw || typeof raw !== 'object') return {};
  const out: Partial<Record<(typeof PARAMETERS)[number], string>> = {};
  for (const key of PARAMETERS) {
    const v = raw[key];
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string' && first.length > 0) out[key] = first.slice(0, 256);
  }
  return out;
}
