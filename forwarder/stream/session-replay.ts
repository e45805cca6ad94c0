import type { Detection, Engine, SessionSnapshot } from '../../detectors/index.js';
import type { CommandRecord, SessionInfo } from '../commands/record.js';
import { mergeInfo } from '../commands/session-info.js';
import { StreamSession, type StreamSessionSnapshot } from '../commands/stream-session.js';
import { TerminalSession, type TerminalSessionSnapshot } from '../commands/terminal-session.js';
import { parseScriptFooter } from '../transcript/script-framing.js';
import { type BufferChunk, chunkOf, type EventStamp, eventsOf, stampOf, stampsOf } from './event-buffer.js';

/** One CloudWatch log event of a session, as the Lambda receives it (streaming lines or end-of-session text). */
export interface SessionEvent {
  id: string;
  timestamp: number;
  info: Partial<SessionInfo>;
  lines?: string[];
  endsMidLine?: boolean;
  text?: string;
}

export type ReplayKind = 'stream' | 'terminal';

/** Reconstruction and detection state at one point of a session's events. */
export interface ReplayPoint {
  reconstruction: StreamSessionSnapshot | TerminalSessionSnapshot;
  /** Null until the session's first command created its analyzer. */
  detector: SessionSnapshot | null;
}

/**
 * What the Lambda keeps per session between deliveries: the reconstruction and detection state before the newest
 * events (base), those events themselves in order (buffer: they are replayed, so a late one slots in where it
 * belongs), the state after them (head: a delivery whose events all come later resumes there instead of replaying
 * the buffer), and the ids already folded into base (so a duplicate is recognised).
 */
export interface ReplayState {
  kind: ReplayKind;
  sessionId: string;
  base: ReplayPoint | null;
  buffer: BufferChunk[];
  /** Absent in states written before it existed, and after late events (the next delivery replays the buffer). */
  head?: ReplayPoint | null;
  foldedIds: string[];
  foldedUpTo: string | null;
  /** The transcript's end was seen (the end-of-session footer): everything held has been emitted. */
  ended: boolean;
}

export interface ReplayLimits {
  /** Events kept for reordering (older ones fold into the base state). */
  maxEvents: number;
  /** Characters kept for reordering. */
  maxChars: number;
}

export const DEFAULT_LIMITS: ReplayLimits = { maxEvents: 64, maxChars: 512 * 1024 };
const MAX_FOLDED_IDS = 1024;

export interface ReplayedCommand {
  record: CommandRecord;
  session: SessionInfo;
  detections: Detection[];
  /**
   * The replay emitted the command at or after this delivery's first new event, so no earlier delivery can have
   * emitted it (commands before that point are the previous replay's, unchanged). A command completed by a buffered
   * event that follows a late one is counted again: never missed, at most the buffer's commands repeated.
   */
  fresh: boolean;
}

export interface ReplayResult {
  state: ReplayState;
  commands: ReplayedCommand[];
  duplicates: number;
  /** Events older than everything still buffered: processed after the rest, out of order. */
  late: number;
}

const orderKey = (e: Pick<SessionEvent, 'id' | 'timestamp'>) =>
  `${String(e.timestamp).padStart(15, '0')}#${e.id.padStart(64, '0')}`;
const inOrderOf = (a: SessionEvent, b: SessionEvent) => (orderKey(a) < orderKey(b) ? -1 : 1);

export function emptyReplayState(kind: ReplayKind, sessionId: string): ReplayState {
  return { kind, sessionId, base: null, buffer: [], head: null, foldedIds: [], foldedUpTo: null, ended: false };
}

/**
 * Applies one delivery to a session: drops duplicates, orders the buffered and new events, replays them through
 * reconstruction and detection, and folds the oldest into a new base when the buffer is full. Events that all come
 * after the buffer (the usual case) are replayed from the head alone; otherwise the buffer is replayed from the base
 * with the new events in their place. Either way the result is the same: the same state and events always give the
 * same commands, whatever order deliveries came in.
 */
export function replayDelivery(
  previous: ReplayState,
  events: readonly SessionEvent[],
  engine: Engine,
  limits: ReplayLimits = DEFAULT_LIMITS,
): ReplayResult {
  const buffered = stampsOf(previous.buffer);
  const known = new Set([...previous.foldedIds, ...buffered.map((e) => e.id)]);
  const fresh = new Map<string, SessionEvent>();
  for (const e of events) if (!known.has(e.id)) fresh.set(e.id, e);
  const duplicates = events.length - fresh.size;
  const newEvents = [...fresh.values()].sort(inOrderOf);

  if (resumesAtHead(previous, buffered, newEvents, limits)) {
    const run = replayFrom(previous, previous.head!, newEvents, engine, { freshFrom: 0, foldAfter: 0 });
    return {
      state: { ...previous, buffer: [...previous.buffer, chunkOf(newEvents)], head: run.head, ended: run.ended },
      commands: run.commands,
      duplicates,
      late: 0,
    };
  }

  const inOrder: SessionEvent[] = [];
  const late: SessionEvent[] = [];
  for (const e of [...eventsOf(previous.buffer), ...newEvents].sort(inOrderOf)) {
    if (previous.foldedUpTo !== null && fresh.has(e.id) && orderKey(e) <= previous.foldedUpTo) late.push(e);
    else inOrder.push(e);
  }
  const all = [...inOrder, ...late];
  const fold = foldCount(all.map(stampOf), limits);
  const freshFrom = all.findIndex((e) => fresh.has(e.id));
  const run = replayFrom(previous, previous.base, all, engine, {
    freshFrom: freshFrom < 0 ? all.length : freshFrom,
    foldAfter: fold,
  });
  const folded = all.slice(0, fold);
  return {
    state: {
      kind: previous.kind,
      sessionId: previous.sessionId,
      base: run.base,
      buffer: fold < all.length ? [chunkOf(all.slice(fold))] : [],
      // late events were replayed after the rest, not where the next sort puts them: that replay starts at base
      head: late.length > 0 ? null : run.head,
      foldedIds: [...previous.foldedIds, ...folded.map((e) => e.id)].slice(-MAX_FOLDED_IDS),
      foldedUpTo: folded.length > 0 ? maxKey(previous.foldedUpTo, orderKey(folded.at(-1)!)) : previous.foldedUpTo,
      ended: run.ended,
    },
    commands: run.commands,
    duplicates,
    late: late.length,
  };
}

/** A delivery can resume at the head: every new event comes after everything buffered, and nothing has to fold. */
function resumesAtHead(
  previous: ReplayState,
  buffered: readonly EventStamp[],
  newEvents: readonly SessionEvent[],
  limits: ReplayLimits,
): boolean {
  if (!previous.head || newEvents.length === 0) return false;
  const last = buffered.at(-1);
  const after = last ? orderKey(last) : previous.foldedUpTo;
  if (after !== null && orderKey(newEvents[0]!) <= after) return false;
  return foldCount([...buffered, ...newEvents.map(stampOf)], limits) === 0;
}

interface ReplayRun {
  commands: ReplayedCommand[];
  /** The state after the first `foldAfter` events (the previous base when nothing folds). */
  base: ReplayPoint | null;
  head: ReplayPoint;
  ended: boolean;
}

/**
 * Replays `events` from `start` (null: the session's beginning). Commands emitted from the event at `freshFrom` on
 * are fresh; the state after the first `foldAfter` events is the new base.
 */
function replayFrom(
  previous: ReplayState,
  start: ReplayPoint | null,
  events: readonly SessionEvent[],
  engine: Engine,
  { freshFrom, foldAfter }: { freshFrom: number; foldAfter: number },
): ReplayRun {
  const commands: ReplayedCommand[] = [];
  let reachedFresh = false;
  const emit = (record: CommandRecord, session: SessionInfo) =>
    commands.push({ record, session: { ...session }, detections: [], fresh: reachedFresh });
  const reconstruction = restoreReconstruction(previous, start?.reconstruction, emit);
  // created at the first command, once the events have said which instance and account the session is on
  let analyzer: ReturnType<Engine['session']> | null = null;
  const analyzerNow = () => {
    analyzer ??= engine.session(contextOf(reconstruction.info), start?.detector ?? undefined);
    return analyzer;
  };
  const point = (): ReplayPoint => ({
    reconstruction: reconstruction.snapshot(),
    detector: analyzer ? analyzer.snapshot() : (start?.detector ?? null),
  });
  let analyzedUpTo = 0;
  let base = previous.base;
  let ended = previous.ended;
  events.forEach((e, i) => {
    reachedFresh ||= i >= freshFrom;
    mergeInfo(reconstruction.info, e.info);
    if (reconstruction instanceof StreamSession) {
      reconstruction.push({ lines: e.lines ?? [], time: e.timestamp, endsMidLine: e.endsMidLine ?? false });
    } else {
      reconstruction.push(e.text ?? '', e.timestamp);
      if (parseScriptFooter(tail(e.text ?? ''))) {
        reconstruction.end();
        ended = true;
      }
    }
    for (; analyzedUpTo < commands.length; analyzedUpTo++) {
      const c = commands[analyzedUpTo]!;
      c.detections = analyzerNow().analyze(c.record);
    }
    if (i + 1 === foldAfter) base = point();
  });
  return { commands, base, head: point(), ended };
}

function restoreReconstruction(
  state: ReplayState,
  snapshot: ReplayPoint['reconstruction'] | undefined,
  emit: (record: CommandRecord, session: SessionInfo) => void,
): StreamSession | TerminalSession {
  if (state.kind === 'stream')
    return new StreamSession(state.sessionId, emit, snapshot as StreamSessionSnapshot | undefined);
  return new TerminalSession(
    state.sessionId,
    'cloudwatch',
    emit,
    undefined,
    snapshot as TerminalSessionSnapshot | undefined,
  );
}

/**
 * How many of the oldest events leave the buffer: none while it is within its limits; once over them, enough to
 * bring it down to half, so the deliveries after a fold resume at the head instead of replaying the buffer again.
 */
function foldCount(events: readonly { chars: number }[], limits: ReplayLimits): number {
  let chars = events.reduce((n, e) => n + e.chars, 0);
  if (events.length <= limits.maxEvents && chars <= limits.maxChars) return 0;
  let fold = 0;
  while (fold < events.length && (events.length - fold > limits.maxEvents / 2 || chars > limits.maxChars / 2)) {
    chars -= events[fold]!.chars;
    fold++;
  }
  return fold;
}

const tail = (text: string) => text.slice(-512);
const maxKey = (a: string | null, b: string) => (a !== null && a > b ? a : b);

function contextOf(info: SessionInfo) {
  return {
    sessionId: info.sessionId,
    instanceId: info.instanceId,
    account: info.account,
    principalArn: info.principalArn,
  };
}
