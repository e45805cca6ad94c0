import { createEngine, type Engine } from '../../detectors/index.js';
import type { Severity } from '../../detectors/model.js';
import type { PostureFinding } from './finding.js';

export const PREFERENCES_DOCUMENT = 'SSM-SessionManagerRunShell';

/** The Session Manager preferences: the `inputs` of the account's SSM-SessionManagerRunShell document. */
export interface SessionPreferences {
  /** False when the document does not exist: the preferences were never saved, every default applies. */
  exists: boolean;
  s3BucketName: string;
  s3KeyPrefix: string;
  s3EncryptionEnabled: boolean;
  cloudWatchLogGroupName: string;
  cloudWatchEncryptionEnabled: boolean;
  cloudWatchStreamingEnabled: boolean;
  kmsKeyId: string;
  /** Minutes, as the document stores them (strings); empty: the default (20 minutes idle, no maximum). */
  idleSessionTimeout: string;
  maxSessionDuration: string;
  runAsEnabled: boolean;
  runAsDefaultUser: string;
  shellProfileLinux: string;
}

const bool = (v: unknown) => v === true || v === 'true';
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

export class PreferencesError extends Error {
  override name = 'PreferencesError';
}

/** The document's JSON content (GetDocument `Content`) → preferences; null content: the document does not exist. */
export function parsePreferences(content: string | null): SessionPreferences {
  let inputs: Record<string, unknown> = {};
  if (content !== null) {
    let doc: { inputs?: unknown };
    try {
      doc = JSON.parse(content) as { inputs?: unknown };
    } catch {
      throw new PreferencesError(`${PREFERENCES_DOCUMENT} content is not JSON (is the document in YAML?)`);
    }
    if (doc.inputs && typeof doc.inputs === 'object') inputs = doc.inputs as Record<string, unknown>;
  }
  const profile = (inputs.shellProfile ?? {}) as Record<string, unknown>;
  return {
    exists: content !== null,
    s3BucketName: text(inputs.s3BucketName),
    s3KeyPrefix: text(inputs.s3KeyPrefix),
    s3EncryptionEnabled: bool(inputs.s3EncryptionEnabled),
    cloudWatchLogGroupName: text(inputs.cloudWatchLogGroupName),
    cloudWatchEncryptionEnabled: bool(inputs.cloudWatchEncryptionEnabled),
    cloudWatchStreamingEnabled: bool(inputs.cloudWatchStreamingEnabled),
    kmsKeyId: text(inputs.kmsKeyId),
    idleSessionTimeout: text(inputs.idleSessionTimeout),
    maxSessionDuration: text(inputs.maxSessionDuration),
    runAsEnabled: bool(inputs.runAsEnabled),
    runAsDefaultUser: text(inputs.runAsDefaultUser),
    shellProfileLinux: text(profile.linux),
  };
}

interface Check {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  /** The setting is off against the baseline: what the document says, for the evidence. */
  off(p: SessionPreferences): string | null;
}

const LOGGING_OFF = ['T1685'];

/** The article's baseline: S3 and CloudWatch logging, streaming, KMS session encryption, idle and maximum time set. */
const CHECKS: Check[] = [
  {
    id: 's3-logging-off',
    title: 'Session transcripts are not sent to S3',
    description: 'No s3BucketName in the Session Manager preferences: no end-of-session transcript is kept in S3.',
    severity: 'high',
    off: (p) => (p.s3BucketName ? null : 's3BucketName is empty'),
  },
  {
    id: 's3-encryption-off',
    title: 'S3 session logging does not require an encrypted bucket',
    description: 's3EncryptionEnabled is false: transcripts may be written to an unencrypted bucket.',
    severity: 'low',
    off: (p) => (p.s3BucketName && !p.s3EncryptionEnabled ? 's3EncryptionEnabled is false' : null),
  },
  {
    id: 'cloudwatch-logging-off',
    title: 'Session transcripts are not sent to CloudWatch Logs',
    description: 'No cloudWatchLogGroupName in the Session Manager preferences: no transcript reaches CloudWatch Logs.',
    severity: 'high',
    off: (p) => (p.cloudWatchLogGroupName ? null : 'cloudWatchLogGroupName is empty'),
  },
  {
    id: 'cloudwatch-encryption-off',
    title: 'CloudWatch session logging does not require an encrypted log group',
    description: 'cloudWatchEncryptionEnabled is false: transcripts may go to a log group without a KMS key.',
    severity: 'low',
    off: (p) =>
      p.cloudWatchLogGroupName && !p.cloudWatchEncryptionEnabled ? 'cloudWatchEncryptionEnabled is false' : null,
  },
  {
    id: 'streaming-off',
    title: 'Session streaming to CloudWatch Logs is off',
    description:
      'cloudWatchStreamingEnabled is false: transcripts arrive only when a session ends, so nothing is detected while it runs, and a session whose agent is killed leaves nothing.',
    severity: 'medium',
    off: (p) => (p.cloudWatchStreamingEnabled ? null : 'cloudWatchStreamingEnabled is false'),
  },
  {
    id: 'session-encryption-off',
    title: 'Session data is not encrypted with a KMS key',
    description: 'No kmsKeyId: session data between the client and the instance is protected by TLS only.',
    severity: 'medium',
    off: (p) => (p.kmsKeyId ? null : 'kmsKeyId is empty'),
  },
  {
    id: 'idle-timeout-unset',
    title: 'Idle session timeout not set',
    description: 'idleSessionTimeout is not set: the 20-minute default applies, unreviewed.',
    severity: 'low',
    off: (p) => (p.idleSessionTimeout ? null : 'idleSessionTimeout is empty'),
  },
  {
    id: 'max-duration-unset',
    title: 'Maximum session duration not set',
    description: 'maxSessionDuration is not set: an active session never ends on its own.',
    severity: 'medium',
    off: (p) => (p.maxSessionDuration ? null : 'maxSessionDuration is empty'),
  },
  {
    id: 'run-as-off',
    title: 'Sessions run as ssm-user',
    description:
      'runAsEnabled is false: Linux sessions run as ssm-user, whom the agent puts in sudoers without a password, instead of a per-person OS user.',
    severity: 'low',
    off: (p) => (p.runAsEnabled ? null : 'runAsEnabled is false'),
  },
];

let profileEngine: Engine | null = null;

/** What is off in the preferences, one finding per setting; the Linux shell profile is checked with the built-in rules. */
export function preferenceFindings(p: SessionPreferences): PostureFinding[] {
  const resource = `document/${PREFERENCES_DOCUMENT}`;
  const where = p.exists
    ? []
    : [
        {
          kind: 'other' as const,
          value: 'preferences never saved: Session Manager defaults apply',
          detail: 'document',
        },
      ];
  const findings: PostureFinding[] = [];
  for (const check of CHECKS) {
    const off = check.off(p);
    if (!off) continue;
    findings.push({
      ruleId: `sessionwatch-posture-${check.id}`,
      title: check.title,
      description: check.description,
      severity: check.severity,
      category: 'defense-evasion',
      attack: check.id.endsWith('logging-off') || check.id === 'streaming-off' ? LOGGING_OFF : [],
      resource,
      key: check.id,
      evidence: [{ kind: 'other', value: off, detail: 'preferences' }, ...where],
    });
  }
  findings.push(...shellProfileFindings(p.shellProfileLinux, resource));
  return findings;
}

/** The shell profile is typed into every session before the user: a rule firing on it fires in every session. */
function shellProfileFindings(profile: string, resource: string): PostureFinding[] {
  if (!profile) return [];
  profileEngine ??= createEngine({}).engine;
  const session = profileEngine.session({ sessionId: 'shell-profile' });
  const hits = new Map<string, { title: string; lines: string[] }>();
  profile.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const record = {
      sessionId: 'shell-profile',
      seq: i + 1,
      command: line,
      user: null,
      host: null,
      cwd: null,
      root: false,
      time: null,
      source: 'raw' as const,
      cancelled: false,
      incomplete: false,
      instanceId: null,
    };
    for (const d of session.analyze(record)) {
      const hit = hits.get(d.ruleId) ?? { title: d.title, lines: [] };
      hit.lines.push(line);
      hits.set(d.ruleId, hit);
    }
  });
  return [...hits].map(([ruleId, hit]) => ({
    ruleId: 'sessionwatch-posture-shell-profile',
    title: `Shell profile of every session: ${hit.title}`,
    description:
      'The Linux shell profile in the Session Manager preferences is typed into every session before the user, and a detection rule fires on it.',
    severity: 'high',
    category: 'defense-evasion',
    attack: [],
    resource,
    key: ruleId,
    evidence: [
      { kind: 'other', value: ruleId, detail: 'rule' },
      ...hit.lines.map((l) => ({ kind: 'argv' as const, value: l, detail: 'shellProfile.linux' })),
    ],
  }));
}
