import type { PrincipalType } from '../alerts/alert.js';
import { looksLikeEmail, principalFromArn } from './principal.js';
import { SESSION_EVENT_NAMES, type SessionEvent, type SessionEventName, type SessionIdentity } from './record.js';

export class SessionEventError extends Error {
  override name = 'SessionEventError';
  /** A well-formed CloudTrail record of another event (not bad input, just not ours). */
  constructor(
    message: string,
    readonly otherEvent = false,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const obj = (v: unknown): Json => (isObject(v) ? v : {});

const USER_IDENTITY_TYPES: Record<string, PrincipalType> = {
  IAMUser: 'IAMUser',
  AssumedRole: 'AssumedRole',
  Root: 'Root',
  FederatedUser: 'FederatedUser',
  IdentityCenterUser: 'IdentityCenterUser',
};

/**
 * The CloudTrail record inside whatever carried it: an EventBridge event (`detail`), a raw record (exported log
 * files, a `Records` entry), or the `CloudTrailEvent` JSON string LookupEvents returns.
 */
export function cloudTrailRecord(input: unknown): Json {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new SessionEventError('not JSON: expected a CloudTrail record or an EventBridge event');
    }
  }
  if (!isObject(value)) throw new SessionEventError('expected a JSON object');
  if (isObject(value.detail) && (value['detail-type'] !== undefined || value.source !== undefined)) return value.detail;
  return value;
}

function mfaOf(userIdentity: Json): boolean | null {
  const flag = obj(obj(userIdentity.sessionContext).attributes).mfaAuthenticated;
  if (flag === 'true' || flag === true) return true;
  if (flag === 'false' || flag === false) return false;
  return null;
}

function identityOf(record: Json, sessionId: string): SessionIdentity {
  const ui = obj(record.userIdentity);
  const request = obj(record.requestParameters);
  const fromArn = principalFromArn(str(ui.arn));
  const ctType = USER_IDENTITY_TYPES[String(ui.type)];
  // An assumed AWSReservedSSO_* role is an Identity Center user even though CloudTrail says AssumedRole.
  const type: PrincipalType = fromArn.type === 'IdentityCenterUser' ? fromArn.type : (ctType ?? fromArn.type);
  const name = fromArn.name ?? str(ui.userName);
  return {
    sessionId,
    principalArn: str(ui.arn),
    principalType: type,
    principalId: str(ui.principalId),
    name,
    email: fromArn.email ?? (looksLikeEmail(str(ui.userName)) ? str(ui.userName) : null),
    account: str(ui.accountId) ?? fromArn.account ?? str(record.recipientAccountId),
    sourceIp: str(record.sourceIPAddress),
    userAgent: str(record.userAgent),
    mfa: mfaOf(ui),
    reason: str(request.reason),
    documentName: str(request.documentName),
    target: str(request.target),
    region: str(record.awsRegion),
    start: null,
    end: null,
    lastResume: null,
    eventId: str(record.eventID),
  };
}

/** Parses a Session Manager CloudTrail event. Throws SessionEventError with a clear message on anything else. */
export function parseSessionEvent(input: unknown): SessionEvent {
  const record = cloudTrailRecord(input);
  const name = record.eventName;
  if (!SESSION_EVENT_NAMES.includes(name as SessionEventName)) {
    throw new SessionEventError(`not a Session Manager event: eventName ${JSON.stringify(name ?? null)}`, true);
  }
  if (record.eventSource !== undefined && record.eventSource !== 'ssm.amazonaws.com') {
    throw new SessionEventError(`eventSource ${JSON.stringify(record.eventSource)} is not ssm.amazonaws.com`, true);
  }
  const time = str(record.eventTime);
  if (!time || Number.isNaN(Date.parse(time))) throw new SessionEventError('eventTime missing or not a date');
  const sessionId = str(obj(record.responseElements).sessionId) ?? str(obj(record.requestParameters).sessionId);
  if (!sessionId) {
    const failure = str(record.errorCode);
    throw new SessionEventError(`${name} without a session id${failure ? ` (the call failed: ${failure})` : ''}`);
  }
  const identity = identityOf(record, sessionId);
  if (name === 'StartSession') identity.start = time;
  if (name === 'TerminateSession') identity.end = time;
  if (name === 'ResumeSession') identity.lastResume = time;
  return { name: name as SessionEventName, sessionId, time, identity };
}
