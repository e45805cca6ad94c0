import { globMatch } from '../alerts/noise/glob.js';
import { processSessionEvents } from '../stream/process-session.js';
import type { ReplayKind, SessionEvent } from '../stream/session-replay.js';
import { DecodeError } from '../transcript/events.js';
import { decodeLogEvent, decodeSubscriptionData } from '../transcript/log-events.js';
import type { Runtime } from './runtime.js';

/**
 * A CloudWatch Logs subscription delivery: the events of one log stream (one session). Streaming events and
 * end-of-session text are told apart per event; each kind is replayed in order with the session's saved state.
 */
export async function handleSubscription(data: unknown, rt: Runtime): Promise<void> {
  const { logger, count } = rt.observer;
  const payload = decodeSubscriptionData(data, null);
  if (payload instanceof DecodeError) {
    count('ParseErrors');
    logger.warn('subscription payload skipped', { kind: payload.kind, reason: payload.message });
    return;
  }
  if (payload.messageType !== 'DATA_MESSAGE') return;
  if (rt.config.logGroups.length > 0 && !rt.config.logGroups.some((g) => globMatch(g, payload.logGroup))) {
    count('SkippedRecords', payload.logEvents.length);
    logger.info('events of another log group skipped', { logGroup: payload.logGroup });
    return;
  }
  const groups = new Map<string, { kind: ReplayKind; sessionId: string; events: SessionEvent[] }>();
  const context = { sessionId: null as string | null };
  for (const e of payload.logEvents) {
    const pending: Partial<SessionEvent> & { info: SessionEvent['info'] } = { info: {} };
    let kind: ReplayKind | null = null;
    let sessionId: string | null = null;
    for (const t of decodeLogEvent({ ...e, logStream: payload.logStream, owner: payload.owner }, context)) {
      if (t.type === 'error') {
        count('ParseErrors');
        logger.warn('log event skipped', { eventId: e.id, kind: t.error.kind, reason: t.error.message });
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

  let failure: unknown = null;
  for (const { kind, sessionId, events } of groups.values()) {
    logger.appendKeys({ sessionId });
    try {
      const result = await processSessionEvents(kind, sessionId, events, {
        engine: rt.engine,
        states: rt.states,
        alertsFor: (commands) => rt.alertsFor(commands),
        deliver: (alerts) => rt.deliver(alerts),
      });
      count('Commands', result.commands);
      count('DuplicateEvents', result.duplicates);
      count('LateEvents', result.late);
      for (const a of result.raised) rt.observer.alerts(a.severity, 1);
      const newest = Math.max(...events.map((e) => e.timestamp));
      if (result.raised.length > 0) rt.observer.latency(Date.now() - newest);
      logger.info('session events processed', { kind, events: events.length, alerts: result.raised.length });
    } catch (error) {
      // one session's failure (its state store unreachable) fails the invocation so Lambda retries it;
      // the other sessions of the delivery are processed first, and a retry cannot double their alerts
      failure ??= error;
      logger.error('session events failed', { kind, error: (error as Error).message });
    } finally {
      logger.removeKeys(['sessionId']);
    }
  }
  if (failure) throw failure;
}
