import type { Detection } from '../../detectors/model.js';
import type { CommandRecord, SessionInfo } from '../commands/record.js';
import { redactAlert } from '../redact/redact.js';
import type { Actor, Alert } from './alert.js';
import { alertId } from './id.js';

export interface BuildOptions {
  /** The S3 transcript object the record came from, for links. */
  transcript?: { bucket: string; key: string };
}

/**
 * One detection on one command → the alert every sink receives. Redaction happens here, before the id is computed
 * and before anything can leave the process.
 */
export function buildAlert(
  detection: Detection,
  record: CommandRecord,
  session: SessionInfo,
  actor: Actor | null,
  options: BuildOptions = {},
): Alert {
  const draft: Alert = {
    id: '',
    ruleId: detection.ruleId,
    title: detection.title,
    ...(detection.description ? { description: detection.description } : {}),
    severity: detection.severity,
    category: detection.category,
    attack: [...detection.attack],
    sessionId: record.sessionId,
    command: record.command,
    seq: record.seq,
    time: record.time,
    instanceId: record.instanceId ?? session.instanceId,
    account: session.account ?? actor?.account ?? null,
    region: session.region,
    user: record.user ?? session.runAsUser,
    host: record.host,
    cwd: record.cwd,
    root: record.root,
    actor,
    evidence: detection.evidence.map((e) => ({ ...e })),
    source: record.source,
    ...(detection.references?.length ? { references: [...detection.references] } : {}),
    ...(options.transcript ? { transcript: { ...options.transcript } } : {}),
  };
  const alert = redactAlert(draft);
  alert.id = alertId(alert.sessionId, alert.ruleId, alert.command);
  return alert;
}
