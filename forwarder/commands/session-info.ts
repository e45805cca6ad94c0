import { isoTime } from '../time/iso-time.js';
import type { SessionInfo, TranscriptSource } from './record.js';

export function emptySessionInfo(sessionId: string, source: TranscriptSource): SessionInfo {
  return {
    sessionId,
    source,
    instanceId: null,
    principalArn: null,
    runAsUser: null,
    region: null,
    account: null,
    start: null,
    end: null,
  };
}

/** Widens the session's start and end to include an event time. */
export function noteTime(info: SessionInfo, time: number): void {
  const iso = isoTime(time);
  if (!info.start || iso < info.start) info.start = iso;
  if (!info.end || iso > info.end) info.end = iso;
}

/** Merges facts learned from an event, never overwriting with null. */
export function mergeInfo(info: SessionInfo, facts: Partial<SessionInfo>): void {
  for (const [k, v] of Object.entries(facts)) {
    if (v !== null && v !== undefined) (info as unknown as Record<string, unknown>)[k] = v;
  }
}
