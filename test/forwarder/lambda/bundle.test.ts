import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, repoRoot, sessionsDir } from '../../helpers/paths.js';
import { startDynamoDb, startS3 } from '../sinks/helpers/emulators.js';

/**
 * The bundled Lambda (dist/lambda/index.mjs, what is deployed), not the sources, against local emulators:
 * dynalite for the state and identity tables, s3rver for transcripts and the IOC source. Alerts go to a file sink.
 */
type Handler = (
  event: unknown,
  context?: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] } | undefined>;

const BUNDLE = pathToFileURL(join(repoRoot, 'dist/lambda/index.mjs')).href;
const SESSIONS = readdirSync(sessionsDir)
  .filter((f) => f.endsWith('.truth.json'))
  .map((f) => f.replace('.truth.json', ''));

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let s3: Awaited<ReturnType<typeof startS3>>;
let instance = 0;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  s3 = await startS3(['transcripts', 'config']);
  await s3.client.send(
    new PutObjectCommand({ Bucket: 'config', Key: 'iocs/iocs.txt', Body: readFileSync(join(fixturesDir, 'iocs.txt')) }),
  );
  for (const sid of SESSIONS) {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'transcripts',
        Key: `111122223333/session-logs/${sid}.log`,
        Body: readFileSync(join(sessionsDir, `${sid}.log`)),
      }),
    );
  }
});

afterAll(async () => {
  await dynamo?.close();
  await s3?.close();
});

/** A fresh instance of the bundle (its own cold start) with its own tables and alert file. */
async function coldStart(extraEnv: Record<string, string> = {}) {
  const n = ++instance;
  const dir = mkdtempSync(join(tmpdir(), 'sw-lambda-'));
  await dynamo.createTable(`state-${n}`);
  await dynamo.createTable(`identity-${n}`);
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'S3RVER', // s3rver's fixed credentials; dynalite takes any
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_CLOUDTRAIL: 'http://127.0.0.1:9', // nothing listens: identity falls back to the transcript
    SESSIONWATCH_SINKS: `file:${join(dir, 'alerts.jsonl')}`,
    SESSIONWATCH_SPOOL: join(dir, 'spool'),
    SESSIONWATCH_STATE_TABLE: `state-${n}`,
    SESSIONWATCH_IDENTITY_TABLE: `identity-${n}`,
    SESSIONWATCH_IOC_SOURCES: 's3://config/iocs/iocs.txt',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...extraEnv,
  });
  const { handler } = (await import(`${BUNDLE}?instance=${n}`)) as { handler: Handler };
  const delivered = () => {
    try {
      return readFileSync(join(dir, 'alerts.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: string; ruleId: string; command: string });
    } catch {
      return [];
    }
  };
  return { handler, delivered };
}

const subscriptionEvents = (sid: string) =>
  JSON.parse(readFileSync(join(sessionsDir, `${sid}.subscription.json`), 'utf8')) as { awslogs: { data: string } }[];

async function cliAlertIds(file: string): Promise<string[]> {
  const { stdout, code } = await runCli(['scan', file, '--ioc', join(fixturesDir, 'iocs.txt'), '--format', 'jsonl']);
  expect(code).toBe(0);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id)
    .sort();
}

const ids = (alerts: { id: string }[]) => [...new Set(alerts.map((a) => a.id))].sort();

describe('the bundled Lambda gives the same alerts as the CLI', () => {
  it.each(SESSIONS)('subscription deliveries of %s', async (sid) => {
    const { handler, delivered } = await coldStart();
    for (const event of subscriptionEvents(sid)) await handler(event);
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${sid}.subscription.json`)));
  });

  it.each(SESSIONS)('S3 object event, direct and through SQS, of %s', async (sid) => {
    const { handler, delivered } = await coldStart();
    const record = {
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: 'transcripts' },
        object: { key: encodeURIComponent(`111122223333/session-logs/${sid}.log`).replace(/%2F/g, '/') },
      },
    };
    await handler({ Records: [record] });
    const viaSqs = await handler({
      Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: JSON.stringify({ Records: [record] }) }],
    });
    expect(viaSqs).toEqual({ batchItemFailures: [] });
    const got = delivered();
    expect(got.length).toBe(new Set(got.map((a) => a.id)).size); // the second read delivered nothing twice
    expect(ids(got)).toEqual(await cliAlertIds(join(sessionsDir, `${sid}.log`)));
  });
});

/** The log events of a session's subscription deliveries, one by one. */
function logEventsOf(sid: string) {
  return subscriptionEvents(sid).flatMap((e) => {
    const payload = JSON.parse(gunzipSync(Buffer.from(e.awslogs.data, 'base64')).toString()) as {
      logEvents: unknown[];
    } & Record<string, unknown>;
    return payload.logEvents.map((logEvent) => ({ payload, logEvent }));
  });
}

const delivery = (payload: Record<string, unknown>, logEvents: unknown[]) => ({
  awslogs: { data: gzipSync(JSON.stringify({ ...payload, logEvents })).toString('base64') },
});

/** A seeded shuffle, so a failure can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('deliveries shuffled, split at every event and duplicated give exactly the in-order alerts', () => {
  it.each(SESSIONS)('%s', async (sid) => {
    const inOrder = await coldStart();
    for (const event of subscriptionEvents(sid)) await inOrder.handler(event);
    const expected = ids(inOrder.delivered());

    const messy = await coldStart();
    const events = logEventsOf(sid);
    const deliveries = shuffle([...events, ...events], sid.length * 7919).map(({ payload, logEvent }) =>
      delivery(payload, [logEvent]),
    );
    for (const d of deliveries) await messy.handler(d);
    const got = messy.delivered();
    expect(ids(got)).toEqual(expected);
    expect(got.length).toBe(expected.length); // each alert delivered once, retries and duplicates included
  });
});
