import { parseSessionEvent, SessionEventError } from './cloudtrail-event.js';
import type { IdentityStore } from './store.js';

export interface IndexResult {
  status: 'indexed' | 'duplicate' | 'resumed' | 'terminated' | 'ignored' | 'rejected';
  sessionId: string | null;
  /** Why a record was rejected (not a session event, failed call, bad JSON, ...). */
  error?: string;
}

/**
 * The EventBridge rule's target: one CloudTrail StartSession/ResumeSession/TerminateSession event (EventBridge
 * envelope, raw record, or JSON string) into the identity store. Bad input is reported in the result, never thrown;
 * store errors are thrown so that the Lambda invocation is retried.
 */
export async function indexSessionEvent(event: unknown, store: IdentityStore): Promise<IndexResult> {
  let parsed: ReturnType<typeof parseSessionEvent>;
  try {
    parsed = parseSessionEvent(event);
  } catch (error) {
    if (error instanceof SessionEventError) {
      return { status: error.otherEvent ? 'ignored' : 'rejected', sessionId: null, error: error.message };
    }
    throw error;
  }
  const { sessionId } = parsed;
  switch (parsed.name) {
    case 'StartSession':
      return { status: (await store.put(parsed.identity)) ? 'indexed' : 'duplicate', sessionId };
    case 'ResumeSession':
      await store.markResumed(sessionId, parsed.time);
      return { status: 'resumed', sessionId };
    case 'TerminateSession':
      await store.markTerminated(sessionId, parsed.time);
      return { status: 'terminated', sessionId };
  }
}

/** A CloudTrail log file (`{"Records":[...]}`) or an array of records: each indexed, results counted by status. */
export async function indexSessionEvents(
  input: unknown,
  store: IdentityStore,
): Promise<Record<IndexResult['status'], number>> {
  const records = Array.isArray(input) ? input : ((input as { Records?: unknown[] })?.Records ?? [input]);
  const counts = { indexed: 0, duplicate: 0, resumed: 0, terminated: 0, ignored: 0, rejected: 0 };
  for (const record of records) counts[(await indexSessionEvent(record, store)).status]++;
  return counts;
}
