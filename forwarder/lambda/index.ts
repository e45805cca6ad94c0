import type { Context } from 'aws-lambda';
import { indexForCoverage, runCoverageCheck } from '../session-coverage/index.js';
import { eventBridgeToObject, isObject, type Json, s3RecordToObject } from '../transcript/envelopes.js';
import { type FunctionRole, loadConfig } from './config.js';
import { type Continuation, handleObject, ObjectReadError, type ObjectRef, parseContinuation } from './objects.js';
import { createObserver } from './observe.js';
import { createRuntime, type Runtime } from './runtime.js';
import { handleSubscription } from './subscription.js';

// Configuration is checked at cold start: a bad variable fails the function's initialisation with one clear message.
const config = loadConfig(process.env);
const observer = createObserver(process.env);
let runtime: Promise<Runtime> | null = null;

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * One entry point for every event the pipeline receives, told apart by shape: CloudWatch Logs subscriptions (direct
 * or through Kinesis), S3 object events (direct, through SQS, through EventBridge), continuation messages, CloudTrail
 * session events, and the scheduled coverage check.
 */
export async function handler(event: unknown, context?: Partial<Context>): Promise<SqsBatchResponse | undefined> {
  runtime ??= createRuntime(config, observer, process.env).catch((e) => {
    runtime = null; // a failed start is retried by the next invocation
    throw e;
  });
  const rt = await runtime;
  if (context?.awsRequestId) observer.logger.appendKeys({ requestId: context.awsRequestId });
  const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
  try {
    return await route(event, rt, remainingMs);
  } finally {
    observer.flush();
  }
}

async function route(event: unknown, rt: Runtime, remainingMs: () => number): Promise<SqsBatchResponse | undefined> {
  if (!isObject(event)) return skip(rt, 'not an event object');
  if (isObject(event.awslogs)) {
    if (!allowed(rt, 'transcripts')) return skip(rt, 'role');
    await handleSubscription(event.awslogs.data, rt);
    return undefined;
  }
  if (Array.isArray(event.Records)) {
    if (!allowed(rt, 'transcripts')) return skip(rt, 'role');
    const records = event.Records.filter(isObject);
    if (records.some((r) => r.eventSource === 'aws:sqs')) return sqsBatch(records, rt, remainingMs);
    if (records.some((r) => r.eventSource === 'aws:kinesis')) return kinesisBatch(records, rt);
    await s3Records(records, rt, remainingMs);
    return undefined;
  }
  if (event['detail-type'] === 'AWS API Call via CloudTrail') {
    if (!allowed(rt, 'identity')) return skip(rt, 'role');
    await indexSession(event, rt);
    return undefined;
  }
  if (event['detail-type'] === 'Object Created') {
    if (!allowed(rt, 'transcripts')) return skip(rt, 'role');
    const ref = eventBridgeToObject(event);
    if (ref?.type === 'object') await readObject(ref, rt, remainingMs, event.id);
    else skip(rt, 'not an S3 object event');
    return undefined;
  }
  const scheduled = scheduledTime(event);
  if (scheduled !== null) {
    if (!allowed(rt, 'coverage')) return skip(rt, 'role');
    await coverageCheck(scheduled, rt);
    return undefined;
  }
  return skip(rt, 'unrecognised event');
}

/** S3 notifications delivered directly: each record read on its own; a failed one fails the invocation afterwards. */
async function s3Records(records: Json[], rt: Runtime, remainingMs: () => number): Promise<void> {
  let failure: unknown = null;
  for (const [i, r] of records.entries()) {
    const ref = s3RecordToObject(r);
    if (ref?.type !== 'object') {
      skip(rt, 'not an S3 object record');
      continue;
    }
    try {
      await readObject(ref, rt, remainingMs, `record-${i}`);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure) throw failure;
}

/**
 * SQS: S3 notifications, or continuation messages. Each message succeeds or fails alone (partial batch failure);
 * a message that keeps failing reaches the queue's dead-letter queue after maxReceiveCount. A message that can never
 * succeed (not JSON, a malformed continuation) is counted and dropped instead.
 */
async function sqsBatch(records: Json[], rt: Runtime, remainingMs: () => number): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const [i, record] of records.entries()) {
    const id = String(record.messageId ?? '');
    if (i > 0 && remainingMs() < rt.config.timeGuardMs) {
      // too little time left to start another message: it goes to the continuation queue as a new message, or else
      // comes back after its visibility timeout (a receive that counts toward the dead-letter queue, unfailed)
      if (!(await requeued(rt, String(record.body ?? '')))) failures.push({ itemIdentifier: id });
      continue;
    }
    rt.observer.logger.appendKeys({ messageId: id });
    try {
      const jobs = jobsOf(String(record.body ?? ''));
      if (jobs instanceof Error) {
        rt.observer.count('ParseErrors');
        rt.observer.logger.warn('message skipped', { reason: jobs.message });
        continue;
      }
      if (jobs.length === 0) skip(rt, 'no transcript object in the message');
      for (const job of jobs) await readObject(job.ref, rt, remainingMs, id, job.continuation);
    } catch {
      failures.push({ itemIdentifier: id });
    } finally {
      rt.observer.logger.removeKeys(['messageId']);
    }
  }
  return { batchItemFailures: failures };
}

async function requeued(rt: Runtime, body: string): Promise<boolean> {
  if (!rt.config.continuationQueueUrl) return false;
  try {
    await rt.requeue(body);
    rt.observer.count('MessagesRequeued');
    return true;
  } catch (error) {
    rt.observer.logger.warn('message not requeued; SQS brings it back', { error: (error as Error).message });
    return false;
  }
}

/**
 * Kinesis: cross-account session logs arrive through a CloudWatch Logs destination, each record's data the same
 * gzipped subscription payload as `awslogs.data`. A record that fails is reported so Lambda retries from it.
 */
async function kinesisBatch(records: Json[], rt: Runtime): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    const kinesis = isObject(record.kinesis) ? record.kinesis : {};
    const sequenceNumber = String(kinesis.sequenceNumber ?? '');
    try {
      await handleSubscription(kinesis.data, rt, sequenceNumber);
    } catch (error) {
      rt.observer.logger.error('record failed; it will be retried', { error: (error as Error).message });
      failures.push({ itemIdentifier: sequenceNumber });
      break; // Kinesis retries from the first failure: later records come again with it
    }
  }
  return { batchItemFailures: failures };
}

/** One object (or the next part of one); a read error is logged with what it means and thrown for a retry. */
async function readObject(
  ref: ObjectRef,
  rt: Runtime,
  remainingMs: () => number,
  recordId: unknown,
  continuation?: Continuation,
): Promise<void> {
  try {
    await handleObject(ref, rt, remainingMs, continuation);
  } catch (error) {
    const reason = error instanceof ObjectReadError ? error.reason : 'processing';
    if (error instanceof ObjectReadError) rt.observer.count('ObjectReadErrors');
    if (reason === 'kms') rt.observer.count('KmsAccessDenied');
    rt.observer.logger.error(
      reason === 'kms' ? 'transcript key refused: KMS permission problem' : 'object failed; it will be retried',
      { recordId: String(recordId ?? ''), key: ref.key, reason, error: (error as Error).message },
    );
    throw error;
  }
}

function jobsOf(body: string): { ref: ObjectRef; continuation?: Continuation }[] | Error {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return new Error('message body is not JSON');
  }
  if (!isObject(parsed)) return new Error('message body is not a JSON object');
  if ('sessionwatchContinuation' in parsed) {
    const c = parseContinuation(parsed.sessionwatchContinuation);
    return c ? [{ ref: c, continuation: c }] : new Error('malformed continuation message');
  }
  if (parsed.Event === 's3:TestEvent') return [];
  const records = Array.isArray(parsed.Records) ? parsed.Records.filter(isObject) : [];
  const fromRecords = records.map((r) => s3RecordToObject(r)).filter((r) => r?.type === 'object');
  const bridged = eventBridgeToObject(parsed);
  return [...fromRecords, ...(bridged?.type === 'object' ? [bridged] : [])].map((r) => ({
    ref: r as unknown as ObjectRef,
  }));
}

/**
 * The identity indexer: the CloudTrail event into the identity table and, for a StartSession, into the coverage
 * index of sessions to check; an SSH or port-forwarding session (never recorded) raises its alert right away.
 */
async function indexSession(event: Json, rt: Runtime): Promise<void> {
  const { result, alert } = await indexForCoverage(event, {
    identities: rt.identities,
    sessions: rt.coverage.sessions,
    config: rt.config.coverage,
  });
  if (result.status === 'rejected') {
    rt.observer.count('SessionEventsRejected');
    rt.observer.count('ParseErrors');
  } else if (result.status === 'ignored') rt.observer.count('SkippedRecords');
  else rt.observer.count('SessionEventsIndexed');
  rt.observer.logger.info('session event indexed', {
    eventId: typeof event.id === 'string' ? event.id : undefined,
    status: result.status,
    sessionId: result.sessionId ?? undefined,
    ...(result.error ? { reason: result.error } : {}),
  });
  if (alert) {
    const { fresh } = await rt.deliver([alert]);
    rt.observer.logger.info('unrecorded session', { sessionId: alert.sessionId, raised: fresh.length });
  }
}

/**
 * The time a scheduled invocation stands for, or null when the event is not one: an EventBridge rule's
 * `Scheduled Event` (its `time`), or an EventBridge Scheduler target input `{"sessionwatchTask":"coverage-check"}`
 * (with `"time": "<aws.scheduler.scheduled-time>"` when wanted). Never later than now.
 */
function scheduledTime(event: Json): number | null {
  const rule = event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event';
  const scheduler = event.sessionwatchTask === 'coverage-check';
  if (!rule && !scheduler) return null;
  const t = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isFinite(t) ? Math.min(t, Date.now()) : Date.now();
}

/** The scheduled coverage check: every open session judged at the scheduled time, each gap raised once. */
async function coverageCheck(at: number, rt: Runtime): Promise<void> {
  const report = await runCoverageCheck({
    clock: () => at,
    sessions: rt.coverage.sessions,
    identities: rt.identities,
    transcripts: rt.coverage.transcripts,
    raised: rt.coverage.raised,
    deliver: (alerts) => rt.deliver(alerts),
    config: rt.config.coverage,
    onError: (sessionId, error) => {
      rt.observer.count('CoverageErrors');
      rt.observer.logger.warn('coverage check of a session failed', { sessionId, error: (error as Error).message });
    },
  });
  rt.observer.count('CoverageSessionsChecked', report.checked);
  rt.observer.logger.info('coverage check', {
    at: report.now,
    checked: report.checked,
    raised: report.raised.length,
    alreadyRaised: report.alreadyRaised,
    settled: report.settled,
    unknown: report.unknown,
    errors: report.errors,
  });
}

function allowed(rt: Runtime, role: Exclude<FunctionRole, 'all'>): boolean {
  return rt.config.role === 'all' || rt.config.role === role;
}

function skip(rt: Runtime, reason: string): undefined {
  rt.observer.count('SkippedRecords');
  rt.observer.logger.warn('event skipped', { reason });
  return undefined;
}
