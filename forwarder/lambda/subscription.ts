import { globMatch } from '../alerts/noise/glob.js';
import { observeCommand, type TranscriptObservation } from '../session-coverage/index.js';
import { processSessionEvents } from '../stream/process-session.js';
import type { ReplayKind, SessionEvent } from '../stream/session-replay.js';
import { isoTime } from '../time/iso-time.js';
import { DecodeError } from '../transcript/events.js';
import { decodeLogEvent, decodeSubscriptionData, type SubscriptionPayload } from '../transcript/log-events.js';
import type { Runtime } from './runtime.js';

/** The events of one session and kind in one delivery, decoded, in the order they came. */
export interface SessionGroup {
  kind: ReplayKind;
  sessionId: string;
  events: SessionEvent[];
}

/**
 * A CloudWatch Logs subscription delivery: the events of one log stream (one session). Streaming events and
 * end-of-session text are told apart per event; each kind is replayed in order with the session's saved state.
 * Bad input (not base64, not gzip, not a subscription payload, another log group, an event that is not a Session
 * Manager event, invalid UTF-8) is counted, logged with the record's or event's id, and skipped.
 */
export async function handleSubscription(data: unknown, rt: Runtime, recordId?: string): Promise<void> {
  const { logger, count } = rt.observer;
  const payload = decodeSubscriptionData(data, recordId ?? null);
  if (payload instanceof DecodeError) {
    count('ParseErrors');
    logger.warn('subscription payload skipped', { recordId, kind: payload.kind, reason: payload.message });
    return;
  }
  if (payload.messageType !== 'DATA_MESSAGE') return;
  if (rt.config.logGroups.length > 0 && !rt.config.logGroups.some((g) => globMatch(g, payload.logGroup))) {
    count('SkippedRecords', payload.logEvents.length);
    logger.info('events of another log group skipped', { recordId, logGroup: payload.logGroup });
    return;
  }
  const skipped = (eventId: string, kind: string, reason: string) => {
    count('ParseErrors');
    if (kind === 'utf8') count('InvalidUtf8');
    logger.warn('log event skipped', { recordId, eventId, kind, reason });
  };
  const corrupt = invalidUtf8Events(payload);
  for (const e of corrupt) skipped(e.id, 'utf8', 'invalid UTF-8');
  const clean = { ...payload, logEvents: payload.logEvents.filter((e) => !corrupt.has(e)) };

  let failure: unknown = null;
  for (const group of sessionEventsOf(clean, skipped)) {
    logger.appendKeys({ sessionId: group.sessionId });
    try {
      await processGroup(group, rt);
    } catch (error) {
      // one session's failure (its state store unreachable) fails the invocation so Lambda retries it;
      // the other sessions of the delivery are processed first, and a retry cannot double their alerts
      failure ??= error;
      logger.error('session events failed', { kind: group.kind, error: (error as Error).message });
    } finally {
      logger.removeKeys(['sessionId']);
    }
  }
  if (failure) throw failure;
}

/**
 * Decodes a delivery's log events and groups them by session and kind. An event that is not a Session Manager event
 * (too large to be genuine, another program's JSON, a broken streaming message) goes to `skipped` and is left out.
 */
export function sessionEventsOf(
  payload: SubscriptionPayload,
  skipped: (eventId: string, kind: string, reason: string) => void,
): SessionGroup[] {
  const groups = new Map<string, SessionGroup>();
  const context = { sessionId: null as string | null };
  for (const e of payload.logEvents) {
    if (tooLarge(e.message)) {
      skipped(e.id, 'too-large', `a log event larger than CloudWatch allows (${MAX_EVENT_BYTES} bytes)`);
      continue;
    }
    if (isOtherJson(e.message)) {
      skipped(e.id, 'not-a-transcript', 'JSON that is not a Session Manager event');
      continue;
    }
    const pending: Partial<SessionEvent> & { info: SessionEvent['info'] } = { info: {} };
    let kind: ReplayKind | null = null;
    let sessionId: string | null = null;
    for (const t of decodeLogEvent({ ...e, logStream: payload.logStream, owner: payload.owner }, context)) {
      if (t.type === 'error') {
        skipped(e.id, t.error.kind, t.error.message);
      } else if (t.type === 'session') {
        Object.assign(pending.info, t.info);
      } else if (t.type === 'stream-lines') {
        kind = 'stream';
        sessionId = t.sessionId;
        pending.lines = t.lines;
        pending.endsMidLine = t.endsMidLine;
      } else if (t.type === 'terminal') {
        kind = 'terminal';
        sessionId = t.sessionId;
        pending.text = t.text;
      }
    }
    if (!kind || !sessionId) continue;
    const groupKey = `${kind}#${sessionId}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { kind, sessionId, events: [] };
      groups.set(groupKey, group);
    }
    group.events.push({ ...pending, id: e.id, timestamp: e.timestamp } as SessionEvent);
  }
  return [...groups.values()];
}

async function processGroup({ kind, sessionId, events }: SessionGroup, rt: Runtime): Promise<void> {
  const { logger, count } = rt.observer;
  const result = await processSessionEvents(kind, sessionId, events, {
    engine: await rt.engine(),
    states: rt.states,
    alertsFor: (commands) => rt.alertsFor(commands),
    deliver: (alerts) => rt.deliver(alerts),
  });
  count('Commands', result.records.length);
  count('DuplicateEvents', result.duplicates);
  count('LateEvents', result.late);
  // coverage: the stream was alive from its first to its last event (and exited, if it typed `exit`); an upload is
  // complete
  const seen: { sessionId: string; observation: TranscriptObservation }[] = [];
  if (kind === 'stream') {
    const [first, last] = timeSpan(events);
    for (const time of new Set([first, last]))
      seen.push({ sessionId, observation: { kind: 'stream', time: isoTime(time) } });
    for (const r of result.records) {
      const exit = observeCommand(r);
      if (exit) seen.push({ sessionId, observation: exit });
    }
  } else if (result.ended) {
    seen.push({ sessionId, observation: { kind: 'final', time: isoTime(timeSpan(events)[1]), source: 'cloudwatch' } });
  }
  await rt.noteTranscripts(seen);
  logger.info('session events processed', { kind, events: events.length, alerts: result.raised.length });
}

/** The oldest and newest of a delivery's event times (a delivery holds at least one event). */
function timeSpan(events: readonly { timestamp: number }[]): [number, number] {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    if (e.timestamp < first) first = e.timestamp;
    if (e.timestamp > last) last = e.timestamp;
  }
  return [first, last];
}

/** CloudWatch Logs refuses events over 256 KB (message and 26 bytes of overhead): a larger one is not genuine. */
const MAX_EVENT_BYTES = 256 * 1024;
const tooLarge = (message: unknown) =>
  typeof message === 'string' && message.length > MAX_EVENT_BYTES / 4 && Buffer.byteLength(message) > MAX_EVENT_BYTES;

/** The events a delivery with invalid UTF-8 may have been corrupted in: those whose text holds a U+FFFD. */
function invalidUtf8Events(payload: SubscriptionPayload): Set<SubscriptionPayload['logEvents'][number]> {
  if (!payload.invalidUtf8) return new Set();
  return new Set(payload.logEvents.filter((e) => typeof e.message === 'string' && e.message.includes('\uFFFD')));
}

/**
 * A one-line JSON object without `sessionData`: a structured log line of some other program, not a Session Manager
 * event. (End-of-session uploads are terminal text cut at line ends; a whole event that parses as one JSON object is
 * not one of them.)
 */
function isOtherJson(message: unknown): boolean {
  if (typeof message !== 'string' || !message.startsWith('{') || !message.endsWith('}')) return false;
  if (message.includes('\n') || message.includes('"sessionData"')) return false;
  try {
    const value: unknown = JSON.parse(message);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
