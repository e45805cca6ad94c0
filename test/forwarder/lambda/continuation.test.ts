import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsDir } from '../../helpers/paths.js';
import {
  captureOutput,
  cliAlertIds,
  coldStart,
  type Emulators,
  type Handler,
  ids,
  SESSIONS,
  s3Record,
  sqsEvent,
  startEmulators,
  startSqs,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * A transcript too large for one invocation is read in parts: each invocation reads at most
 * SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION bytes, saves the reconstruction and detection state, and sends the
 * byte offset to the continuation queue; the next invocation (the queue's SQS event) resumes there.
 */
let emu: Emulators;
let sqs: Awaited<ReturnType<typeof startSqs>>;

beforeAll(async () => {
  emu = await startEmulators();
  sqs = await startSqs();
});

afterAll(async () => {
  await emu?.close();
  await sqs?.close();
});

/** Hands every queued continuation back to the handler, as Lambda's SQS poller would, until the queue is empty. */
async function drain(handler: Handler, duplicate: (part: number) => boolean = () => false) {
  let parts = 0;
  const offsets: number[] = [];
  while (sqs.messages.length > 0) {
    const message = sqs.messages.shift()!;
    const { sessionwatchContinuation: c } = JSON.parse(message.body) as {
      sessionwatchContinuation: { offset: number; part: number };
    };
    offsets.push(c.offset);
    parts++;
    // at-least-once delivery: some parts arrive twice
    const times = duplicate(c.part) ? 2 : 1;
    for (let i = 0; i < times; i++) {
      const { result } = await captureOutput(() => handler(sqsEvent([message])));
      expect(result).toEqual({ batchItemFailures: [] });
    }
  }
  return { parts, offsets };
}

const sizeOf = (sid: string) => statSync(join(sessionsDir, `${sid}.log`)).size;

describe('a large plain .log is continued through the queue and gives the alerts of one pass', () => {
  it.each(SESSIONS)('%s in about eight parts', async (sid) => {
    const budget = Math.ceil(sizeOf(sid) / 8);
    const { handler, delivered } = await coldStart(emu, {
      SESSIONWATCH_CONTINUATION_QUEUE_URL: sqs.queueUrl,
      AWS_ENDPOINT_URL_SQS: new URL(sqs.queueUrl).origin,
      SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION: String(budget),
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const first = await captureOutput(() => handler({ Records: [s3Record(TRANSCRIPT_KEY(sid))] }));
    expect(first.output.metrics.Continuations).toBe(1);
    expect(first.output.metrics.ObjectBytes).toBeLessThanOrEqual(budget);
    expect(first.output.metrics.ObjectBytes).toBeGreaterThan(budget - 4); // cut at a character boundary
    const { parts, offsets } = await drain(handler);
    expect(parts).toBeGreaterThanOrEqual(7);
    // each part starts where the previous one stopped, never more than the budget further on
    for (const [i, offset] of offsets.entries()) {
      expect(offset).toBeGreaterThan(offsets[i - 1] ?? 0);
      expect(offset - (offsets[i - 1] ?? 0)).toBeLessThanOrEqual(budget);
    }
    const got = delivered();
    expect(got.length).toBe(new Set(got.map((a) => a.id)).size);
    expect(ids(got)).toEqual(await cliAlertIds(join(sessionsDir, `${sid}.log`)));
  });

  it('with a budget of a few bytes (parts cut inside commands and multi-byte characters) and duplicated parts', async () => {
    const sid = 'dana-0b1c2d3e4f5a6b7c8'; // holds UTF-8 text
    const one = await coldStart(emu);
    await one.handler({ Records: [s3Record(TRANSCRIPT_KEY(sid))] });
    const onePass = ids(one.delivered());
    expect(onePass.length).toBeGreaterThan(0);

    const { handler, delivered } = await coldStart(emu, {
      SESSIONWATCH_CONTINUATION_QUEUE_URL: sqs.queueUrl,
      AWS_ENDPOINT_URL_SQS: new URL(sqs.queueUrl).origin,
      SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION: '97',
    });
    await handler({ Records: [s3Record(TRANSCRIPT_KEY(sid))] });
    const { parts } = await drain(handler, (part) => part % 5 === 0);
    expect(parts).toBeGreaterThan(sizeOf(sid) / 97);
    const got = delivered();
    expect(ids(got)).toEqual(onePass);
    expect(got.length).toBe(onePass.length); // the duplicated parts delivered nothing twice
  });

  it('hands over when the invocation runs short of time, before reading the next chunk', async () => {
    const sid = 'bulk-0d1e2f3a4b5c6d7e8';
    const { handler, delivered } = await coldStart(emu, {
      SESSIONWATCH_CONTINUATION_QUEUE_URL: sqs.queueUrl,
      AWS_ENDPOINT_URL_SQS: new URL(sqs.queueUrl).origin,
      SESSIONWATCH_TIME_GUARD_MS: '60000',
    });
    // 30 s left of the invocation, less than the guard: each invocation reads one chunk of the body, then hands over
    const context = { awsRequestId: 'req-short', getRemainingTimeInMillis: () => 30_000 };
    await handler({ Records: [s3Record(TRANSCRIPT_KEY(sid))] }, context);
    let parts = 0;
    while (sqs.messages.length > 0) {
      parts++;
      expect(await handler(sqsEvent([sqs.messages.shift()!]), context)).toEqual({ batchItemFailures: [] });
    }
    expect(parts).toBeGreaterThanOrEqual(2);
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${sid}.log`)));
  });

  it('does not start another message of the batch when time runs short: SQS brings it back', async () => {
    const { handler, delivered } = await coldStart(emu, { SESSIONWATCH_TIME_GUARD_MS: '60000' });
    const message = (id: string, sid: string) => ({
      id,
      body: JSON.stringify({ Records: [s3Record(TRANSCRIPT_KEY(sid))] }),
    });
    const result = await handler(
      sqsEvent([message('m-1', 'mallory-09f8e7d6c5b4a3921'), message('m-2', 'ci-deployer-0123456789abcdef0')]),
      { awsRequestId: 'req-late', getRemainingTimeInMillis: () => 30_000 },
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log')));
  });

  it('with a continuation queue, sends a message it had no time to start there as a new one instead of failing it', async () => {
    const { handler, delivered } = await coldStart(emu, {
      SESSIONWATCH_CONTINUATION_QUEUE_URL: sqs.queueUrl,
      AWS_ENDPOINT_URL_SQS: new URL(sqs.queueUrl).origin,
      SESSIONWATCH_TIME_GUARD_MS: '60000',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const body = JSON.stringify({ Records: [s3Record(TRANSCRIPT_KEY('ci-deployer-0123456789abcdef0'))] });
    const late = { awsRequestId: 'req-late', getRemainingTimeInMillis: () => 30_000 };
    const first = await captureOutput(() =>
      handler(
        sqsEvent([
          { id: 'm-1', body: JSON.stringify({ Records: [s3Record(TRANSCRIPT_KEY('mallory-09f8e7d6c5b4a3921'))] }) },
          { id: 'm-2', body },
        ]),
        late,
      ),
    );
    // m-2 is not returned to its queue (a receive that would count toward the DLQ) but sent on, unchanged
    expect(first.result).toEqual({ batchItemFailures: [] });
    expect(first.output.metrics.MessagesRequeued).toBe(1);
    expect(sqs.messages.map((m) => m.body)).toEqual([body]);
    expect(await handler(sqsEvent([sqs.messages.shift()!]))).toEqual({ batchItemFailures: [] });
    const expected = [
      ...(await cliAlertIds(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log'))),
      ...(await cliAlertIds(join(sessionsDir, 'ci-deployer-0123456789abcdef0.log'))),
    ];
    expect(ids(delivered())).toEqual([...new Set(expected)].sort());
  });

  it('fails the message (for a retry, then the DLQ) when no continuation queue is configured', async () => {
    const { handler, delivered } = await coldStart(emu, { SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION: '512' });
    const sid = 'mallory-09f8e7d6c5b4a3921';
    const result = await handler(
      sqsEvent([{ id: 'big-1', body: JSON.stringify({ Records: [s3Record(TRANSCRIPT_KEY(sid))] }) }]),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'big-1' }] });
    // what the first part found is delivered already; the retry's duplicates are dropped by the ledger
    expect(delivered().length).toBe(new Set(delivered().map((a) => a.id)).size);
  });
});
