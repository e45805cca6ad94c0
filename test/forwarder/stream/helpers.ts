import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type SessionGroup, sessionEventsOf } from '../../../forwarder/lambda/subscription.js';
import type { ReplayKind, SessionEvent } from '../../../forwarder/stream/session-replay.js';
import type { SubscriptionPayload } from '../../../forwarder/transcript/log-events.js';
import { sessionsDir } from '../../helpers/paths.js';

/** The fixture sessions that have subscription deliveries. */
export const SESSIONS = readdirSync(sessionsDir)
  .filter((f) => f.endsWith('.subscription.json'))
  .map((f) => f.slice(0, -'.subscription.json'.length));

/** A fixture session's log events as the Lambda groups them, for both the stream and end-of-session kinds. */
export function fixtureGroups(sid: string): SessionGroup[] {
  const deliveries = JSON.parse(readFileSync(join(sessionsDir, `${sid}.subscription.json`), 'utf8')) as {
    awslogs: { data: string };
  }[];
  const groups = new Map<ReplayKind, SessionEvent[]>();
  for (const d of deliveries) {
    const payload = JSON.parse(gunzipSync(Buffer.from(d.awslogs.data, 'base64')).toString()) as SubscriptionPayload;
    for (const g of sessionEventsOf(payload, () => {}))
      groups.set(g.kind, [...(groups.get(g.kind) ?? []), ...g.events]);
  }
  return [...groups].map(([kind, events]) => ({ kind, sessionId: sid, events }));
}

/** Every fixture's streaming events one after another as one long session (times moved on, so they stay in order). */
export function longStreamGroup(): SessionGroup {
  const events: SessionEvent[] = [];
  let clock = 0;
  for (const sid of SESSIONS) {
    const stream = fixtureGroups(sid).find((g) => g.kind === 'stream');
    if (!stream) continue;
    const first = Math.min(...stream.events.map((e) => e.timestamp));
    for (const e of stream.events) {
      const timestamp = clock + (e.timestamp - first);
      events.push({ ...e, timestamp, id: `${timestamp}`.padStart(13, '0') + e.id.slice(13) });
    }
    clock = Math.max(...events.map((e) => e.timestamp)) + 1000;
  }
  return { kind: 'stream', sessionId: 'long-0123456789abcdef0', events };
}
