import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import type { TranscriptEvent } from './events.js';
import { DecodeError } from './events.js';
import { parseScriptHeader } from './script-framing.js';

/** A CloudWatch Logs event as Lambda (subscription) or an export gives it. */
export interface LogEvent {
  id?: string | null;
  timestamp: number | null;
  message: string;
  /** The log stream: the session id. */
  logStream?: string | null;
  owner?: string | null;
}

export interface SubscriptionPayload {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  logEvents: { id: string; timestamp: number; message: string }[];
  /**
   * Set when the gzip held bytes that are not UTF-8 (decoded as U+FFFD). CloudWatch Logs writes valid UTF-8, so they
   * mean a corrupt or forged record; the agent writes U+FFFD itself too, so a U+FFFD alone proves nothing.
   */
  invalidUtf8?: true;
}

/** Bytes that base64 text of this length decodes to, its `=` padding (at most two) taken off. */
function base64Bytes(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}
const MAX_PAYLOAD = 64 * 1024 * 1024;

/** `awslogs.data`: base64 of gzip of the JSON payload. Control messages are returned too (the caller skips them). */
export function decodeSubscriptionData(data: unknown, where: string | null): SubscriptionPayload | DecodeError {
  const gzipped = typeof data === 'string' && data.length % 4 === 0 ? Buffer.from(data, 'base64') : null;
  // Node skips characters outside the alphabet: any there makes the bytes fewer than the length promises
  if (!gzipped || gzipped.length !== base64Bytes(data as string)) {
    return new DecodeError('base64', 'awslogs.data is not base64', where);
  }
  let bytes: Buffer;
  try {
    bytes = gunzipSync(gzipped, { maxOutputLength: MAX_PAYLOAD });
  } catch (e) {
    return new DecodeError('gzip', `awslogs.data does not gunzip: ${(e as Error).message}`, where);
  }
  const json = bytes.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    return new DecodeError('json', 'awslogs.data holds no JSON', where);
  }
  const decoded = asSubscriptionPayload(payload, where);
  // clean deliveries hold no U+FFFD, so they never pay for the byte check
  if (!(decoded instanceof DecodeError) && json.includes('\uFFFD') && !isUtf8(bytes)) decoded.invalidUtf8 = true;
  return decoded;
}

export function asSubscriptionPayload(payload: unknown, where: string | null): SubscriptionPayload | DecodeError {
  const p = payload as Partial<SubscriptionPayload> | null;
  if (!p || typeof p.messageType !== 'string') {
    return new DecodeError('not-a-transcript', 'not a CloudWatch Logs subscription payload', where);
  }
  if (p.messageType === 'DATA_MESSAGE' && !Array.isArray(p.logEvents)) {
    return new DecodeError('json', 'subscription payload without logEvents', where);
  }
  return p as SubscriptionPayload;
}

/** The streaming format's message: one JSON object per log event. */
interface StreamMessage {
  eventTime?: string;
  awsRegion?: string;
  target?: { id?: string };
  userIdentity?: { arn?: string };
  runAsUser?: string;
  sessionId?: string;
  sessionData?: unknown;
}

/**
 * One log event of a Session Manager log group. Streaming sessions put a JSON object in each message;
 * end-of-session uploads put the `script` text, cut on line boundaries. A log group can hold both: decided per event.
 * `context.sessionId` carries the session of earlier events (end-of-session text names it only in its header).
 */
export function decodeLogEvent(event: LogEvent, context: { sessionId: string | null }): TranscriptEvent[] {
  const where = event.id ?? null;
  const message = event.message;
  if (typeof message !== 'string') {
    return [{ type: 'error', error: new DecodeError('json', 'log event without a message', where) }];
  }
  if (message.startsWith('{') && message.includes('"sessionData"')) {
    let parsed: StreamMessage;
    try {
      parsed = JSON.parse(message) as StreamMessage;
    } catch {
      return [{ type: 'error', error: new DecodeError('json', 'streaming event message is not valid JSON', where) }];
    }
    return decodeStreamMessage(parsed, event, context);
  }
  if (message.startsWith('Script started on')) {
    const header = parseScriptHeader(message.slice(0, message.indexOf('\n') >>> 0));
    if (header?.sessionId) context.sessionId = header.sessionId;
  }
  const sessionId = event.logStream ?? context.sessionId;
  if (!sessionId) {
    return [{ type: 'error', error: new DecodeError('not-a-transcript', 'log event of no known session', where) }];
  }
  context.sessionId = sessionId;
  const out: TranscriptEvent[] = [];
  if (event.owner) out.push({ type: 'session', sessionId, source: 'cloudwatch', info: { account: event.owner } });
  out.push({ type: 'terminal', sessionId, source: 'cloudwatch', text: message, time: event.timestamp });
  return out;
}

function decodeStreamMessage(
  m: StreamMessage,
  event: LogEvent,
  context: { sessionId: string | null },
): TranscriptEvent[] {
  const where = event.id ?? null;
  const sessionId = m.sessionId ?? event.logStream ?? context.sessionId;
  if (typeof sessionId !== 'string' || !Array.isArray(m.sessionData)) {
    return [
      { type: 'error', error: new DecodeError('not-a-transcript', 'not a Session Manager streaming event', where) },
    ];
  }
  context.sessionId = sessionId;
  const lines = m.sessionData.map((l) => (typeof l === 'string' ? l : String(l)));
  const eventTime = m.eventTime ? Date.parse(m.eventTime) : Number.NaN;
  const time = event.timestamp ?? (Number.isNaN(eventTime) ? null : eventTime);
  return [
    {
      type: 'session',
      sessionId,
      source: 'cloudwatch-stream',
      info: {
        instanceId: m.target?.id ?? null,
        principalArn: m.userIdentity?.arn ?? null,
        runAsUser: m.runAsUser ?? null,
        region: m.awsRegion ?? null,
        ...(event.owner ? { account: event.owner } : {}),
      },
    },
    { type: 'stream-lines', sessionId, lines, time, eventId: event.id ?? null, endsMidLine: endsMidLine(lines) },
  ];
}

/**
 * The agent reads lines into a buffer of its event size (33,000 bytes, 200,000 before 3.1.1856); a longer line comes
 * in buffer-sized pieces, each alone in its event. An event of one line that fills the buffer probably ends mid-line.
 */
const AGENT_BUFFERS = [33_000, 200_000];
const FILL = 0.97;

function endsMidLine(lines: string[]): boolean {
  if (lines.length !== 1) return false;
  const bytes = Buffer.byteLength(lines[0]!);
  return AGENT_BUFFERS.some((size) => bytes >= size * FILL && bytes <= size);
}
