import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeAll, extract } from '../../helpers/decode.js';
import { sessionsDir } from '../../helpers/paths.js';

const MALLORY = 'mallory-09f8e7d6c5b4a3921';
const read = (name: string) => readFileSync(join(sessionsDir, name));
const commandsOf = async (data: Uint8Array | string, name?: string) =>
  (await extract(data, name)).records.filter((r) => !r.cancelled).map((r) => r.command);
const truth = (sid: string) =>
  (JSON.parse(read(`${sid}.truth.json`).toString()) as { commands: { command: string }[] }).commands.map(
    (c) => c.command,
  );

describe('format detection from content', () => {
  it('reads the S3 object whatever its name, with its header facts', async () => {
    const { records, sessions } = await extract(read(`${MALLORY}.log`), 'object-without-a-name');
    expect(records.filter((r) => !r.cancelled).map((r) => r.command)).toEqual(truth(MALLORY));
    expect(sessions[0]).toMatchObject({
      sessionId: MALLORY,
      source: 's3',
      instanceId: 'i-0f1e2d3c4b5a69788',
      start: '2026-10-06T22:47:03.000Z',
      end: '2026-10-06T22:47:46.000Z',
    });
  });

  it('reads gzip of every format the same as the plain bytes', async () => {
    for (const ext of ['log', 'cw-final.jsonl', 'cw-stream.jsonl', 'subscription.json']) {
      const plain = read(`${MALLORY}.${ext}`);
      expect(await commandsOf(gzipSync(plain), 'x.gz')).toEqual(await commandsOf(plain));
    }
  });

  it('reads input cut into one-byte chunks the same (UTF-8, escapes and JSON split anywhere)', async () => {
    for (const ext of ['log', 'cw-final.jsonl', 'subscription.json']) {
      const data = read(`dana-0b1c2d3e4f5a6b7c8.${ext}`);
      expect((await extract(data, undefined, 1)).records).toEqual((await extract(data)).records);
    }
  });

  it('parses both util-linux header styles and tolerates neither', async () => {
    const body = '\x1b[?2004hsh-5.2$ id\r\r\n\x1b[?2004l\ruid=1\r\r\n';
    const styles = {
      'Script started on 2026-10-05 14:03:22+00:00 [COMMAND="x" <not executed on terminal>]':
        '2026-10-05T14:03:22.000Z',
      'Script started on Mon 05 Oct 2026 02:03:22 PM UTC [COMMAND="x" <not executed on terminal>]':
        '2026-10-05T14:03:22.000Z',
      'Script started on Mon Oct  5 14:03:22 2026': '2026-10-05T14:03:22.000Z',
      'Script started on sometime in autumn': null,
    };
    for (const [header, start] of Object.entries(styles)) {
      const { records, sessions } = await extract(
        `${header}\n${body}\nScript done on x\n`,
        'alice-0a1b2c3d4e5f6a7b8.log',
      );
      expect(records.map((r) => r.command)).toEqual(['id']);
      expect(sessions[0]!.start).toBe(start);
    }
  });

  it("reads the agent's raw ipcTempFile (no script header) and names the session from the file", async () => {
    const { records } = await extract(
      '\x1b[?2004hsh-5.2$ whoami\r\n\x1b[?2004l\rssm-user\r\n',
      'bob-0123456789abcdef0.log',
    );
    expect(records.map((r) => [r.sessionId, r.command, r.source])).toEqual([
      ['bob-0123456789abcdef0', 'whoami', 'raw'],
    ]);
  });
});

describe('CloudWatch and Lambda envelopes', () => {
  const subscription = (payload: object) => ({
    awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64') },
  });
  const streamEvent = (sessionId: string, lines: string[]) =>
    JSON.stringify({
      eventVersion: '1.0',
      eventTime: '2026-10-05T14:03:24Z',
      sessionId,
      target: { id: 'i-1' },
      sessionData: lines,
    });

  it('skips control messages and decodes data messages of several sessions', async () => {
    const events = [
      subscription({ messageType: 'CONTROL_MESSAGE', logEvents: [] }),
      subscription({
        messageType: 'DATA_MESSAGE',
        owner: '111122223333',
        logGroup: 'g',
        logStream: 'a-0123456789abcdef0',
        logEvents: [{ id: '1', timestamp: 1, message: streamEvent('a-0123456789abcdef0', ['sh-5.2$ id']) }],
      }),
      subscription({
        messageType: 'DATA_MESSAGE',
        owner: '111122223333',
        logGroup: 'g',
        logStream: 'b-0123456789abcdef0',
        logEvents: [{ id: '2', timestamp: 2, message: streamEvent('b-0123456789abcdef0', ['$ uptime']) }],
      }),
    ];
    const { records, errors } = await extract(JSON.stringify(events));
    expect(errors).toEqual([]);
    expect(records.map((r) => [r.sessionId, r.command])).toEqual([
      ['a-0123456789abcdef0', 'id'],
      ['b-0123456789abcdef0', 'uptime'],
    ]);
  });

  it('reports bad records with a reason and goes on with the rest of the batch', async () => {
    const good = subscription({
      messageType: 'DATA_MESSAGE',
      owner: '1',
      logGroup: 'g',
      logStream: 'a-0123456789abcdef0',
      logEvents: [{ id: '9', timestamp: 1, message: streamEvent('a-0123456789abcdef0', ['sh-5.2$ id']) }],
    });
    const batch = [
      { awslogs: { data: 'not*base64!' } },
      // the right length, one character outside the alphabet
      { awslogs: { data: gzipSync('{"hello":"world"}').toString('base64').replace(/^./, '*') } },
      { awslogs: { data: Buffer.from('not gzip at all').toString('base64') } },
      { awslogs: { data: gzipSync('{"truncated":').toString('base64') } },
      { awslogs: { data: gzipSync('{"hello":"world"}').toString('base64') } },
      { something: 'else' },
      good,
    ];
    const { records, errors } = await extract(JSON.stringify(batch));
    expect(errors.map((e) => e.kind)).toEqual([
      'base64',
      'base64',
      'gzip',
      'json',
      'not-a-transcript',
      'not-a-transcript',
    ]);
    expect(records.map((r) => r.command)).toEqual(['id']);
  });

  it('names the S3 objects of direct, SQS, SNS and EventBridge notifications, decoding keys', async () => {
    const s3Record = (key: string, eventName = 'ObjectCreated:Put') => ({
      eventSource: 'aws:s3',
      eventName,
      s3: { bucket: { name: 'logs' }, object: { key, size: 10 } },
    });
    const events = [
      { Records: [s3Record('111122223333/session-logs/jdoe%40example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa.log')] },
      {
        Records: [
          { eventSource: 'aws:sqs', messageId: 'm1', body: JSON.stringify({ Records: [s3Record('a+b.log')] }) },
        ],
      },
      { Records: [{ eventSource: 'aws:sqs', messageId: 'm2', body: JSON.stringify({ Event: 's3:TestEvent' }) }] },
      {
        Records: [
          {
            EventSource: 'aws:sns',
            Sns: {
              Message: JSON.stringify({ Records: [s3Record('x.log'), s3Record('y.log', 'ObjectRemoved:Delete')] }),
            },
          },
        ],
      },
      {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: 'logs' }, object: { key: 'raw key@x.log', size: 5 } },
      },
    ];
    const objects = (await decodeAll(JSON.stringify(events))).filter((e) => e.type === 'object');
    expect(objects.map((o) => (o.type === 'object' ? o.key : ''))).toEqual([
      '111122223333/session-logs/jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa.log',
      'a b.log',
      'x.log',
      'raw key@x.log',
    ]);
  });

  it('joins end-of-session events cut on line boundaries (each lost its final newline)', async () => {
    const lines = read(`${MALLORY}.cw-final.jsonl`)
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { timestamp: number; message: string });
    const text = lines.map((e) => e.message).join('');
    const pieces = text.split('\n');
    const cut = pieces.map((p, i) => ({ timestamp: i, message: p })); // one event a line, every newline trimmed
    expect(await commandsOf(cut.map((e) => JSON.stringify(e)).join('\n'))).toEqual(truth(MALLORY));
  });
});

describe('bad input', () => {
  it('a corrupt gzip is an error of that input', async () => {
    const bad = Buffer.concat([gzipSync(read(`${MALLORY}.log`)).subarray(0, 200), Buffer.from('garbage')]);
    const { errors } = await extract(bad, 'x.log.gz');
    expect(errors.map((e) => e.kind)).toContain('gzip');
  });

  it('garbage JSON resynchronises at the next line', async () => {
    const [first, ...rest] = read(`${MALLORY}.cw-stream.jsonl`).toString().split('\n');
    const broken = [
      first,
      'nonsense here',
      '{"open":',
      '{"timestamp": 1, "message": "{\\"sessionData\\": 3}"}',
      ...rest,
    ];
    const { records, errors } = await extract(broken.join('\n'));
    expect(errors.map((e) => e.kind)).toEqual(['json', 'json', 'not-a-transcript']);
    expect(records.filter((r) => !r.cancelled).map((r) => r.command)).toEqual(truth(MALLORY));
  });

  it('invalid UTF-8 in a transcript is reported once and replaced, the session still read', async () => {
    const data = Buffer.concat([
      read(`${MALLORY}.log`).subarray(0, 400),
      Buffer.from([0xff, 0xfe, 0xc3]),
      read(`${MALLORY}.log`).subarray(400),
    ]);
    const { records, errors } = await extract(data);
    expect(errors.map((e) => e.kind)).toEqual(['utf8']);
    expect(records.length).toBeGreaterThan(5);
  });
});
