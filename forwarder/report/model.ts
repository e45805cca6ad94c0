import { type Severity, severityRank } from '../../detectors/model.js';
import type { Actor, Alert } from '../alerts/alert.js';
import type { CommandRecord, SessionInfo, TranscriptSource } from '../commands/record.js';
import { redactText } from '../redact/redact.js';
import { serializeAsciicast, toAsciicast } from '../replay/asciicast.js';
import type { CapturedSession } from '../replay/capture.js';
import { replaySession } from '../replay/session-replay.js';
import { limitIdle } from '../replay/timeline.js';

/** Longest pause the report's player keeps (the cast file of `sessionwatch replay` keeps real times). */
export const MAX_IDLE_SECONDS = 3;

/** What the report page shows (embedded in it as JSON). Every string a transcript produced is redacted. */
export interface ReportData {
  version: 1;
  title: string;
  generatedAt: string;
  generator: string;
  /** The filters of the run, as the user gave them. */
  filters: string[];
  sessions: ReportSession[];
}

export interface ReportSession {
  sessionId: string;
  /** Every format the session was read from; the replay uses the first. */
  sources: TranscriptSource[];
  who: {
    name: string | null;
    email: string | null;
    principalArn: string | null;
    type: string;
    sourceIp: string | null;
    mfa: boolean | null;
    reason: string | null;
    /** where the identity comes from: the identity table, CloudTrail, or the transcript itself */
    from: Actor['from'];
  };
  where: { account: string | null; region: string | null; instanceId: string | null; runAsUser: string | null };
  when: { start: string | null; end: string | null; durationSeconds: number | null };
  highest: Severity | null;
  commands: ReportCommand[];
  alerts: ReportAlert[];
  replay: {
    /** asciicast v2, as `sessionwatch replay` writes it, alerts as markers */
    cast: string;
    cols: number;
    rows: number;
    timing: 'recorded' | 'synthesised';
    masked: number;
    truncated: boolean;
  };
}

export interface ReportCommand {
  seq: number;
  command: string;
  time: string | null;
  user: string | null;
  cwd: string | null;
  root: boolean;
  cancelled: boolean;
  incomplete: boolean;
  /** The moment of the replay at which the command is typed in full. */
  at: number | null;
  /** Indexes into the session's alerts. */
  alerts: number[];
}

export interface ReportAlert {
  id: string;
  ruleId: string;
  title: string;
  description: string | null;
  severity: Severity;
  category: string;
  attack: string[];
  command: string;
  /** The command of the replayed transcript it was raised on (null: only in another format's reading). */
  seq: number | null;
  at: number | null;
  evidence: { kind: string; value: string }[];
}

export interface SessionReport {
  /** The session read from each format it was found in (one per input and source). */
  captures: CapturedSession[];
  alerts: Alert[];
  actor: Actor;
}

/** The replay prefers the complete transcripts: the S3 object, then the end-of-session upload, then the stream. */
const REPLAY_PREFERENCE: TranscriptSource[] = ['s3', 'cloudwatch', 'raw', 'cloudwatch-stream'];

/** Groups captured sessions by session id (a session read from its .log and its CloudWatch stream is one). */
export function groupSessions(captures: readonly CapturedSession[]): CapturedSession[][] {
  const groups = new Map<string, CapturedSession[]>();
  for (const c of captures) {
    const group = groups.get(c.info.sessionId) ?? [];
    group.push(c);
    groups.set(c.info.sessionId, group);
  }
  for (const group of groups.values()) {
    group.sort(
      (a, b) =>
        REPLAY_PREFERENCE.indexOf(a.info.source) - REPLAY_PREFERENCE.indexOf(b.info.source) ||
        b.records.length - a.records.length,
    );
  }
  return [...groups.values()];
}

/** What the formats of one session tell together: the replayed one first, gaps filled from the others. */
export function mergedInfo(captures: readonly CapturedSession[]): SessionInfo {
  const info = { ...captures[0]!.info };
  for (const c of captures.slice(1)) {
    for (const [k, v] of Object.entries(c.info) as [keyof SessionInfo, string | null][]) {
      if ((info[k] === null || info[k] === undefined) && v !== null) (info as Record<string, unknown>)[k] = v;
    }
  }
  const starts = captures.map((c) => c.info.start).filter((s): s is string => s !== null);
  const ends = captures.map((c) => c.info.end).filter((s): s is string => s !== null);
  info.start = starts.sort()[0] ?? null;
  info.end = ends.sort().at(-1) ?? null;
  return info;
}

export function sessionReport({ captures, alerts, actor }: SessionReport): ReportSession {
  const primary = captures[0]!;
  const info = mergedInfo(captures);
  const replayed = replaySession(primary);
  // a streamed session can sit idle for minutes: the page's player skips those stretches
  const replay = { ...replayed, timeline: limitIdle(replayed.timeline, MAX_IDLE_SECONDS) };
  const commands = primary.records.map((r) => reportCommand(r, replay.timeline.moments.get(r.seq) ?? null));
  const reportAlerts = placeAlerts(alerts, primary, commands);
  const markers = reportAlerts
    .filter((a) => a.at !== null)
    .map((a) => ({ time: a.at!, label: `${a.severity.toUpperCase()} ${a.ruleId}: ${a.command}` }));
  const start = info.start ?? actor.sessionStart;
  const end = info.end ?? actor.sessionEnd;
  return {
    sessionId: info.sessionId,
    sources: captures.map((c) => c.info.source).filter((s, i, all) => all.indexOf(s) === i),
    who: {
      name: actor.name,
      email: actor.email,
      principalArn: actor.principalArn ?? info.principalArn,
      type: actor.type,
      sourceIp: actor.sourceIp,
      mfa: actor.mfa,
      reason: actor.reason === null ? null : redactText(actor.reason).text,
      from: actor.from,
    },
    where: {
      account: info.account ?? actor.account,
      region: info.region,
      instanceId: info.instanceId,
      runAsUser: info.runAsUser,
    },
    when: {
      start,
      end,
      durationSeconds: start && end ? Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000) : null,
    },
    highest: reportAlerts.reduce<Severity | null>(
      (h, a) => (h === null || severityRank(a.severity) > severityRank(h) ? a.severity : h),
      null,
    ),
    commands,
    alerts: reportAlerts,
    replay: {
      cast: serializeAsciicast(toAsciicast(replay, markers)),
      cols: replay.width,
      rows: replay.height,
      timing: replay.timeline.timing,
      masked: replay.masked,
      truncated: replay.truncated,
    },
  };
}

function reportCommand(r: CommandRecord, at: number | null): ReportCommand {
  return {
    seq: r.seq,
    command: redactText(r.command).text,
    time: r.time,
    user: r.user,
    cwd: r.cwd === null ? null : redactText(r.cwd).text,
    root: r.root,
    cancelled: r.cancelled,
    incomplete: r.incomplete,
    at,
    alerts: [],
  };
}

/**
 * Puts each alert on the replayed command it was raised on: by seq when it came from the replayed format, else by
 * the (redacted) command text; an alert only another format saw (a lossy stream's variant) stays unplaced.
 */
function placeAlerts(alerts: readonly Alert[], primary: CapturedSession, commands: ReportCommand[]): ReportAlert[] {
  const bySeq = new Map(commands.map((c) => [c.seq, c]));
  const placed = alerts.map((alert) => ({
    alert,
    command:
      (alert.source === primary.info.source && alert.seq !== null ? bySeq.get(alert.seq) : undefined) ??
      commands.find((c) => c.command === alert.command),
  }));
  placed.sort(
    (x, y) =>
      (x.command?.seq ?? Number.MAX_SAFE_INTEGER) - (y.command?.seq ?? Number.MAX_SAFE_INTEGER) ||
      severityRank(y.alert.severity) - severityRank(x.alert.severity),
  );
  return placed.map(({ alert: a, command }, index) => {
    command?.alerts.push(index);
    return {
      id: a.id,
      ruleId: a.ruleId,
      title: a.title,
      description: a.description ?? null,
      severity: a.severity,
      category: a.category,
      attack: a.attack,
      command: a.command,
      seq: command?.seq ?? null,
      at: command?.at ?? null,
      evidence: a.evidence.map((e) => ({ kind: e.kind, value: e.value })),
    };
  });
}
