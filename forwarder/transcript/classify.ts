import { eventBridgeToObject, isObject, type Json, s3RecordToObject } from './envelopes.js';
import { DecodeError, type TranscriptEvent } from './events.js';
import {
  asSubscriptionPayload,
  decodeLogEvent,
  decodeSubscriptionData,
  type SubscriptionPayload,
} from './log-events.js';

export interface ClassifyContext {
  /** Where the value came from, for error messages. */
  where: string | null;
  /** The session of the previous CloudWatch event without one (end-of-session text names it once). */
  sessionId: string | null;
}

const MAX_NESTING = 4;

/**
 * Decodes one parsed JSON value of any input Session Manager logging produces or Lambda receives: subscription
 * events and payloads, CloudWatch event exports, streaming messages, S3 / SQS / SNS / EventBridge envelopes.
 */
export function classifyJson(value: unknown, context: ClassifyContext, depth = 0): TranscriptEvent[] {
  const err = (kind: DecodeError['kind'], message: string): TranscriptEvent[] => [
    { type: 'error', error: new DecodeError(kind, message, context.where) },
  ];
  if (depth > MAX_NESTING) return err('unsupported', 'envelopes nested too deep');
  if (Array.isArray(value)) return value.flatMap((v) => classifyJson(v, context, depth + 1));
  if (!isObject(value)) return err('not-a-transcript', 'a JSON value that is not an object');

  if (isObject(value.awslogs)) {
    const payload = decodeSubscriptionData(value.awslogs.data, context.where);
    return payload instanceof DecodeError ? [{ type: 'error', error: payload }] : fromPayload(payload, context);
  }
  if (typeof value.messageType === 'string') {
    const payload = asSubscriptionPayload(value, context.where);
    return payload instanceof DecodeError ? [{ type: 'error', error: payload }] : fromPayload(payload, context);
  }
  if (Array.isArray(value.Records)) return value.Records.flatMap((r) => fromRecord(r, context, depth));
  if (value.Event === 's3:TestEvent') return [];
  if (typeof value['detail-type'] === 'string') {
    const object = eventBridgeToObject(value);
    return object ? [object] : err('unsupported', `EventBridge event ${value['detail-type']} is not a transcript`);
  }
  if (value.Type === 'Notification' && typeof value.Message === 'string') {
    return parseNested(value.Message, context, depth);
  }
  if (Array.isArray(value.events)) return value.events.flatMap((e) => fromExportedEvent(e, context));
  if (typeof value.message === 'string') return fromExportedEvent(value, context);
  if (Array.isArray(value.sessionData)) {
    return decodeLogEvent({ timestamp: null, message: JSON.stringify(value) }, context);
  }
  return err('not-a-transcript', 'JSON that is no Session Manager log, subscription or S3 event');
}

function fromPayload(payload: SubscriptionPayload, context: ClassifyContext): TranscriptEvent[] {
  if (payload.messageType !== 'DATA_MESSAGE') return []; // CONTROL_MESSAGE only checks the destination
  const out: TranscriptEvent[] = [];
  for (const e of payload.logEvents) {
    if (!isObject(e)) continue;
    const events = decodeLogEvent(
      {
        id: typeof e.id === 'string' ? e.id : null,
        timestamp: typeof e.timestamp === 'number' ? e.timestamp : null,
        message: e.message as string,
        logStream: payload.logStream,
        owner: payload.owner,
      },
      context,
    );
    out.push(...events);
  }
  return out;
}

function fromExportedEvent(e: unknown, context: ClassifyContext): TranscriptEvent[] {
  if (!isObject(e) || typeof e.message !== 'string') {
    return [{ type: 'error', error: new DecodeError('not-a-transcript', 'event without a message', context.where) }];
  }
  const stream = typeof e.logStreamName === 'string' ? e.logStreamName : null;
  return decodeLogEvent(
    {
      id: typeof e.eventId === 'string' ? e.eventId : typeof e.id === 'string' ? e.id : null,
      timestamp: typeof e.timestamp === 'number' ? e.timestamp : null,
      message: e.message,
      logStream: stream,
    },
    context,
  );
}

function fromRecord(record: unknown, context: ClassifyContext, depth: number): TranscriptEvent[] {
  if (!isObject(record)) return [];
  const object = s3RecordToObject(record);
  if (object) return [object];
  if (record.eventSource === 'aws:s3') return []; // not an ObjectCreated event
  if (record.eventSource === 'aws:sqs' && typeof record.body === 'string') {
    return parseNested(record.body, { ...context, where: messageId(record) ?? context.where }, depth);
  }
  if (record.EventSource === 'aws:sns' && isObject(record.Sns) && typeof record.Sns.Message === 'string') {
    return parseNested(record.Sns.Message, context, depth);
  }
  return [
    { type: 'error', error: new DecodeError('unsupported', 'an event record of no known source', context.where) },
  ];
}

function parseNested(text: string, context: ClassifyContext, depth: number): TranscriptEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [{ type: 'error', error: new DecodeError('json', 'message body is not JSON', context.where) }];
  }
  return classifyJson(value, context, depth + 1);
}

function messageId(record: Json): string | null {
  return typeof record.messageId === 'string' ? `sqs:${record.messageId}` : null;
}
