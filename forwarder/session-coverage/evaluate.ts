import type { SessionIdentity } from '../identity/record.js';
import { type CoverageConfig, documentKind } from './config.js';
import { endedByExit, type TranscriptObservations } from './observations.js';

export type FindingKind = 'missing-transcript' | 'missing-final-transcript' | 'stream-stopped';

/** A coverage gap of one session, decided at `due` (the moment the transcript became overdue). */
export interface CoverageFinding {
  kind: FindingKind;
  sessionId: string;
  due: string;
  /** When the session ended, as far as is known (TerminateSession, end-of-session transcript, streamed exit). */
  closedAt: string | null;
  /** Why the session is taken as closed, or null. */
  closedBy: 'TerminateSession' | 'final-transcript' | 'stream-exit' | null;
  /** What was seen of the transcript. */
  observations: TranscriptObservations | null;
  /** Human explanation of the deadline. */
  reason: string;
}

export interface Evaluation {
  findings: CoverageFinding[];
  /** No later run can add a finding: the session can leave the index of sessions to check. */
  settled: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/**
 * Pure: what is wrong with one session's transcript coverage at `now`, given its CloudTrail facts and what was seen
 * of its transcript. Only shell sessions (no document, or a document that is neither Port nor ignored) are judged.
 *
 * - missing-transcript: nothing at all arrived by the deadline: the end + grace (TerminateSession or a streamed exit),
 *   the start + grace when streaming is expected, else the start + max session duration + grace.
 * - missing-final-transcript: the stream arrived but no end-of-session transcript, grace after the end.
 * - stream-stopped: the stream stayed quiet longer than the gap while the session was not known to be closed.
 */
export function evaluateSession(
  session: SessionIdentity,
  observations: TranscriptObservations | null,
  config: CoverageConfig,
  now: number,
): Evaluation {
  const start = session.start ? Date.parse(session.start) : Number.NaN;
  if (!Number.isFinite(start)) return { findings: [], settled: false };
  if (documentKind(session.documentName, config) !== 'shell') return { findings: [], settled: true };

  const o = observations;
  const closed = closedAt(session, o);
  const closedMs = closed ? Date.parse(closed.at) : null;
  const horizon = start + config.maxSessionMs + config.graceMs + config.streamGapMs;
  const findings: CoverageFinding[] = [];
  const finding = (kind: FindingKind, due: number, reason: string) =>
    findings.push({
      kind,
      sessionId: session.sessionId,
      due: iso(due),
      closedAt: closed?.at ?? null,
      closedBy: closed?.by ?? null,
      observations: o,
      reason,
    });

  const seenAnything = o !== null && (o.lastStream !== null || o.final !== null);
  if (!seenAnything) {
    const deadlines: [number, string][] = [];
    if (closedMs !== null)
      deadlines.push([closedMs + config.graceMs, `${minutes(config.graceMs)} after the session ended`]);
    if (config.expectStream)
      deadlines.push([start + config.graceMs, `${minutes(config.graceMs)} after the start (streaming expected)`]);
    if (closedMs === null)
      deadlines.push([
        start + config.maxSessionMs + config.graceMs,
        'the maximum session duration plus grace after the start',
      ]);
    const [due, why] = deadlines.reduce((a, b) => (b[0] < a[0] ? b : a));
    if (now >= due) finding('missing-transcript', due, `no transcript arrived within ${why}`);
    return { findings, settled: now >= horizon };
  }

  if (config.expectFinal && o.final === null) {
    const endMs = closedMs ?? start + config.maxSessionMs;
    const due = endMs + config.graceMs;
    if (now >= due) {
      const ended = closedMs !== null ? 'the session ended' : 'the maximum session duration';
      finding(
        'missing-final-transcript',
        due,
        `the stream arrived but no end-of-session transcript within ${minutes(config.graceMs)} after ${ended}`,
      );
    }
  }

  if (o.lastStream !== null) {
    const due = Date.parse(o.lastStream) + config.streamGapMs;
    const closedInTime = closedMs !== null && closedMs <= due;
    if (!closedInTime && now >= due) {
      finding('stream-stopped', due, `no streamed event for ${minutes(config.streamGapMs)} while the session was open`);
    }
  }
  return { findings, settled: o.final !== null || now >= horizon };
}

/** The earliest sign that the session ended. */
function closedAt(
  session: SessionIdentity,
  o: TranscriptObservations | null,
): { at: string; by: NonNullable<CoverageFinding['closedBy']> } | null {
  const candidates: { at: string; by: NonNullable<CoverageFinding['closedBy']> }[] = [];
  if (session.end) candidates.push({ at: session.end, by: 'TerminateSession' });
  if (o?.final) candidates.push({ at: o.final, by: 'final-transcript' });
  if (o && endedByExit(o)) candidates.push({ at: o.streamExit!, by: 'stream-exit' });
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (Date.parse(b.at) < Date.parse(a.at) ? b : a));
}
