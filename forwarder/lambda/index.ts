import type { Context } from 'aws-lambda';
import { indexSessionEvent } from '../identity/index-event.js';
import { eventBridgeToObject, isObject, type Json, s3RecordToObject } from '../transcript/envelopes.js';
import { loadConfig } from './config.js';
import { type Continuation, handleObject, type ObjectRef } from './objects.js';
import { createObserver } from './observe.js';
import { createRuntime, type Runtime } from './runtime.js';
import { handleSubscription } from './subscription.js';

// Configuration is checked at cold start: a bad variable fails every invocation with one clear message.
const config = loadConfig(process.env);
const observer = createObserver(process.env);
let runtime: Promise<Runtime> | null = null;

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * One entry point for every event the pipeline receives, told apart by shape: CloudWatch Logs subscriptions,
 * S3 object events (direct, through SQS, through EventBridge), continuation messages, CloudTrail session events.
 */
export async function handler(event: unknown, context?: Partial<Context>): Promise<SqsBatchResponse | undefined> {
  runtime ??= createRuntime(config, observer, process.env).catch((e) => {
    runtime = null; // a failed start (S3 rule source unreachable) is retried by the next invocation
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
    const records = event.Records.filter(isObject);
    if (records.some((r) => r.eventSource === 'aws:sqs')) return sqsBatch(records, rt, remainingMs);
    if (records.some((r) => r.eventSource === 'aws:kinesis')) return kinesisBatch(records, rt);
    for (const r of records) {
      const ref = s3RecordToObject(r);
      if (ref?.type === 'object') await handleObject(ref, rt, remainingMs);
      else rt.observer.count('SkippedRecords');
    }
    return undefined;
  }
  if (event['detail-type'] === 'AWS API Call via CloudTrail') {
    if (!allowed(rt, 'identity')) return skip(rt, 'role');
    const result = await indexSessionEvent(event, rt.identities);
    rt.observer.logger.info('session event indexed', {
      status: result.status,
      sessionId: 'sessionId' in result ? result.sessionId : undefined,
    });
    return undefined;
  }
  if (event['detail-type'] === 'Object Created') {
    const ref = eventBridgeToObject(event);
    if (ref?.type === 'object') await handleObject(ref, rt, remainingMs);
    return undefined;
  }
  return skip(rt, 'unrecognised event');
}

/**
 * SQS: S3 notifications, or continuation messages. Each message succeeds or fails alone (partial batch failure);
 * a message that keeps failing reaches the queue's dead-letter queue after maxReceiveCount.
 */
async function sqsBatch(records: Json[], rt: Runtime, remainingMs: () => number): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    const id = String(record.messageId ?? '');
    rt.observer.logger.appendKeys({ messageId: id });
    try {
      for (const job of jobsOf(String(record.body ?? ''))) {
        await handleObject(job.ref, rt, remainingMs, job.continuation);
      }
    } catch (error) {
      rt.observer.logger.error('message failed; it will be retried', { error: (error as Error).message });
      failures.push({ itemIdentifier: id });
    } finally {
      rt.observer.logger.removeKeys(['messageId']);
    }
  }
  return { batchItemFailures: failures };
}

/**
 * Kinesis: cross-account session logs arrive through a CloudWatch Logs destination, each record's data the same
 * gzipped subscription payload as `awslogs.data`. A record that fails is reported so Lambda retries from it.
 */
async function kinesisBatch(records: Json[], rt: Runtime): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    const kinesis = isObject(record.kinesis) ? record.kinesis : {};
    try {
      await handleSubscription(kinesis.data, rt);
    } catch (error) {
      rt.observer.logger.error('record failed; it will be retried', { error: (error as Error).message });
      failures.push({ itemIdentifier: String(kinesis.sequenceNumber ?? '') });
      break; // Kinesis retries from the first failure: later records come again with it
    }
  }
  return { batchItemFailures: failures };
}

function jobsOf(body: string): { ref: ObjectRef; continuation?: Continuation }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  if (!isObject(parsed)) return [];
  if (isObject(parsed.sessionwatchContinuation)) {
    const c = parsed.sessionwatchContinuation as unknown as Continuation;
    return [{ ref: c, continuation: c }];
  }
  if (parsed.Event === 's3:TestEvent') return [];
  const records = Array.isArray(parsed.Records) ? parsed.Records.filter(isObject) : [];
  const fromRecords = records.map((r) => s3RecordToObject(r)).filter((r) => r?.type === 'object');
  const bridged = eventBridgeToObject(parsed);
  return [...fromRecords, ...(bridged?.type === 'object' ? [bridged] : [])].map((r) => ({
    ref: r as unknown as ObjectRef,
  }));
}

function allowed(rt: Runtime, role: 'transcripts' | 'identity'): boolean {
  return rt.config.role === 'all' || rt.config.role === role;
}

function skip(rt: Runtime, reason: string): undefined {
  rt.observer.count('SkippedRecords');
  rt.observer.logger.warn('event skipped', { reason });
  return undefined;
}
