import type { Category, Evidence, Severity } from '../../detectors/model.js';
import type { TranscriptSource } from '../commands/record.js';

export type PrincipalType = 'IAMUser' | 'AssumedRole' | 'IdentityCenterUser' | 'Root' | 'FederatedUser' | 'Unknown';

/** Who started the session, and where that knowledge came from. */
export interface Actor {
  principalArn: string | null;
  type: PrincipalType;
  /** Role session name, IAM user name or Identity Center e-mail. */
  name: string | null;
  email: string | null;
  account: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  mfa: boolean | null;
  reason: string | null;
  sessionStart: string | null;
  sessionEnd: string | null;
  from: 'table' | 'cloudtrail' | 'transcript';
  /** The SSM document of the session (absent for the default shell). */
  documentName?: string | null;
}

/** The alert every sink receives (DESIGN.md "Contracts"). */
export interface Alert {
  /** Deterministic: the same command in the same session and rule gives the same id on every path. */
  id: string;
  ruleId: string;
  title: string;
  description?: string;
  severity: Severity;
  category: Category;
  attack: string[];
  sessionId: string;
  /** As received by the shell, after redaction. */
  command: string;
  seq: number | null;
  time: string | null;
  instanceId: string | null;
  account: string | null;
  region: string | null;
  user: string | null;
  host: string | null;
  cwd: string | null;
  root: boolean;
  actor: Actor | null;
  evidence: Evidence[];
  source: TranscriptSource | 'cloudtrail' | 'posture';
  /** Number of secrets masked in command and evidence. */
  redactions?: number;
  /** The same, by kind of secret (`aws-secret-access-key`, `password`, `private-key`, ...). */
  redactionKinds?: Record<string, number>;
  /** When a burst was collapsed into this alert. */
  count?: number;
  /** With `count`: the ids of the alerts the burst collapsed (this alert's own id first). */
  groupedIds?: string[];
  references?: string[];
  /** The S3 transcript the alert was found in, when known (for links). */
  transcript?: { bucket: string; key: string };
  /** Present on the info-level session summary (ruleId `sessionwatch.session-summary`). */
  summary?: SessionSummary;
}

/** Who, where, how long, how many commands, which alerts: one per session, on request. */
export interface SessionSummary {
  start: string | null;
  end: string | null;
  durationSeconds: number | null;
  commands: number;
  cancelledCommands: number;
  alerts: number;
  /** Alert counts by rule id. */
  rules: Record<string, number>;
  highestSeverity: Severity | null;
}
