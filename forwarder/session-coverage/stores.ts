import {
  addObservation,
  emptyObservations,
  type TranscriptObservation,
  type TranscriptObservations,
} from './observations.js';

/** Which alert ids were raised: the check runs every few minutes and must raise each gap exactly once. */
export interface RaisedStore {
  /** Marks an id raised. False when it already was: the alert must not be raised again. */
  claim(id: string, info: { ruleId: string; sessionId: string; time: string }): Promise<boolean>;
  /** Undoes a claim whose alert could not be handed over for delivery, so the next run raises it. */
  release(id: string): Promise<void>;
}

/** The sessions still to check, by start time (the identity indexer adds every StartSession). */
export interface SessionIndex {
  add(sessionId: string, start: string): Promise<void>;
  /** Ids of sessions started in [since, until] (since null: all), oldest first. */
  list(since: string | null, until: string): Promise<string[]>;
  /** The session needs no more checks. */
  settle(sessionId: string, start: string): Promise<void>;
}

/** What was seen of each session's transcript (the stream and S3 handlers note, the check reads). */
export interface TranscriptIndex {
  get(sessionId: string): Promise<TranscriptObservations | null>;
  note(sessionId: string, observation: TranscriptObservation): Promise<void>;
}

export class MemoryRaisedStore implements RaisedStore {
  readonly raised = new Map<string, { ruleId: string; sessionId: string; time: string }>();

  async claim(id: string, info: { ruleId: string; sessionId: string; time: string }): Promise<boolean> {
    if (this.raised.has(id)) return false;
    this.raised.set(id, info);
    return true;
  }

  async release(id: string): Promise<void> {
    this.raised.delete(id);
  }
}

export class MemorySessionIndex implements SessionIndex {
  private readonly starts = new Map<string, string>();

  async add(sessionId: string, start: string): Promise<void> {
    if (!this.starts.has(sessionId)) this.starts.set(sessionId, start);
  }

  async list(since: string | null, until: string): Promise<string[]> {
    const within = (t: number) => (since === null || t >= Date.parse(since)) && t <= Date.parse(until);
    return [...this.starts]
      .filter(([, start]) => within(Date.parse(start)))
      .sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]))
      .map(([id]) => id);
  }

  async settle(sessionId: string): Promise<void> {
    this.starts.delete(sessionId);
  }
}

export class MemoryTranscriptIndex implements TranscriptIndex {
  private readonly sessions = new Map<string, TranscriptObservations>();

  async get(sessionId: string): Promise<TranscriptObservations | null> {
    const o = this.sessions.get(sessionId);
    return o ? { ...o } : null;
  }

  async note(sessionId: string, observation: TranscriptObservation): Promise<void> {
    this.sessions.set(
      sessionId,
      addObservation(this.sessions.get(sessionId) ?? emptyObservations(sessionId), observation),
    );
  }
}

/**
 * Many observations (one Lambda delivery, one transcript file) reduced to the few that change the index: the first
 * and last stream time, the latest exit and the first end-of-session transcript per session. Streams send an event a
 * second; this keeps the writes to a handful per delivery.
 */
export function collapseObservations(
  items: readonly { sessionId: string; observation: TranscriptObservation }[],
): { sessionId: string; observation: TranscriptObservation }[] {
  const bySession = new Map<string, TranscriptObservations>();
  for (const { sessionId, observation } of items) {
    bySession.set(sessionId, addObservation(bySession.get(sessionId) ?? emptyObservations(sessionId), observation));
  }
  const out: { sessionId: string; observation: TranscriptObservation }[] = [];
  for (const [sessionId, o] of bySession) {
    const times = new Set([o.firstStream, o.lastStream].filter((t): t is string => t !== null));
    for (const time of times) out.push({ sessionId, observation: { kind: 'stream', time } });
    if (o.streamExit) out.push({ sessionId, observation: { kind: 'stream-exit', time: o.streamExit } });
    if (o.final && o.finalSource)
      out.push({ sessionId, observation: { kind: 'final', time: o.final, source: o.finalSource } });
  }
  return out;
}

/** Notes a batch of observations with as few writes as the batch allows (see collapseObservations). */
export async function noteObservations(
  index: TranscriptIndex,
  items: readonly { sessionId: string; observation: TranscriptObservation }[],
): Promise<number> {
  const collapsed = collapseObservations(items);
  for (const { sessionId, observation } of collapsed) await index.note(sessionId, observation);
  return collapsed.length;
}
