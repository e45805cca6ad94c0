import type { SessionIdentity } from './record.js';

/**
 * Where session identities are kept, keyed by session id. A StartSession record, once written, is never overwritten:
 * later ResumeSession and TerminateSession events (or a duplicate delivery of the start) only add their own facts.
 */
export interface IdentityStore {
  get(sessionId: string): Promise<SessionIdentity | null>;
  /** Records a session's start. Returns false (and changes nothing) when a start was already recorded. */
  put(identity: SessionIdentity): Promise<boolean>;
  /** Sets the end time once; the first TerminateSession wins. */
  markTerminated(sessionId: string, end: string): Promise<void>;
  /** Keeps the latest client reconnect time. */
  markResumed(sessionId: string, time: string): Promise<void>;
}

/** An empty record: what the store holds for a session whose end or resume arrived before its start. */
export function emptyIdentity(sessionId: string): SessionIdentity {
  return {
    sessionId,
    principalArn: null,
    principalType: 'Unknown',
    principalId: null,
    name: null,
    email: null,
    account: null,
    sourceIp: null,
    userAgent: null,
    mfa: null,
    reason: null,
    documentName: null,
    target: null,
    region: null,
    start: null,
    end: null,
    lastResume: null,
    eventId: null,
  };
}

/** For the CLI, tests, and a Lambda without SESSIONWATCH_IDENTITY_TABLE. */
export class MemoryIdentityStore implements IdentityStore {
  private readonly items = new Map<string, { identity: SessionIdentity; hasStart: boolean }>();

  async get(sessionId: string): Promise<SessionIdentity | null> {
    const item = this.items.get(sessionId);
    return item ? { ...item.identity } : null;
  }

  async put(identity: SessionIdentity): Promise<boolean> {
    const existing = this.items.get(identity.sessionId);
    if (existing?.hasStart) return false;
    const later = existing?.identity;
    this.items.set(identity.sessionId, {
      hasStart: true,
      identity: { ...identity, end: later?.end ?? identity.end, lastResume: later?.lastResume ?? identity.lastResume },
    });
    return true;
  }

  async markTerminated(sessionId: string, end: string): Promise<void> {
    const item = this.items.get(sessionId) ?? { identity: emptyIdentity(sessionId), hasStart: false };
    if (!item.identity.end) item.identity.end = end;
    this.items.set(sessionId, item);
  }

  async markResumed(sessionId: string, time: string): Promise<void> {
    const item = this.items.get(sessionId) ?? { identity: emptyIdentity(sessionId), hasStart: false };
    if (!item.identity.lastResume || item.identity.lastResume < time) item.identity.lastResume = time;
    this.items.set(sessionId, item);
  }
}
