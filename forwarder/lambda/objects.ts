import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SessionSnapshot } from '../../detectors/index.js';
import { sqsClient } from '../aws/clients.js';
import { TerminalSession, type TerminalSessionSnapshot } from '../commands/terminal-session.js';
import { readCommands } from '../sources/read-commands.js';
import type { ReplayedCommand } from '../stream/session-replay.js';
import { parseScriptHeader } from '../transcript/script-framing.js';
import { sessionIdFromName } from '../transcript/session-id.js';
import type { Runtime } from './runtime.js';

export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string | null;
}

/** Where a large object's reading stopped: the next invocation resumes there, with the saved reconstruction. */
export interface Continuation extends ObjectRef {
  offset: number;
  stateKey: string;
  part: number;
}

interface ContinuationState {
  reconstruction: TerminalSessionSnapshot;
  detector: SessionSnapshot | null;
}

export type ObjectOutcome = 'done' | 'continued' | 'skipped';

/** The agent names transcripts `<sessionId>.log`; anything else in the bucket is not read. */
const TRANSCRIPT_KEY = /\.log(?:\.gz)?$/;
const GZIP = [0x1f, 0x8b];

export class ObjectReadError extends Error {
  constructor(
    readonly reason: 'kms' | 'access' | 'missing' | 'read',
    message: string,
  ) {
    super(message);
    this.name = 'ObjectReadError';
  }
}

/**
 * Reads one transcript object as a stream and raises its alerts (the sinks' ledgers drop what the streaming path
 * already delivered: same ids). A plain `.log` that is too large for one invocation is continued: the rest goes to
 * the continuation queue with a byte offset and the reconstruction state.
 */
export async function handleObject(
  ref: ObjectRef,
  rt: Runtime,
  remainingMs: () => number,
  continuation?: Continuation,
): Promise<ObjectOutcome> {
  const { logger, count } = rt.observer;
  if (!continuation && !TRANSCRIPT_KEY.test(ref.key)) {
    count('SkippedRecords');
    logger.info('object is not a transcript', { key: ref.key });
    return 'skipped';
  }
  const body = await openObject(rt, ref, continuation?.offset ?? 0);
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  const rest = prepend(first.done ? null : first.value, iterator);
  count('ObjectsRead');
  if (!continuation && !first.done && first.value[0] === GZIP[0] && first.value[1] === GZIP[1]) {
    await readWhole(ref, rest, rt);
    return 'done';
  }
  return readResumable(ref, rest, rt, remainingMs, continuation);
}

/** gzip and JSON objects: decoded whole (gzip cannot be resumed at a byte offset). */
async function readWhole(ref: ObjectRef, body: AsyncIterable<Uint8Array>, rt: Runtime): Promise<void> {
  const commands: ReplayedCommand[] = [];
  const analyzers = new Map<string, ReturnType<Runtime['engine']['session']>>();
  await readCommands(
    (async function* () {
      yield { name: `s3://${ref.bucket}/${ref.key}`, open: () => body };
    })(),
    {
      record: (record, session) => {
        let a = analyzers.get(session.sessionId);
        if (!a) {
          a = rt.engine.session(contextOf(session));
          analyzers.set(session.sessionId, a);
        }
        commands.push({ record, session: { ...session }, detections: a.analyze(record), fresh: true });
      },
      problem: (e) => {
        rt.observer.count('ParseErrors');
        rt.observer.logger.warn('object decoding problem', { key: ref.key, kind: e.kind, reason: e.message });
      },
    },
    { objects: () => rt.objects },
  );
  await raise(commands, ref, rt);
}

async function readResumable(
  ref: ObjectRef,
  body: AsyncIterable<Uint8Array>,
  rt: Runtime,
  remainingMs: () => number,
  continuation: Continuation | undefined,
): Promise<ObjectOutcome> {
  const saved = continuation
    ? ((await rt.states.get(continuation.stateKey))?.item as unknown as ContinuationState | undefined)
    : undefined;
  if (continuation && !saved) throw new Error(`continuation state ${continuation.stateKey} is missing`);
  const decoder = new TextDecoder('utf-8');
  const commands: ReplayedCommand[] = [];
  let session: TerminalSession | null = null;
  let analyzer: ReturnType<Runtime['engine']['session']> | null = null;
  const emit: ConstructorParameters<typeof TerminalSession>[2] = (record, info) => {
    analyzer ??= rt.engine.session(contextOf(info), saved?.detector ?? undefined);
    commands.push({ record, session: { ...info }, detections: analyzer.analyze(record), fresh: true });
  };
  if (saved)
    session = new TerminalSession(saved.reconstruction.info.sessionId, 's3', emit, undefined, saved.reconstruction);
  let head = '';
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    if (!session) {
      head += text;
      if (!head.includes('\n') && head.length < 8192) continue;
      const header = parseScriptHeader(head.slice(0, head.indexOf('\n') >>> 0));
      session = new TerminalSession(header?.sessionId ?? sessionIdFromName(ref.key) ?? ref.key, 's3', emit);
      session.push(head, null);
      head = '';
    } else {
      session.push(text, null);
    }
    if (read >= rt.config.maxObjectBytesPerInvocation || remainingMs() < rt.config.timeGuardMs) {
      const offset = (continuation?.offset ?? 0) + read - incompleteUtf8Tail(chunk);
      await handOver(ref, rt, session, analyzer, offset, (continuation?.part ?? 0) + 1);
      rt.observer.count('ObjectBytes', read);
      await raise(commands, ref, rt);
      return 'continued';
    }
  }
  if (!session) session = new TerminalSession(sessionIdFromName(ref.key) ?? ref.key, 's3', emit);
  session.push(head + decoder.decode(), null);
  session.end();
  rt.observer.count('ObjectBytes', read);
  rt.observer.count('Sessions');
  await raise(commands, ref, rt);
  return 'done';
}

async function handOver(
  ref: ObjectRef,
  rt: Runtime,
  session: TerminalSession,
  analyzer: ReturnType<Runtime['engine']['session']> | null,
  offset: number,
  part: number,
): Promise<void> {
  if (!rt.config.continuationQueueUrl) throw new Error('object too large for one invocation and no continuation queue');
  const stateKey = `continuation#${ref.bucket}/${ref.key}#${ref.versionId ?? ''}#${part}`;
  const state: ContinuationState = { reconstruction: session.snapshot(), detector: analyzer?.snapshot() ?? null };
  // the continuation state has the store's shape so the same table and TTL keep it
  await rt.states.put(stateKey, state as never, null);
  const message: Continuation = { ...ref, offset, stateKey, part };
  await rt.continueLater(message);
  rt.observer.count('Continuations');
  rt.observer.logger.info('object continued in a new invocation', { key: ref.key, offset, part });
}

/** Alerts for the object's commands; the sinks' ledgers drop those the stream already delivered. */
async function raise(commands: ReplayedCommand[], ref: ObjectRef, rt: Runtime): Promise<void> {
  rt.observer.count('Commands', commands.length);
  const alerts = await rt.alertsFor(commands, { bucket: ref.bucket, key: ref.key });
  for (const a of alerts) rt.observer.alerts(a.severity, 1);
  await rt.deliver(alerts);
}

async function openObject(rt: Runtime, ref: ObjectRef, offset: number): Promise<AsyncIterable<Uint8Array>> {
  try {
    return await rt.objects.get(ref.bucket, ref.key, { offset, versionId: ref.versionId ?? undefined });
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    const message = (error as Error).message;
    if (/kms/i.test(name) || /kms/i.test(message)) {
      throw new ObjectReadError(
        'kms',
        `s3://${ref.bucket}/${ref.key}: KMS refused to decrypt (kms:Decrypt on the transcript key?): ${message}`,
      );
    }
    if (name === 'AccessDenied')
      throw new ObjectReadError('access', `s3://${ref.bucket}/${ref.key}: access denied: ${message}`);
    if (name === 'NoSuchKey') throw new ObjectReadError('missing', `s3://${ref.bucket}/${ref.key}: no such object`);
    throw new ObjectReadError('read', `s3://${ref.bucket}/${ref.key}: ${message}`);
  }
}

/** Bytes at the end of a chunk that start a UTF-8 character the chunk does not finish. */
export function incompleteUtf8Tail(chunk: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const b = chunk[chunk.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

async function* prepend(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (first) yield first;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

function contextOf(info: {
  sessionId: string;
  instanceId: string | null;
  account: string | null;
  principalArn: string | null;
}) {
  return {
    sessionId: info.sessionId,
    instanceId: info.instanceId,
    account: info.account,
    principalArn: info.principalArn,
  };
}

export async function sendContinuation(queueUrl: string, message: Continuation): Promise<void> {
  await sqsClient().send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ sessionwatchContinuation: message }) }),
  );
}
