import type { PrincipalType } from '../alerts/alert.js';

/** What the identity table keeps about one Session Manager session (one item, keyed by session id). */
export interface SessionIdentity {
  sessionId: string;
  principalArn: string | null;
  principalType: PrincipalType;
  principalId: string | null;
  name: string | null;
  email: string | null;
  account: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  mfa: boolean | null;
  reason: string | null;
  documentName: string | null;
  /** The instance (or other target) of the session. */
  target: string | null;
  region: string | null;
  start: string | null;
  end: string | null;
  /** Latest ResumeSession (client reconnect), when any. */
  lastResume: string | null;
  /** CloudTrail event id of the StartSession. */
  eventId: string | null;
}

export const SESSION_EVENT_NAMES = ['StartSession', 'ResumeSession', 'TerminateSession'] as const;
export type SessionEventName = (typeof SESSION_EVENT_NAMES)[number];

/** One parsed CloudTrail Session Manager event. */
export interface SessionEvent {
  name: SessionEventName;
  sessionId: string;
  time: string;
  /** The caller of this API call (for Terminate/Resume it may not be the session's owner). */
  identity: SessionIdentity;
}
