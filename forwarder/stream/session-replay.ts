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
 * the buffer), the state at the buffer's last fold point (mid: the next fold takes it as the base instead of
 * replaying), and the ids already folded into base (so a duplicate is recognised).
 */
export interface ReplayState {
  kind: ReplayKind;
  sessionId: string;
  base: ReplayPoint | null;
  buffer: BufferChunk[];
  /** Absent in states written before it existed, and after late events (the next delivery replays the buffer). */
  head?: ReplayPoint | null;
  /**
   * The state after the first `at` buffered events: where the head was at the last fold (the buffer's older half
   * ends there). Absent before the first fold, in states written before it existed, and whenever head is.
   */
  mid?: { point: ReplayPoint; at: number } | null;
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
  return {
    kind,
    sessionId,
    base: null,
    buffer: [],
    head: null,
    mid: null,
    foldedIds: [],
    foldedUpTo: null,
    ended: false,
  };
}

/**
 * Applies one delivery to a session: drops duplicates, orders the buffered and new events, replays them through
 * reconstruction and detection, and folds the oldest into a new base when the buffer is full. Events that all come
 * after the buffer (the usual case) are replayed from the head alone (and the oldest buffered ones from the base, when
 * they fold); otherwise the buffer is replayed from the base with the new events in their place. Either way the
 * result is the same: the same state and events always give the same commands, whatever order deliveries came in.
 */
export function replayDelivery(
  previous: ReplayState,
  events: readonly SessionEvent[],
  engine: Engine,
  limits: ReplayLimits = DEFAULT_LIMITS,
): ReplayResult {
  const buffered = stampsOf(previous.buffer);
  const fresh = freshEvents(previous, buffered, events);
  const duplicates = events.length - fresh.size;
  const newEvents = [...fresh.values()].sort(inOrderOf);

  // a redelivery: nothing to replay (every command it held was emitted before)
  if (newEvents.length === 0) return { state: previous, commands: [], duplicates, late: 0 };
  if (followsBuffer(previous, buffered, newEvents)) {
    const stamps = [...buffered, ...newEvents.map(stampOf)];
    const fold = foldCount(stamps, limits);
    if (fold === 0)
      return resumeAtHead(previous, previous.buffer, previous.base, previous.mid, newEvents, engine, duplicates);
    const mid = previous.mid;
    if (mid && mid.at <= buffered.length && foldCount(stamps.slice(mid.at), limits) === 0) {
      return foldAtMid(previous, mid, newEvents, engine, duplicates);
    }
    if (fold <= buffered.length) return foldThenResume(previous, fold, newEvents, engine, duplicates);
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
  const state: ReplayState = {
    kind: previous.kind,
    sessionId: previous.sessionId,
    base: run.base,
    buffer: fold < all.length ? [chunkOf(all.slice(fold))] : [],
    // late events were replayed after the rest, not where the next sort puts them: that replay starts at base
    head: late.length > 0 ? null : run.head,
    mid: null,
    foldedIds: previous.foldedIds,
    foldedUpTo: previous.foldedUpTo,
    ended: run.ended,
  };
  recordFolded(state, all.slice(0, fold));
  return { state, commands: run.commands, duplicates, late: late.length };
}

/** The key after which an event is new to the state: its newest buffered event's, else the newest folded one's. */
function newestKnown(previous: ReplayState, buffered: readonly EventStamp[]): string | null {
  const last = buffered.at(-1);
  return last ? orderKey(last) : previous.foldedUpTo;
}

/**
 * The delivery's events not seen before, by id. Only an event that is not newer than everything buffered or folded
 * can be one of those (the usual delivery has none, and builds no set of the up to 1,088 ids the state keeps).
 */
function freshEvents(
  previous: ReplayState,
  buffered: readonly EventStamp[],
  events: readonly SessionEvent[],
): Map<string, SessionEvent> {
  const newest = newestKnown(previous, buffered);
  let known: Set<string> | null = null;
  const fresh = new Map<string, SessionEvent>();
  for (const e of events) {
    if (newest !== null && orderKey(e) <= newest) {
      known ??= new Set([...previous.foldedIds, ...buffered.map((b) => b.id)]);
      if (known.has(e.id)) continue;
    }
    fresh.set(e.id, e);
  }
  return fresh;
}

/** Every new event comes after everything buffered (or folded), and the state after the buffer is at hand. */
function followsBuffer(
  previous: ReplayState,
  buffered: readonly EventStamp[],
  newEvents: readonly SessionEvent[],
): boolean {
  if (!previous.head) return false;
  const after = newestKnown(previous, buffered);
  return after === null || orderKey(newEvents[0]!) > after;
}

/** The new events replayed from the head, after what stays buffered (which the head already holds). */
function resumeAtHead(
  previous: ReplayState,
  kept: BufferChunk[],
  base: ReplayPoint | null,
  mid: ReplayState['mid'],
  newEvents: SessionEvent[],
  engine: Engine,
  duplicates: number,
): ReplayResult {
  const run = replayFrom(previous, previous.head!, newEvents, engine, { freshFrom: 0, foldAfter: 0 });
  return {
    state: { ...previous, base, buffer: [...kept, chunkOf(newEvents)], head: run.head, mid, ended: run.ended },
    commands: run.commands,
    duplicates,
    late: 0,
  };
}

/**
 * In-order events that fill the buffer: the oldest `fold` buffered events are replayed from the base to make the new
 * base, and the new events from the head, so the events that stay buffered are neither replayed nor re-encoded (the
 * same state as replaying the whole buffer from the base: the head is the state after it).
 */
function foldThenResume(
  previous: ReplayState,
  fold: number,
  newEvents: SessionEvent[],
  engine: Engine,
  duplicates: number,
): ReplayResult {
  const cut = splitBuffer(previous.buffer, fold);
  const events = eventsOf(cut.folded);
  const base = replayFrom(previous, previous.base, events, engine, { freshFrom: fold, foldAfter: fold }).head;
  return foldOnto(previous, cut, base, newEvents, engine, duplicates);
}

/**
 * In-order events that fill the buffer, when the buffer's older half is enough to fold: the state at its end (mid)
 * is the new base, and the head (before the new events) the new mid. Nothing is replayed but the new events.
 */
function foldAtMid(
  previous: ReplayState,
  mid: NonNullable<ReplayState['mid']>,
  newEvents: SessionEvent[],
  engine: Engine,
  duplicates: number,
): ReplayResult {
  return foldOnto(previous, splitBuffer(previous.buffer, mid.at), mid.point, newEvents, engine, duplicates);
}

/**
 * A fold onto `base` (the state after the folded events): the new events resume at the head, the previous head
 * (the state after the events kept) is where the next fold will cut, and the folded events are recorded as folded.
 */
function foldOnto(
  previous: ReplayState,
  { folded, kept }: { folded: BufferChunk[]; kept: BufferChunk[] },
  base: ReplayPoint | null,
  newEvents: SessionEvent[],
  engine: Engine,
  duplicates: number,
): ReplayResult {
  const mid = { point: previous.head!, at: stampsOf(kept).length };
  const result = resumeAtHead(previous, kept, base, mid, newEvents, engine, duplicates);
  recordFolded(result.state, stampsOf(folded));
  return result;
}

/** Adds events (in order) that left the buffer for the base to the ids and key that recognise them later. */
function recordFolded(state: ReplayState, folded: readonly Pick<EventStamp, 'id' | 'timestamp'>[]): void {
  if (folded.length === 0) return;
  state.foldedIds = [...state.foldedIds, ...folded.map((e) => e.id)].slice(-MAX_FOLDED_IDS);
  state.foldedUpTo = maxKey(state.foldedUpTo, orderKey(folded.at(-1)!));
}

/**
 * The buffer cut after its first `count` events: the chunks before (folded) and after (kept). Whole chunks keep their
 * stored encoding; a chunk cut in two is decoded only if its events are asked for.
 */
function splitBuffer(buffer: readonly BufferChunk[], count: number): { folded: BufferChunk[]; kept: BufferChunk[] } {
  const folded: BufferChunk[] = [];
  const kept: BufferChunk[] = [];
  let left = count;
  for (const chunk of buffer) {
    const n = chunk.stamps.length;
    if (left <= 0) kept.push(chunk);
    else if (n <= left) folded.push(chunk);
    else {
      const cut = left;
      folded.push({ stamps: chunk.stamps.slice(0, cut), events: () => chunk.events().slice(0, cut) });
      kept.push({ stamps: chunk.stamps.slice(cut), events: () => chunk.events().slice(cut) });
    }
    left -= n;
  }
  return { folded, kept };
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
