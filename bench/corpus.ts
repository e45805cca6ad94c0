/**
 * Benchmark input made from the recorded fixture sessions (test/fixtures/sessions and test/fixtures/generated: real
 * bash sessions typed in a pty, with their S3 object, end-of-session CloudWatch export and subscription payloads).
 * Each bench session is one fixture session under a fresh session id, in all three formats; a corpus cycles through
 * the fixtures until it reaches its size, so it holds many sessions with the fixtures' own byte mix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export const FIXTURES = new URL('../../test/fixtures/', import.meta.url).pathname;
const SESSION_DIRS = ['sessions', 'generated'].map((d) => join(FIXTURES, d));

/** Fixture sessions whose bytes are mostly command output (seq, cat of a file, a large paste). */
const OUTPUT_HEAVY = /^(?:bulk|bigpaste|long)-/;

/** A Lambda subscription event as CloudWatch Logs delivers it. */
export interface SubscriptionEvent {
  awslogs: { data: string };
}

interface FixtureSession {
  sessionId: string;
  log: string;
  cwFinal: string;
  /** Each delivery's decompressed payload JSON. */
  payloads: string[];
}

export interface BenchSession {
  sessionId: string;
  log: Buffer;
  cwFinal: Buffer;
  subscription: SubscriptionEvent[];
  /** Bytes of the decompressed subscription payload JSON (the streaming format's size). */
  payloadBytes: number;
}

export interface Corpus {
  name: string;
  sessions: BenchSession[];
  bytes: { log: number; cwFinal: number; payload: number; subscriptionWire: number };
}

export type Workload = 'mixed' | 'editing';

let fixtures: FixtureSession[] | null = null;

function loadFixtures(): FixtureSession[] {
  fixtures ??= SESSION_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .map((f) => {
        const base = join(dir, f.slice(0, -'.log'.length));
        const events = JSON.parse(readFileSync(`${base}.subscription.json`, 'utf8')) as SubscriptionEvent[];
        return {
          sessionId: f.slice(0, -'.log'.length),
          log: readFileSync(`${base}.log`, 'latin1'),
          cwFinal: readFileSync(`${base}.cw-final.jsonl`, 'latin1'),
          payloads: events.map((e) => gunzipSync(Buffer.from(e.awslogs.data, 'base64')).toString('latin1')),
        };
      }),
  );
  return fixtures;
}

/** `name-suffix` with the suffix's end replaced by the copy number (same length, so ids keep their shape). */
function renamed(sessionId: string, copy: number): string {
  const cut = sessionId.lastIndexOf('-');
  const suffix = sessionId.slice(cut + 1);
  const n = copy.toString(16).padStart(6, '0');
  return `${sessionId.slice(0, cut + 1)}${suffix.slice(0, suffix.length - n.length)}${n}`;
}

/**
 * Sessions until the S3 transcripts reach `megabytes`: `mixed` cycles through every fixture session (most bytes are
 * long command output), `editing` only through the interactive ones (prompts, typos, history, completion, Ctrl-C).
 */
export function buildCorpus(workload: Workload, megabytes: number): Corpus {
  const pool = loadFixtures().filter((f) => workload === 'mixed' || !OUTPUT_HEAVY.test(f.sessionId));
  const target = megabytes * 1024 * 1024;
  const sessions: BenchSession[] = [];
  const bytes = { log: 0, cwFinal: 0, payload: 0, subscriptionWire: 0 };
  for (let i = 0; bytes.log < target; i++) {
    const f = pool[i % pool.length]!;
    const id = renamed(f.sessionId, i);
    // latin1 round trip: the files' bytes are kept exactly, whatever their encoding
    const swap = (text: string) => Buffer.from(text.replaceAll(f.sessionId, id), 'latin1');
    const payloads = f.payloads.map(swap);
    const session: BenchSession = {
      sessionId: id,
      log: swap(f.log),
      cwFinal: swap(f.cwFinal),
      subscription: payloads.map((p) => ({ awslogs: { data: gzipSync(p).toString('base64') } })),
      payloadBytes: payloads.reduce((n, p) => n + p.length, 0),
    };
    sessions.push(session);
    bytes.log += session.log.length;
    bytes.cwFinal += session.cwFinal.length;
    bytes.payload += session.payloadBytes;
    bytes.subscriptionWire += session.subscription.reduce((n, e) => n + e.awslogs.data.length, 0);
  }
  return { name: workload, sessions, bytes };
}

/**
 * Long streaming sessions, as a working day at a shell gives them: each session's deliveries are the fixture
 * sessions' streaming events one after another (times and ids moved on, so they stay in order), many more events
 * than the Lambda keeps for reordering. Only the subscription format is built (the other two are left empty).
 */
export function longStreamCorpus(sessionCount: number, megabytes: number): Corpus {
  const pool = loadFixtures();
  const perSession = (megabytes * 1024 * 1024) / sessionCount;
  const sessions: BenchSession[] = [];
  const bytes = { log: 0, cwFinal: 0, payload: 0, subscriptionWire: 0 };
  let next = 0;
  for (let n = 0; n < sessionCount; n++) {
    const id = renamed(`day-${'0'.repeat(17)}`, n);
    const payloads: string[] = [];
    let size = 0;
    let clock = 1_791_466_204_000;
    while (size < perSession) {
      const f = pool[next++ % pool.length]!;
      const parsed = f.payloads.map((p) => streamEventsOf(p.replaceAll(f.sessionId, id)));
      const first = Math.min(...parsed.flatMap((p) => p.logEvents.map((e) => e.timestamp)));
      const moved = parsed.map((p) => moveStreamEvents(p, clock - first)).filter((p) => p !== null);
      clock = Math.max(clock, ...moved.map((m) => m.last)) + 1000;
      for (const m of moved) {
        payloads.push(m.payload);
        size += m.payload.length;
      }
    }
    const session: BenchSession = {
      sessionId: id,
      log: Buffer.alloc(0),
      cwFinal: Buffer.alloc(0),
      subscription: payloads.map((p) => ({ awslogs: { data: gzipSync(p).toString('base64') } })),
      payloadBytes: size,
    };
    sessions.push(session);
    bytes.payload += size;
    bytes.subscriptionWire += session.subscription.reduce((n, e) => n + e.awslogs.data.length, 0);
  }
  return { name: 'long-stream', sessions, bytes };
}

interface Payload {
  logEvents: { id: string; timestamp: number; message: string }[];
}

/** A delivery's payload with only its streaming events (end-of-session text would end the session early). */
function streamEventsOf(payload: string): Payload {
  const p = JSON.parse(payload) as Payload;
  p.logEvents = p.logEvents.filter((e) => e.message.startsWith('{'));
  return p;
}

/** The delivery with its events `shift` ms later (ids begin with the time, so they move too); null without any. */
function moveStreamEvents(p: Payload, shift: number): { payload: string; last: number } | null {
  if (p.logEvents.length === 0) return null;
  for (const e of p.logEvents) {
    e.timestamp += shift;
    e.id = `${e.timestamp}${e.id.slice(13)}`;
  }
  return { payload: JSON.stringify(p), last: p.logEvents.at(-1)!.timestamp };
}

/** A CloudTrail StartSession record for each session (the fixture's record as template): enrichment finds them all. */
export function startSessionRecords(sessionIds: readonly string[]): { Records: unknown[] } {
  const trail = JSON.parse(
    readFileSync(
      join(FIXTURES, 'cloudtrail/111122223333_CloudTrail_eu-west-1_20261008T1700Z_u7RZ3kQ1w9HcXb2m.json'),
      'utf8',
    ),
  ) as { Records: { eventName: string; eventID: string; responseElements: { sessionId: string } }[] };
  const template = trail.Records.find((r) => r.eventName === 'StartSession')!;
  return {
    Records: sessionIds.map((sessionId, i) => ({
      ...template,
      eventID: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      responseElements: { ...template.responseElements, sessionId },
    })),
  };
}

/** Splits bytes into the chunks a file or S3 stream hands over. */
export function* chunks(bytes: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export async function* asyncChunks(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  yield* chunks(bytes, size);
}
