import type { Engine } from '../../detectors/index.js';
import type { Alert } from '../alerts/alert.js';
import { backoffDelay, sleep } from '../aws/backoff.js';
import type { CommandRecord } from '../commands/record.js';
import {
  DEFAULT_LIMITS,
  emptyReplayState,
  type ReplayedCommand,
  type ReplayKind,
  replayDelivery,
  type SessionEvent,
} from './session-replay.js';
import { type SessionStateItem, type SessionStateStore, StateTooLargeError } from './state-store.js';

export interface SessionProcessDeps {
  engine: Engine;
  states: SessionStateStore;
  alertsFor(commands: readonly ReplayedCommand[]): Promise<Alert[]>;
  deliver(alerts: readonly Alert[]): Promise<unknown>;
}

export interface SessionProcessResult {
  /** Alerts raised for the first time by this delivery. */
  raised: Alert[];
  /** The commands this delivery's events completed (not those replayed from the buffer). */
  records: CommandRecord[];
  duplicates: number;
  late: number;
  /** The session's transcript is complete (the end-of-session footer was seen, in this delivery or before). */
  ended: boolean;
}

const MAX_ATTEMPTS = 12;
const MAX_ALERTED_IDS = 5000;

export const stateKey = (kind: ReplayKind, sessionId: string) => `session#${kind}#${sessionId}`;

/**
 * One delivery's events of one session: read the session's state, replay, save the new state together with the
 * alerts it raised (the outbox) under a version check, then deliver the outbox. A concurrent or retried invocation
 * loses the version race and redoes its work on the newer state; ids already raised are never raised again, and an
 * outbox left by a crash is delivered by the next invocation (the sinks' ledgers drop what did arrive).
 */
export async function processSessionEvents(
  kind: ReplayKind,
  sessionId: string,
  events: readonly SessionEvent[],
  deps: SessionProcessDeps,
): Promise<SessionProcessResult> {
  const key = stateKey(kind, sessionId);
  let limits = DEFAULT_LIMITS;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.states.get(key);
    const item: SessionStateItem = current?.item ?? {
      replay: emptyReplayState(kind, sessionId),
      alerted: [],
      outbox: [],
    };
    const result = replayDelivery(item.replay, events, deps.engine, limits);
    const alerted = new Set(item.alerted);
    const raised: Alert[] = [];
    for (const alert of await deps.alertsFor(result.commands)) {
      if (alerted.has(alert.id)) continue;
      alerted.add(alert.id);
      raised.push(alert);
    }
    const next: SessionStateItem = {
      replay: result.state,
      alerted: [...item.alerted, ...raised.map((a) => a.id)].slice(-MAX_ALERTED_IDS),
      outbox: [...item.outbox, ...raised],
    };
    let saved: boolean;
    try {
      saved = await deps.states.put(key, next, current?.version ?? null);
    } catch (error) {
      if (!(error instanceof StateTooLargeError) || limits.maxEvents === 0) throw error;
      limits = { maxEvents: 0, maxChars: 0 }; // keep no events for reordering: fold everything into the base state
      continue;
    }
    if (!saved) {
      // lost the race to a concurrent delivery of the same session: back off (jittered) and redo on its state
      await sleep(backoffDelay(attempt, { baseMs: 10, capMs: 500 }));
      continue;
    }
    if (next.outbox.length > 0) {
      await deps.deliver(next.outbox);
      // best effort: if another invocation wrote meanwhile, it delivers the outbox again and the ledgers drop it
      await deps.states.put(key, { ...next, outbox: [] }, (current?.version ?? 0) + 1);
    }
    return {
      raised,
      records: result.commands.filter((c) => c.fresh).map((c) => c.record),
      duplicates: result.duplicates,
      late: result.late,
      ended: result.state.ended,
    };
  }
  throw new Error(`session ${sessionId}: state kept changing under ${MAX_ATTEMPTS} attempts`);
}
