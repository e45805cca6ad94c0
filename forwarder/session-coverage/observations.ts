import type { CommandRecord, SessionInfo } from '../commands/record.js';
import { isoTime } from '../time/iso-time.js';
import type { TranscriptEvent } from '../transcript/events.js';

/**
 * One sign that a session's transcript exists, at an ISO time:
 * - `stream`: a streamed CloudWatch event (the session was alive and logging then);
 * - `stream-exit`: the stream shows the shell exiting (`exit`, `logout`): the session's end, since CloudTrail logs no
 *   TerminateSession when the user types `exit`;
 * - `final`: the end-of-session transcript (S3 object or CloudWatch upload), which also means the session ended.
 */
export type TranscriptObservation =
  | { kind: 'stream'; time: string }
  | { kind: 'stream-exit'; time: string }
  | { kind: 'final'; time: string; source: FinalSource };

export type FinalSource = 's3' | 'cloudwatch';

/** What is known of one session's transcript: what the transcript index keeps. */
export interface TranscriptObservations {
  sessionId: string;
  firstStream: string | null;
  lastStream: string | null;
  /** The latest exit seen in the stream. */
  streamExit: string | null;
  /** When the end-of-session transcript was first seen. */
  final: string | null;
  finalSource: FinalSource | null;
}

export function emptyObservations(sessionId: string): TranscriptObservations {
  return { sessionId, firstStream: null, lastStream: null, streamExit: null, final: null, finalSource: null };
}

const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);
const later = (a: string | null, b: string) => (a === null || b > a ? b : a);

/** `2026-10-08T13:30:04Z` → `2026-10-08T13:30:04.000Z`: one format, so that times compare as strings. */
export function normaliseTime(time: string): string {
  const t = Date.parse(time);
  if (!Number.isFinite(t)) throw new RangeError(`not a time: ${JSON.stringify(time.slice(0, 64))}`);
  return isoTime(t);
}

/** Adds one observation (pure; order-independent, so duplicates and late deliveries are harmless). */
export function addObservation(
  into: TranscriptObservations,
  observation: TranscriptObservation,
): TranscriptObservations {
  const o = { ...observation, time: normaliseTime(observation.time) };
  const next = { ...into };
  switch (o.kind) {
    case 'stream':
      next.firstStream = earlier(next.firstStream, o.time);
      next.lastStream = later(next.lastStream, o.time);
      break;
    case 'stream-exit':
      next.firstStream = earlier(next.firstStream, o.time);
      next.lastStream = later(next.lastStream, o.time);
      next.streamExit = later(next.streamExit, o.time);
      break;
    case 'final':
      if (next.final === null || o.time < next.final) {
        next.final = o.time;
        next.finalSource = o.source;
      }
      break;
  }
  return next;
}

/** True when the stream's last event is the shell exiting (a nested shell's exit is followed by more output). */
export function endedByExit(o: TranscriptObservations): boolean {
  return o.streamExit !== null && o.lastStream !== null && o.streamExit >= o.lastStream;
}

/**
 * The observation a decoded transcript event makes, for a path that sees events one by one (the Lambda handlers).
 * `seenAt` stands for "now" when the event carries no time (an S3 object). End-of-session transcripts are reported by
 * their `end` event, once per input.
 */
export function observeTranscriptEvent(
  event: TranscriptEvent,
  seenAt: string,
): { sessionId: string; observation: TranscriptObservation } | null {
  if (event.type === 'stream-lines') {
    const time = event.time === null ? seenAt : isoTime(event.time);
    return { sessionId: event.sessionId, observation: { kind: 'stream', time } };
  }
  if (event.type === 'end' && (event.source === 's3' || event.source === 'cloudwatch')) {
    return { sessionId: event.sessionId, observation: { kind: 'final', time: seenAt, source: event.source } };
  }
  return null;
}

const EXIT = /^(?:exit|logout)(?: \d{1,3})?$/;

/** A streamed `exit`/`logout` command record → the stream-exit observation. */
export function observeCommand(record: CommandRecord): TranscriptObservation | null {
  if (record.source !== 'cloudwatch-stream' || record.cancelled || !record.time) return null;
  return EXIT.test(record.command.trim()) ? { kind: 'stream-exit', time: record.time } : null;
}

/**
 * What a whole transcript tells once it has been read (the CLI): a streamed session was seen from its first to its
 * last event; an end-of-session transcript was complete at its `Script done` time (else its last event's time).
 */
export function observeSession(session: SessionInfo, fallbackTime: string): TranscriptObservation[] {
  if (session.source === 'cloudwatch-stream') {
    return [session.start, session.end]
      .filter((t): t is string => t !== null)
      .map((time) => ({ kind: 'stream', time }) as const);
  }
  if (session.source === 's3' || session.source === 'cloudwatch') {
    return [{ kind: 'final', time: session.end ?? session.start ?? fallbackTime, source: session.source }];
  }
  return [];
}
