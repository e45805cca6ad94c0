import type { Detection, Engine, SessionSnapshot } from '../../detectors/index.js';
import type { CommandRecord, SessionInfo } from '../commands/record.js';
import { mergeInfo } from '../commands/session-info.js';
import { StreamSession, type StreamSessionSnapshot } from '../commands/stream-session.js';
import { TerminalSession, type TerminalSessionSnapshot } from '../commands/terminal-session.js';
import { parseScriptFooter } from '../transcript/script-framing.js';

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

/**
 * What the Lambda keeps per session between deliveries: the reconstruction and detection state before the newest
 * events (base), those events themselves in order (buffer: they are replayed, so a late one slots in where it
 * belongs), and the ids already folded into base (so a duplicate is recognised).
 */
export interface ReplayState {
  kind: ReplayKind;
  sessionId: string;
  base: { reconstruction: StreamSessionSnapshot | TerminalSessionSnapshot; detector: SessionSnapshot } | null;
  buffer: SessionEvent[];
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

const orderKey = (e: SessionEvent) => `${String(e.timestamp).padStart(15, '0')}#${e.id.padStart(64, '0')}`;

export function emptyReplayState(kind: ReplayKind, sessionId: string): ReplayState {
  return { kind, sessionId, base: null, buffer: [], foldedIds: [], foldedUpTo: null, ended: false };
}

/**
 * Applies one delivery to a session: drops duplicates, orders the buffered and new events, replays them from the
 * base state through reconstruction and detection, and folds the oldest into a new base when the buffer is full.
 * Pure: the same state and events always give the same result, whatever order deliveries came in.
 */
export function replayDelivery(
  previous: ReplayState,
  events: readonly SessionEvent[],
  engine: Engine,
  limits: ReplayLimits = DEFAULT_LIMITS,
): ReplayResult {
  const known = new Set([...previous.foldedIds, ...previous.buffer.map((e) => e.id)]);
  const fresh = new Map<string, SessionEvent>();
  for (const e of events) if (!known.has(e.id)) fresh.set(e.id, e);
  const duplicates = events.length - fresh.size;
  const inOrder: SessionEvent[] = [];
  const late: SessionEvent[] = [];
  for (const e of [...previous.buffer, ...fresh.values()].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1))) {
    if (previous.foldedUpTo !== null && fresh.has(e.id) && orderKey(e) <= previous.foldedUpTo) late.push(e);
    else inOrder.push(e);
  }
  const all = [...inOrder, ...late];
  const fold = foldCount(all, limits);

  const commands: ReplayedCommand[] = [];
  let reachedFresh = false;
  const emit = (record: CommandRecord, session: SessionInfo) =>
    commands.push({ record, session: { ...session }, detections: [], fresh: reachedFresh });
  const reconstruction = restoreReconstruction(previous, emit);
  // created at the first command, once the events have said which instance and account the session is on
  let analyzer: ReturnType<Engine['session']> | null = null;
  let analyzedUpTo = 0;
  const analyzed = () => {
    for (; analyzedUpTo < commands.length; analyzedUpTo++) {
      analyzer ??= engine.session(contextOf(reconstruction.info), previous.base?.detector);
      const c = commands[analyzedUpTo]!;
      c.detections = analyzer.analyze(c.record);
    }
  };

  let base = previous.base;
  let ended = previous.ended;
  all.forEach((e, i) => {
    reachedFresh ||= fresh.has(e.id);
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
    analyzed();
    if (i + 1 === fold) {
      analyzer ??= engine.session(contextOf(reconstruction.info), previous.base?.detector);
      base = { reconstruction: reconstruction.snapshot(), detector: analyzer.snapshot() };
    }
  });

  const folded = all.slice(0, fold);
  return {
    state: {
      kind: previous.kind,
      sessionId: previous.sessionId,
      base,
      buffer: all.slice(fold),
      foldedIds: [...previous.foldedIds, ...folded.map((e) => e.id)].slice(-MAX_FOLDED_IDS),
      foldedUpTo: folded.length > 0 ? maxKey(previous.foldedUpTo, orderKey(folded.at(-1)!)) : previous.foldedUpTo,
      ended,
    },
    commands,
    duplicates,
    late: late.length,
  };
}

function restoreReconstruction(
  state: ReplayState,
  emit: (record: CommandRecord, session: SessionInfo) => void,
): StreamSession | TerminalSession {
  const snapshot = state.base?.reconstruction;
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

/** How many of the oldest events leave the buffer so it stays within its limits. */
function foldCount(events: SessionEvent[], limits: ReplayLimits): number {
  let chars = events.reduce((n, e) => n + size(e), 0);
  let fold = 0;
  while (fold < events.length && (events.length - fold > limits.maxEvents || chars > limits.maxChars)) {
    chars -= size(events[fold]!);
    fold++;
  }
  return fold;
}

const size = (e: SessionEvent) => (e.text?.length ?? 0) + (e.lines ?? []).reduce((n, l) => n + l.length + 1, 0);
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
