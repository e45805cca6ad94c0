import type { Engine, SessionSnapshot } from '../../detectors/index.js';
import { awsErrorName, sdk, sqsClient } from '../aws/clients.js';
import { TerminalSession, type TerminalSessionSnapshot } from '../commands/terminal-session.js';
import { observeSession, type TranscriptObservation } from '../session-coverage/index.js';
import { readCommands } from '../sources/read-commands.js';
import type { ReplayedCommand } from '../stream/session-replay.js';
import { isObject } from '../transcript/envelopes.js';
import { parseScriptHeader } from '../transcript/script-framing.js';
import { sessionIdFromName } from '../transcript/session-id.js';
import { Utf8Decoder } from '../transcript/utf8-decoder.js';
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
const JSON_START = new Set([0x7b, 0x5b]); // `{`, `[`: a CloudWatch export or event file, not `script` output

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
 * Reads one transcript object as a stream and raises the alerts no sink has yet (those the streaming path missed:
 * same ids, checked against the delivery ledger). A plain `.log` that is too large for one invocation is continued:
 * the rest goes to the continuation queue with a byte offset and the reconstruction state.
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
  const sessionId = sessionIdFromName(ref.key);
  if (sessionId) logger.appendKeys({ sessionId });
  try {
    return await readTranscript(ref, rt, remainingMs, continuation);
  } finally {
    logger.removeKeys(['sessionId']);
  }
}

async function readTranscript(
  ref: ObjectRef,
  rt: Runtime,
  remainingMs: () => number,
  continuation: Continuation | undefined,
): Promise<ObjectOutcome> {
  const body = await openObject(rt, ref, continuation?.offset ?? 0);
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  const rest = prepend(first.done ? null : first.value, iterator);
  rt.observer.count('ObjectsRead');
  const head = first.done ? null : first.value;
  if (!continuation && head && ((head[0] === GZIP[0] && head[1] === GZIP[1]) || JSON_START.has(head[0]!))) {
    await readWhole(ref, rest, rt);
    return 'done';
  }
  return readResumable(ref, rest, rt, remainingMs, continuation);
}

/** gzip and JSON objects: decoded whole (neither can be resumed at a byte offset). */
async function readWhole(ref: ObjectRef, body: AsyncIterable<Uint8Array>, rt: Runtime): Promise<void> {
  const commands: ReplayedCommand[] = [];
  const seen: { sessionId: string; observation: TranscriptObservation }[] = [];
  const now = new Date().toISOString();
  const analyzers = new Map<string, ReturnType<Engine['session']>>();
  const engine = await rt.engine();
  await readCommands(
    (async function* () {
      yield { name: `s3://${ref.bucket}/${ref.key}`, open: () => body };
    })(),
    {
      record: (record, session) => {
        let a = analyzers.get(session.sessionId);
        if (!a) {
          a = engine.session(contextOf(session));
          analyzers.set(session.sessionId, a);
        }
        commands.push({ record, session: { ...session }, detections: a.analyze(record), fresh: true });
      },
      sessionEnd: (session) => {
        rt.observer.count('Sessions');
        for (const observation of observeSession(session, now))
          seen.push({ sessionId: session.sessionId, observation });
      },
      problem: (e) => {
        rt.observer.count('ParseErrors');
        rt.observer.logger.warn('object decoding problem', { key: ref.key, kind: e.kind, reason: e.message });
      },
    },
    { objects: () => rt.objects },
  );
  await raise(commands, ref, rt);
  await rt.noteTranscripts(seen);
}

async function readResumable(
  ref: ObjectRef,
  body: AsyncIterable<Uint8Array>,
  rt: Runtime,
  remainingMs: () => number,
  continuation: Continuation | undefined,
): Promise<ObjectOutcome> {
  const saved = continuation
    ? ((await rt.states.getValue(continuation.stateKey)) as ContinuationState | null)
    : undefined;
  if (continuation && !saved) throw new Error(`continuation state ${continuation.stateKey} is missing`);
  const engine = await rt.engine();
  const budget = rt.config.maxObjectBytesPerInvocation;
  const start = continuation?.offset ?? 0;
  const decoder = new Utf8Decoder(start === 0);
  const commands: ReplayedCommand[] = [];
  let analyzer: ReturnType<Engine['session']> | null = null;
  const emit: ConstructorParameters<typeof TerminalSession>[2] = (record, info) => {
    analyzer ??= engine.session(contextOf(info), saved?.detector ?? undefined);
    commands.push({ record, session: { ...info }, detections: analyzer.analyze(record), fresh: true });
  };
  let session: TerminalSession | null = saved
    ? new TerminalSession(saved.reconstruction.info.sessionId, 's3', emit, undefined, saved.reconstruction)
    : null;
  // The header line names the session; text before the session exists waits in `head`.
  let head = '';
  const sessionOf = (): TerminalSession => {
    if (!session) {
      const header = parseScriptHeader(head.slice(0, head.indexOf('\n') >>> 0));
      session = new TerminalSession(header?.sessionId ?? sessionIdFromName(ref.key) ?? ref.key, 's3', emit);
      session.push(head, null);
      head = '';
    }
    return session;
  };
  const push = (text: string) => {
    if (session) session.push(text, null);
    else {
      head += text;
      if (head.includes('\n') || head.length >= 8192) sessionOf();
    }
  };

  // Limits are checked with a chunk in hand, so a hand-over always leaves bytes for the next part to read.
  let read = 0;
  let recent = new Uint8Array(0); // the last bytes read: a character they leave open is read again by the next part
  for await (const chunk of body) {
    const outOfTime = read > 0 && remainingMs() < rt.config.timeGuardMs;
    const room = budget - read;
    const piece = outOfTime
      ? chunk.subarray(0, 0)
      : chunk.length > room
        ? chunk.subarray(0, cutAt(chunk, room, read))
        : chunk;
    read += piece.length;
    recent = Buffer.concat([recent, piece.subarray(-4)]).subarray(-4); // not the whole piece copied
    push(decoder.decode(piece));
    if (piece.length < chunk.length) {
      const offset = start + read - incompleteUtf8Tail(recent);
      rt.observer.count('ObjectBytes', read);
      await raise(commands, ref, rt);
      await handOver(ref, rt, sessionOf(), analyzer, offset, (continuation?.part ?? 0) + 1);
      return 'continued';
    }
  }
  push(decoder.end());
  const done = sessionOf();
  done.end();
  rt.observer.count('ObjectBytes', read);
  rt.observer.count('Sessions');
  await raise(commands, ref, rt);
  const now = new Date().toISOString();
  await rt.noteTranscripts(
    observeSession(done.info, now).map((observation) => ({ sessionId: done.info.sessionId, observation })),
  );
  return 'done';
}

/**
 * Where to cut a chunk so that this invocation reads at most `room` more bytes, at a character boundary. A part
 * always moves forward: when nothing was read yet and the room ends inside the first character, the cut is after it.
 */
function cutAt(chunk: Uint8Array, room: number, alreadyRead: number): number {
  const cut = Math.max(0, room) - incompleteUtf8Tail(chunk.subarray(0, Math.max(0, room)));
  if (cut > 0 || alreadyRead > 0) return cut;
  return Math.min(chunk.length, 4);
}

async function handOver(
  ref: ObjectRef,
  rt: Runtime,
  session: TerminalSession,
  analyzer: { snapshot(): SessionSnapshot } | null,
  offset: number,
  part: number,
): Promise<void> {
  if (!rt.config.continuationQueueUrl) throw new Error('object too large for one invocation and no continuation queue');
  const stateKey = `continuation#${ref.bucket}/${ref.key}#${ref.versionId ?? ''}#${part}`;
  const state: ContinuationState = { reconstruction: session.snapshot(), detector: analyzer?.snapshot() ?? null };
  await rt.states.putOnce(stateKey, state);
  const message: Continuation = { ...ref, offset, stateKey, part };
  await rt.continueLater(message);
  rt.observer.count('Continuations');
  rt.observer.logger.info('object continued in a new invocation', { key: ref.key, offset, part });
}

/** Alerts for the object's commands; the delivery keeps only those no sink has (the stream raised the others). */
async function raise(commands: ReplayedCommand[], ref: ObjectRef, rt: Runtime): Promise<void> {
  rt.observer.count('Commands', commands.length);
  const alerts = await rt.alertsFor(commands, { bucket: ref.bucket, key: ref.key });
  const { fresh } = await rt.deliver(alerts);
  if (alerts.length > 0)
    rt.observer.logger.info('object alerts', { key: ref.key, alerts: alerts.length, raised: fresh.length });
}

async function openObject(rt: Runtime, ref: ObjectRef, offset: number): Promise<AsyncIterable<Uint8Array>> {
  try {
    return await rt.objects.get(ref.bucket, ref.key, { offset, versionId: ref.versionId ?? undefined });
  } catch (error) {
    throw objectReadError(ref, error);
  }
}

/**
 * S3 answers a GetObject of an SSE-KMS object the caller may not decrypt with `AccessDenied` whose message names
 * `kms:Decrypt` (or a `KMS.*` code when the key is disabled or gone): that is a key-policy problem, not a bucket one.
 */
export function objectReadError(ref: ObjectRef, error: unknown): ObjectReadError {
  const name = awsErrorName(error) ?? '';
  const message = (error as Error).message ?? String(error);
  const where = `s3://${ref.bucket}/${ref.key}`;
  if (/^KMS\./i.test(name) || /\bkms:/i.test(message))
    return new ObjectReadError(
      'kms',
      `${where}: KMS refused to decrypt the object: grant kms:Decrypt on the transcript key to this function's role (${name}: ${message})`,
    );
  if (name === 'AccessDenied') return new ObjectReadError('access', `${where}: access denied: ${message}`);
  if (name === 'NoSuchKey' || name === 'NotFound') return new ObjectReadError('missing', `${where}: no such object`);
  return new ObjectReadError('read', `${where}: ${message}`);
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
  try {
    if (first) yield first;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return?.(); // a part handed over early releases the connection
  }
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

/** A continuation message's payload, checked: a malformed one is bad input, not a reason to retry. */
export function parseContinuation(value: unknown): Continuation | null {
  if (!isObject(value)) return null;
  const { bucket, key, versionId, offset, stateKey, part } = value;
  if (typeof bucket !== 'string' || typeof key !== 'string' || typeof stateKey !== 'string') return null;
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || !Number.isSafeInteger(part)) return null;
  if (versionId !== undefined && versionId !== null && typeof versionId !== 'string') return null;
  return { bucket, key, versionId: versionId ?? null, offset: offset as number, stateKey, part: part as number };
}

export async function sendContinuation(queueUrl: string, message: Continuation): Promise<void> {
  await sendMessage(queueUrl, JSON.stringify({ sessionwatchContinuation: message }));
}

export async function sendMessage(queueUrl: string, body: string): Promise<void> {
  const { SendMessageCommand } = await sdk.sqs();
  await sqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}
