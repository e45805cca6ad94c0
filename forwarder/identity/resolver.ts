import type { Actor } from '../alerts/alert.js';
import type { SessionInfo } from '../commands/record.js';
import type { CloudTrailSessionLookup } from './lookup.js';
import { LruCache } from './lru.js';
import { principalFromArn } from './principal.js';
import type { SessionIdentity } from './record.js';
import { splitSessionId } from './session-id.js';
import type { IdentityStore } from './store.js';

export interface IdentityResolverOptions {
  store?: IdentityStore | null;
  lookup?: Pick<CloudTrailSessionLookup, 'find'> | null;
  cacheSize?: number;
  /** How long CloudTrail's "not found" is kept before LookupEvents is asked again (StartSession can arrive late). */
  negativeTtlMs?: number;
  now?: () => number;
  onError?: (stage: 'table' | 'cloudtrail', error: unknown) => void;
}

export function actorFromIdentity(identity: SessionIdentity, from: Actor['from']): Actor {
  return {
    principalArn: identity.principalArn,
    type: identity.principalType,
    name: identity.name,
    email: identity.email,
    account: identity.account,
    sourceIp: identity.sourceIp,
    userAgent: identity.userAgent,
    mfa: identity.mfa,
    reason: identity.reason,
    sessionStart: identity.start,
    sessionEnd: identity.end,
    from,
    documentName: identity.documentName,
  };
}

/** What the transcript alone tells: the streaming `userIdentity.arn`, else the name in the session id. */
export function actorFromTranscript(session: SessionInfo): Actor {
  const principal = principalFromArn(session.principalArn);
  const prefix = splitSessionId(session.sessionId).name;
  const name = principal.name ?? prefix;
  return {
    principalArn: session.principalArn,
    type: principal.type,
    name,
    email: principal.email ?? (prefix?.includes('@') ? prefix : null),
    account: principal.account ?? session.account,
    sourceIp: null,
    userAgent: null,
    mfa: null,
    reason: null,
    sessionStart: session.start,
    sessionEnd: session.end,
    from: 'transcript',
  };
}

/**
 * Who started a session: the identity table (behind an LRU cache), else CloudTrail LookupEvents (the answer is
 * written back to the table), else the transcript's own facts. Concurrent calls for one session share one lookup.
 *
 * Only table and CloudTrail answers are cached. A transcript-only answer is not: the StartSession usually reaches the
 * table minutes after the first streamed commands, and the next alert of the session must carry it. What a miss does
 * remember (for `negativeTtlMs`) is that CloudTrail had nothing, so LookupEvents (2 calls a second per account) is not
 * asked again for every command; the table is.
 */
export class IdentityResolver {
  private readonly cache: LruCache<string, Actor>;
  private readonly cloudTrailMisses: LruCache<string, true>;
  private readonly inflight = new Map<string, Promise<Actor>>();

  constructor(private readonly options: IdentityResolverOptions = {}) {
    this.cache = new LruCache(options.cacheSize ?? 1000, options.now);
    this.cloudTrailMisses = new LruCache(options.cacheSize ?? 1000, options.now);
  }

  resolve(session: SessionInfo): Promise<Actor> {
    const cached = this.cache.get(session.sessionId);
    if (cached) return Promise.resolve(cached);
    let pending = this.inflight.get(session.sessionId);
    if (!pending) {
      pending = this.lookup(session).finally(() => this.inflight.delete(session.sessionId));
      this.inflight.set(session.sessionId, pending);
    }
    return pending;
  }

  private async lookup(session: SessionInfo): Promise<Actor> {
    const { store, lookup } = this.options;
    let partial: SessionIdentity | null = null;
    if (store) {
      try {
        partial = await store.get(session.sessionId);
        if (partial?.principalArn) return this.remember(session, actorFromIdentity(partial, 'table'));
      } catch (error) {
        this.options.onError?.('table', error);
      }
    }
    if (lookup && !this.cloudTrailMisses.get(session.sessionId)) {
      try {
        const found = await lookup.find(session.sessionId, session.start);
        if (found) {
          const identity = { ...found.identity, end: partial?.end ?? session.end ?? null };
          await store?.put(found.identity).catch((error) => this.options.onError?.('table', error));
          return this.remember(session, actorFromIdentity(identity, 'cloudtrail'));
        }
        this.cloudTrailMisses.set(session.sessionId, true, this.options.negativeTtlMs ?? 5 * 60_000);
      } catch (error) {
        this.options.onError?.('cloudtrail', error);
      }
    }
    const actor = actorFromTranscript(session);
    if (partial?.end && !actor.sessionEnd) actor.sessionEnd = partial.end;
    return actor;
  }

  private remember(session: SessionInfo, actor: Actor): Actor {
    if (!actor.sessionEnd && session.end) actor.sessionEnd = session.end;
    this.cache.set(session.sessionId, actor);
    return actor;
  }
}
