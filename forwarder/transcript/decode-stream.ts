import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { TranscriptSource } from '../commands/record.js';
import { classifyJson } from './classify.js';
import { DecodeError, type TranscriptEvent } from './events.js';
import { JsonValueSplitter } from './json-values.js';
import { parseScriptHeader } from './script-framing.js';
import { sessionIdFromName } from './session-id.js';
import { Utf8Decoder } from './utf8-decoder.js';

export interface DecodeOptions {
  /** File name or S3 key: used in messages, and for the session id when the content has none. */
  name?: string | null;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/** Decodes the first bytes to tell the format; without `stream` each call stands alone, so one serves every input. */
const SNIFF_DECODER = new TextDecoder();
const SNIFF_BYTES = 64;
const MAX_HEADER_LINE = 8192;
/** A JSON Lines record longer than this is an error of its own (a CloudWatch event is at most 256 KB). */
const MAX_JSON_LINE = 16 * 1024 * 1024;

/**
 * Decodes any transcript input, recognised from its content, never its name: the S3 `.log` object (or the agent's
 * raw ipcTempFile), CloudWatch event exports, subscription payloads, S3/SQS/EventBridge events, any of them gzipped.
 * Streams: memory stays bounded by the largest single JSON value, whatever the input size.
 */
export async function* decodeStream(
  chunks: AsyncIterable<Uint8Array>,
  options: DecodeOptions = {},
): AsyncGenerator<TranscriptEvent> {
  const where = options.name ?? null;
  const input = new Peekable(chunks);
  try {
    const head = await input.peek(2);
    const gzipped = head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    const bytes = gzipped ? gunzip(input) : input;
    yield* decodeText(bytes, where, options);
  } catch (e) {
    const gzip = (e as { code?: string }).code?.startsWith('Z_') ?? false;
    const message = gzip ? `corrupt gzip (${(e as Error).message})` : `cannot read: ${(e as Error).message}`;
    yield { type: 'error', error: new DecodeError(gzip ? 'gzip' : 'read', message, where) };
  }
}

async function* decodeText(
  bytes: AsyncIterable<Uint8Array>,
  where: string | null,
  options: DecodeOptions,
): AsyncGenerator<TranscriptEvent> {
  const input = bytes instanceof Peekable ? bytes : new Peekable(bytes);
  const head = SNIFF_DECODER.decode(await input.peek(SNIFF_BYTES))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('{') || head.startsWith('[')) yield* decodeJson(input, where);
  else yield* decodeTerminal(input, where, options);
}

/** The S3 object (`script` header, terminal bytes, footer) or a raw terminal capture. */
async function* decodeTerminal(
  input: AsyncIterable<Uint8Array>,
  where: string | null,
  options: DecodeOptions,
): AsyncGenerator<TranscriptEvent> {
  const utf8 = new Utf8Text(where);
  let sessionId: string | null = null;
  let source: TranscriptSource = 'raw';
  let head = '';
  for await (const chunk of input) {
    let text = utf8.decode(chunk);
    if (utf8.error) yield { type: 'error', error: utf8.takeError()! };
    if (sessionId === null) {
      // the header names the session: wait for its whole line
      head += text;
      if (!head.includes('\n') && head.length < MAX_HEADER_LINE) continue;
      const header = head.startsWith('Script started on') ? parseScriptHeader(head.slice(0, lineEnd(head))) : null;
      if (header) source = 's3';
      sessionId = header?.sessionId ?? sessionIdFromName(options.name ?? '') ?? 'unknown-session';
      yield { type: 'session', sessionId, source, info: {} };
      text = head;
      head = '';
    }
    if (text) yield { type: 'terminal', sessionId, source, text, time: null };
  }
  const rest = head + utf8.end();
  if (sessionId === null) {
    if (!rest) return;
    sessionId = sessionIdFromName(options.name ?? '') ?? 'unknown-session';
    yield { type: 'session', sessionId, source, info: {} };
  }
  if (rest) yield { type: 'terminal', sessionId, source, text: rest, time: null };
  yield { type: 'end', sessionId, source };
}

/**
 * JSON Lines (each line a value: a broken line costs only itself), or arrays and pretty-printed documents (split
 * by the value scanner). Every session seen ends with the input.
 */
async function* decodeJson(input: AsyncIterable<Uint8Array>, where: string | null): AsyncGenerator<TranscriptEvent> {
  const utf8 = new Utf8Text(where);
  const context = { where, sessionId: sessionIdFromName(where ?? '') };
  const ended = new Map<string, TranscriptSource>();
  const classify = function* (values: (string | DecodeError)[]): Generator<TranscriptEvent> {
    for (const v of values) {
      if (v instanceof DecodeError) {
        yield { type: 'error', error: v };
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        yield { type: 'error', error: new DecodeError('json', `not JSON: ${JSON.stringify(v.slice(0, 60))}`, where) };
        continue;
      }
      for (const event of classifyJson(parsed, context)) {
        if (event.type === 'terminal') ended.set(event.sessionId, event.source);
        if (event.type === 'stream-lines') ended.set(event.sessionId, 'cloudwatch-stream');
        yield event;
      }
    }
  };
  let splitter: { push(text: string): (string | DecodeError)[]; end(): (string | DecodeError)[] } | null = null;
  let head = '';
  for await (const chunk of input) {
    const text = utf8.decode(chunk);
    if (utf8.error) yield { type: 'error', error: utf8.takeError()! };
    if (!splitter) {
      // head holds no newline yet: only the new text is searched (a first line can be megabytes)
      const newline = text.indexOf('\n');
      const nl = newline < 0 ? -1 : head.length + newline;
      head += text;
      if (nl < 0 && head.length < MAX_JSON_LINE) continue;
      splitter = isJsonValue(head.slice(0, nl < 0 ? head.length : nl))
        ? new JsonLines(where)
        : new JsonValueSplitter(where);
      yield* classify(splitter.push(head));
      head = '';
    } else {
      yield* classify(splitter.push(text));
    }
  }
  splitter ??= new JsonValueSplitter(where);
  yield* classify(splitter.push(head + utf8.end()));
  yield* classify(splitter.end());
  for (const [sessionId, source] of ended) yield { type: 'end', sessionId, source };
}

function isJsonValue(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith('{')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/** One JSON value a line; blank lines skipped; a line over the cap is an error and is skipped. */
class JsonLines {
  private partial = '';
  private skipping = false;

  constructor(private readonly where: string | null) {}

  push(text: string): (string | DecodeError)[] {
    const out: (string | DecodeError)[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.take(this.partial + text.slice(start, nl), out);
      this.partial = '';
      start = nl + 1;
    }
    this.partial += text.slice(start);
    if (this.partial.length > MAX_JSON_LINE) {
      if (!this.skipping)
        out.push(new DecodeError('too-large', `a line longer than ${MAX_JSON_LINE} characters`, this.where));
      this.skipping = true;
      this.partial = '';
    }
    return out;
  }

  end(): (string | DecodeError)[] {
    const out: (string | DecodeError)[] = [];
    this.take(this.partial, out);
    this.partial = '';
    return out;
  }

  private take(line: string, out: (string | DecodeError)[]): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (line.trim() !== '') out.push(line);
  }
}

function lineEnd(text: string): number {
  const nl = text.indexOf('\n');
  return nl < 0 ? text.length : nl;
}

function gunzip(input: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return Readable.from(input).pipe(createGunzip());
}

/**
 * Streaming UTF-8 decoding. Invalid sequences become U+FFFD (binary printed to a terminal is normal) and are
 * reported once per input, told apart from a U+FFFD that was really in the bytes.
 */
class Utf8Text {
  private readonly decoder = new Utf8Decoder();
  private reported = false;
  error: DecodeError | null = null;

  constructor(private readonly where: string | null) {}

  decode(chunk: Uint8Array): string {
    const text = this.decoder.decode(chunk);
    if (!this.reported && text.includes('\uFFFD') && countChar(text, '\uFFFD') > countReplacementBytes(chunk)) {
      this.reported = true;
      this.error = new DecodeError('utf8', 'invalid UTF-8 (shown as U+FFFD)', this.where);
    }
    return text;
  }

  end(): string {
    return this.decoder.end();
  }

  takeError(): DecodeError | null {
    const e = this.error;
    this.error = null;
    return e;
  }
}

function countChar(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++;
  return n;
}

function countReplacementBytes(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(0xef); i >= 0 && i + 2 < b.length; i = b.indexOf(0xef, i + 1)) {
    if (b[i + 1] === 0xbf && b[i + 2] === 0xbd) n++;
  }
  return n;
}

/** An async byte iterable that can show its first bytes before they are consumed. */
class Peekable implements AsyncIterable<Uint8Array> {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly buffered: Uint8Array[] = [];
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async peek(n: number): Promise<Uint8Array> {
    let have = this.buffered.reduce((s, b) => s + b.length, 0);
    while (have < n && !this.done) {
      const r = await this.iterator.next();
      if (r.done) this.done = true;
      else {
        this.buffered.push(r.value);
        have += r.value.length;
      }
    }
    return Buffer.concat(this.buffered).subarray(0, n);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (this.buffered.length > 0) yield this.buffered.shift()!;
    while (!this.done) {
      const r = await this.iterator.next();
      if (r.done) this.done = true;
      else yield r.value;
    }
  }
}
