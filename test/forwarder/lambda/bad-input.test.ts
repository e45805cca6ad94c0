import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsDir } from '../../helpers/paths.js';
import {
  captureOutput,
  cliAlertIds,
  coldStart,
  decodePayload,
  type Emulators,
  ids,
  s3Record,
  sqsEvent,
  startEmulators,
  subscriptionEvents,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * Bad records mixed with good ones in one batch: each bad one is counted (EMF on stdout), logged with its record's
 * (or log event's) id and skipped; the good ones still alert, exactly as the CLI does for the same session.
 */
const MALLORY = 'mallory-09f8e7d6c5b4a3921';
let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
});

afterAll(async () => {
  await emu?.close();
});

const base64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const gzipped = (bytes: Buffer | string) => base64(gzipSync(bytes));
const kinesis = (sequenceNumber: string, data: string) => ({
  eventSource: 'aws:kinesis',
  eventID: `shardId-000000000000:${sequenceNumber}`,
  kinesis: { sequenceNumber, data, partitionKey: 'k', kinesisSchemaVersion: '1.0' },
});

const template = decodePayload(subscriptionEvents(MALLORY)[0]!.awslogs.data);
const payload = (logEvents: { id: string; message: string }[], over: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...template,
    logStream: 'ops-7a8b9c0d1e2f3a4b5',
    ...over,
    logEvents: logEvents.map((e) => ({ timestamp: template.logEvents[0]!.timestamp, ...e })),
  });

/** Skipped-record warnings, by the id they name. */
const warnings = (logs: Record<string, unknown>[]) =>
  logs
    .filter((l) => l.level === 'WARN' && String(l.message).endsWith('skipped'))
    .map((l) => `${l.recordId ?? ''}/${l.eventId ?? ''}:${l.kind}`);

describe('a Kinesis batch (cross-account subscription) mixing bad records with a session', () => {
  it('alerts on the session, counts and names every bad record, fails none', async () => {
    const { handler, delivered } = await coldStart(emu, {
      SESSIONWATCH_LOG_GROUPS: 'session_manager_logs',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const good = subscriptionEvents(MALLORY).map((e, i) => kinesis(`good-${i}`, e.awslogs.data));
    // a payload whose JSON bytes are not UTF-8 (CloudWatch never writes that: the record is corrupt)
    const [before, after] = payload([{ id: 'ev-utf8', message: 'sh-5.2$ cat /etc/passwd@@BAD@@' }]).split('@@BAD@@');
    const invalidUtf8 = Buffer.concat([Buffer.from(before!), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after!)]);
    const otherGroup = payload(
      [
        { id: 'ev-lambda-1', message: 'START RequestId: 8f5c Version: $LATEST' },
        { id: 'ev-lambda-2', message: 'END RequestId: 8f5c' },
      ],
      { logGroup: '/aws/lambda/orders-api' },
    );
    const bad = [
      kinesis('bad-base64', '@@ not base64 @@'),
      kinesis('bad-gzip', base64('this is not gzip')),
      kinesis('bad-json', gzipped('{"messageType": "DATA_MESSAGE", "logEvents": [')),
      kinesis('not-subscription', gzipped('{"hello":"world"}')),
      kinesis('other-group', gzipped(otherGroup)),
      kinesis(
        'odd-events',
        gzipped(
          payload([
            { id: 'ev-structured', message: '{"level":"info","msg":"cache warmed","ms":12}' },
            {
              id: 'ev-truncated',
              message: '{"eventVersion":"1.0","sessionId":"ops-7a8b9c0d1e2f3a4b5","sessionData":["sh',
            },
            { id: 'ev-huge', message: `sh-5.2$ echo ${'A'.repeat(300 * 1024)}` },
          ]),
        ),
      ),
      kinesis('bad-utf8', gzipped(invalidUtf8)),
    ];
    const batch = [good[0]!, ...bad.slice(0, 4), ...good.slice(1, 3), ...bad.slice(4), ...good.slice(3)];
    const { result, output } = await captureOutput(() => handler({ Records: batch }, { awsRequestId: 'req-kinesis' }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${MALLORY}.subscription.json`)));
    expect(output.metrics).toMatchObject({ ParseErrors: 8, InvalidUtf8: 1, SkippedRecords: 2 });
    expect(warnings(output.logs).sort()).toEqual(
      [
        'bad-base64/:base64',
        'bad-gzip/:gzip',
        'bad-json/:json',
        'not-subscription/:not-a-transcript',
        'odd-events/ev-structured:not-a-transcript',
        'odd-events/ev-truncated:json',
        'odd-events/ev-huge:too-large',
        'bad-utf8/ev-utf8:utf8',
      ].sort(),
    );
    expect(output.logs.find((l) => l.logGroup === '/aws/lambda/orders-api')).toMatchObject({
      recordId: 'other-group',
      message: 'events of another log group skipped',
    });
    for (const l of output.logs) expect(l.requestId).toBe('req-kinesis');
    // no transcript content in the logs
    expect(output.text).not.toContain('/etc/passwd');
    expect(output.text).not.toContain('AAAAAAAA');
  });
});

describe('an SQS batch of S3 notifications mixing bad messages with a transcript', () => {
  it('alerts on the transcript, skips what can never succeed, and fails only the object that cannot be read', async () => {
    const { handler, delivered } = await coldStart(emu, { LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' });
    const body = (records: unknown[]) => JSON.stringify({ Records: records });
    const messages = [
      { id: 'm-good', body: body([s3Record(TRANSCRIPT_KEY(MALLORY))]) },
      { id: 'm-not-transcript', body: body([s3Record('111122223333/session-logs/README.txt')]) },
      { id: 'm-not-json', body: 'Records: [garbage' },
      { id: 'm-bad-continuation', body: JSON.stringify({ sessionwatchContinuation: { bucket: 7, offset: -1 } }) },
      {
        id: 'm-test-event',
        body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'transcripts' }),
      },
      { id: 'm-poison', body: body([s3Record('111122223333/session-logs/gone-0a0b0c0d0e0f01020.log')]) },
    ];
    const { result, output } = await captureOutput(() => handler(sqsEvent(messages), { awsRequestId: 'req-sqs' }));

    // the poison message fails alone: SQS retries it, and after maxReceiveCount moves it to the DLQ
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-poison' }] });
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${MALLORY}.log`)));
    expect(output.metrics).toMatchObject({ ParseErrors: 2, ObjectReadErrors: 1 });
    expect(output.metrics.SkippedRecords).toBeGreaterThanOrEqual(2); // README.txt, the test event
    const byMessage = (id: string) => output.logs.filter((l) => l.messageId === id || l.recordId === id);
    expect(byMessage('m-not-json')[0]).toMatchObject({ level: 'WARN', reason: 'message body is not JSON' });
    expect(byMessage('m-bad-continuation')[0]).toMatchObject({ reason: 'malformed continuation message' });
    expect(byMessage('m-not-transcript')[0]).toMatchObject({ message: 'object is not a transcript' });
    expect(byMessage('m-poison').find((l) => l.level === 'ERROR')).toMatchObject({ reason: 'missing' });
  });

  it('direct S3 events: a record that fails does not stop the next, and the invocation then fails for a retry', async () => {
    const { handler, delivered } = await coldStart(emu);
    const missing = s3Record('111122223333/session-logs/gone-0a0b0c0d0e0f01020.log');
    await expect(handler({ Records: [missing, s3Record(TRANSCRIPT_KEY(MALLORY))] })).rejects.toThrow(/no such object/);
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${MALLORY}.log`)));
  });
});

describe('invalid UTF-8 inside a transcript object', () => {
  it('is read (replaced), so bytes a user prints cannot hide the commands around them', async () => {
    const text = readFileSync(join(sessionsDir, `${MALLORY}.log`));
    const at = text.indexOf('\n', text.length / 2) + 1;
    const corrupted = Buffer.concat([
      text.subarray(0, at),
      Buffer.from([0xff, 0xc3, 0x28, 0xa0, 0xa1]),
      text.subarray(at),
    ]);
    const key = '111122223333/session-logs/mallory-0ff0ff0ff0ff0ff01.log';
    await emu.s3.client.send(new PutObjectCommand({ Bucket: 'transcripts', Key: key, Body: corrupted }));
    const file = join(mkdtempSync(join(tmpdir(), 'sw-utf8-')), 'mallory-0ff0ff0ff0ff0ff01.log');
    writeFileSync(file, corrupted);

    const { handler, delivered } = await coldStart(emu);
    await handler({ Records: [s3Record(key)] });
    const got = ids(delivered());
    expect(got.length).toBe((await cliAlertIds(join(sessionsDir, `${MALLORY}.log`))).length);
    expect(got).toEqual(await cliAlertIds(file));
  });
});
