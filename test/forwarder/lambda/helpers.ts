import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, repoRoot, sessionsDir } from '../../helpers/paths.js';
import { startDynamoDb, startS3 } from '../sinks/helpers/emulators.js';

/**
 * Running the bundled Lambda (dist/lambda/index.mjs, what is deployed), not the sources, against local emulators:
 * dynalite for the tables, s3rver for transcripts and the IOC source, a local SQS endpoint for continuations.
 * Alerts go to a file sink; logs and EMF metrics are read from stdout.
 */
export type Handler = (
  event: unknown,
  context?: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] } | undefined>;

export const BUNDLE = pathToFileURL(join(repoRoot, 'dist/lambda/index.mjs')).href;
export const SESSIONS = readdirSync(sessionsDir)
  .filter((f) => f.endsWith('.truth.json'))
  .map((f) => f.replace('.truth.json', ''));
export const TRANSCRIPT_KEY = (sid: string) => `111122223333/session-logs/${sid}.log`;

export interface Emulators {
  dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
  s3: Awaited<ReturnType<typeof startS3>>;
  close(): Promise<void>;
}

/** dynalite and s3rver with the IOC list in `config` and every fixture session's `.log` in `transcripts`. */
export async function startEmulators(): Promise<Emulators> {
  const dynamo = await startDynamoDb();
  const s3 = await startS3(['transcripts', 'config']);
  await s3.client.send(
    new PutObjectCommand({ Bucket: 'config', Key: 'iocs/iocs.txt', Body: readFileSync(join(fixturesDir, 'iocs.txt')) }),
  );
  for (const sid of SESSIONS) {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'transcripts',
        Key: TRANSCRIPT_KEY(sid),
        Body: readFileSync(join(sessionsDir, `${sid}.log`)),
      }),
    );
  }
  return {
    dynamo,
    s3,
    close: async () => {
      await dynamo.close();
      await s3.close();
    },
  };
}

let instance = 0;

export interface Alerted {
  id: string;
  ruleId: string;
  command: string;
  sessionId: string;
  severity: string;
  title: string;
  actor: { from: string } | null;
}

export interface Deployment {
  tables: { state: string; identity: string; idempotency: string };
  dir: string;
}

/** Tables and an alert file for functions that work together, as the CDK stack deploys them. */
export async function newDeployment(emu: Emulators): Promise<Deployment> {
  const n = ++instance;
  const tables = { state: `state-${n}`, identity: `identity-${n}`, idempotency: `idempotency-${n}` };
  for (const t of Object.values(tables)) await emu.dynamo.createTable(t);
  return { tables, dir: mkdtempSync(join(tmpdir(), 'sw-lambda-')) };
}

/**
 * A fresh instance of the bundle (its own cold start, so its own configuration) with its own tables and alert file,
 * or those of `deployment`. `env` overrides or adds variables; a value of `undefined` removes one.
 */
export async function coldStart(emu: Emulators, env: Record<string, string | undefined> = {}, deployment?: Deployment) {
  const n = ++instance;
  const { tables, dir } = deployment ?? (await newDeployment(emu));
  setEnv(functionEnv(emu, { tables, dir }, env));
  const { handler } = (await import(`${BUNDLE}?instance=${n}`)) as { handler: Handler };
  const delivered = (): Alerted[] => {
    try {
      return readFileSync(join(dir, 'alerts.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Alerted);
    } catch {
      return [];
    }
  };
  return { handler, delivered, tables, dir };
}

/** The environment of one function of `deployment` on the emulators; `env` overrides or adds variables. */
export function functionEnv(
  emu: Emulators,
  { tables, dir }: Deployment,
  env: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'S3RVER', // s3rver's fixed credentials; dynalite takes any
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: emu.dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: emu.s3.endpoint,
    AWS_ENDPOINT_URL_CLOUDTRAIL: 'http://127.0.0.1:9', // nothing listens: identity falls back to the transcript
    SESSIONWATCH_SINKS: `file:${join(dir, 'alerts.jsonl')}`,
    SESSIONWATCH_SPOOL: join(dir, 'spool'),
    SESSIONWATCH_STATE_TABLE: tables.state,
    SESSIONWATCH_IDENTITY_TABLE: tables.identity,
    SESSIONWATCH_IDEMPOTENCY_TABLE: tables.idempotency,
    SESSIONWATCH_IOC_SOURCES: 's3://config/iocs/iocs.txt',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'SessionWatchTest',
    ...env,
  };
}

/** Sets the variables of one cold start; every SESSIONWATCH_ variable of an earlier one is removed first. */
function setEnv(vars: Record<string, string | undefined>) {
  for (const k of Object.keys(process.env)) if (k.startsWith('SESSIONWATCH_')) delete process.env[k];
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** What a call printed: Powertools' JSON log lines (WARN and ERROR go to stderr) and EMF metric documents, parsed. */
export interface Output {
  logs: Record<string, unknown>[];
  /** Every EMF metric summed over the call's documents. */
  metrics: Record<string, number>;
  text: string;
}

export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: Output }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write);
  for (const s of streams)
    s.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof s.write;
  let result: T;
  try {
    result = await run();
  } finally {
    streams.forEach((s, i) => {
      s.write = writes[i]!;
    });
  }
  const text = chunks.join('');
  const logs: Record<string, unknown>[] = [];
  const metrics: Record<string, number> = {};
  for (const line of text.split('\n')) {
    let doc: Record<string, unknown> & { _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
    try {
      doc = JSON.parse(line);
    } catch {
      continue; // not a JSON document (a Node.js warning)
    }
    if (!doc._aws) {
      logs.push(doc);
      continue;
    }
    for (const { Metrics } of doc._aws.CloudWatchMetrics)
      for (const { Name } of Metrics) {
        const v = doc[Name] as number | number[];
        metrics[Name] = (metrics[Name] ?? 0) + (Array.isArray(v) ? v.reduce((a, b) => a + b, 0) : v);
      }
  }
  return { result, output: { logs, metrics, text } };
}

export const subscriptionEvents = (sid: string) =>
  JSON.parse(readFileSync(join(sessionsDir, `${sid}.subscription.json`), 'utf8')) as { awslogs: { data: string } }[];

export interface SubscriptionPayload {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

export const decodePayload = (data: string) =>
  JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString()) as SubscriptionPayload;

/** The log events of a session's subscription deliveries, one by one, with their delivery's payload. */
export function logEventsOf(sid: string) {
  return subscriptionEvents(sid).flatMap((e) => {
    const payload = decodePayload(e.awslogs.data);
    return payload.logEvents.map((logEvent) => ({ payload, logEvent }));
  });
}

export const delivery = (payload: SubscriptionPayload | Record<string, unknown>, logEvents: unknown[]) => ({
  awslogs: { data: gzipSync(JSON.stringify({ ...payload, logEvents })).toString('base64') },
});

/** A seeded shuffle, so a failure can be replayed. */
export function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function cliAlertIds(file: string): Promise<string[]> {
  const { stdout, code } = await runCli(['scan', file, '--ioc', join(fixturesDir, 'iocs.txt'), '--format', 'jsonl']);
  expect(code).toBe(0);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id)
    .sort();
}

export const ids = (alerts: { id: string }[]) => [...new Set(alerts.map((a) => a.id))].sort();

/** An S3 event notification record, the key URL-encoded as S3 sends it. */
export const s3Record = (key: string, bucket = 'transcripts') => ({
  eventSource: 'aws:s3',
  eventName: 'ObjectCreated:Put',
  s3: {
    bucket: { name: bucket },
    object: { key: encodeURIComponent(key).replace(/%2F/g, '/') },
  },
});

export const sqsEvent = (messages: { id: string; body: string }[]) => ({
  Records: messages.map((m) => ({ eventSource: 'aws:sqs', messageId: m.id, body: m.body, receiptHandle: m.id })),
});

/**
 * A local endpoint speaking SQS's JSON protocol for SendMessage (the continuation queue): what the handler sends is
 * kept in `messages`, to be handed back to it as Lambda's SQS poller would.
 */
export async function startSqs() {
  const messages: { id: string; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { MessageBody?: string };
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (target !== 'AmazonSQS.SendMessage' || typeof input.MessageBody !== 'string') {
        res.writeHead(400);
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#UnsupportedOperation', message: target }));
        return;
      }
      const id = randomUUID();
      messages.push({ id, body: input.MessageBody });
      res.writeHead(200);
      res.end(
        JSON.stringify({ MessageId: id, MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex') }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    queueUrl: `http://127.0.0.1:${port}/111122223333/sessionwatch-continuation`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
