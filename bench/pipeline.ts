/**
 * The measured paths, each calling the product's own code: the CLI `scan` command (in-process, over files), the
 * Lambda handlers' object and subscription paths (in-process, S3 replaced by memory), and the pipeline stages
 * stacked one on another (decode → replay + segmentation → shell analysis → rules → alerts → formatting).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  type PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createEngine, type Engine, type SessionAnalyzer } from '../detectors/index.js';
import { formatLine } from '../forwarder/alerts/formats/index.js';
import type { CliIo } from '../forwarder/cli/io.js';
import { scanCommand } from '../forwarder/cli/scan-command.js';
import type { SessionInfo } from '../forwarder/commands/record.js';
import { indexSessionEvents } from '../forwarder/identity/index-event.js';
import { IdentityResolver } from '../forwarder/identity/resolver.js';
import { MemoryIdentityStore } from '../forwarder/identity/store.js';
import { loadConfig } from '../forwarder/lambda/config.js';
import { handleObject } from '../forwarder/lambda/objects.js';
import { createObserver } from '../forwarder/lambda/observe.js';
import { createRuntime, type Runtime } from '../forwarder/lambda/runtime.js';
import { handleSubscription } from '../forwarder/lambda/subscription.js';
import { SessionDetector } from '../forwarder/pipeline/detect.js';
import type { Input, ObjectReader } from '../forwarder/sources/inputs.js';
import { readCommands } from '../forwarder/sources/read-commands.js';
import { DynamoDbSessionStateStore } from '../forwarder/stream/state-store.js';
import { decodeStream } from '../forwarder/transcript/decode-stream.js';
import { asyncChunks, type BenchSession, type Corpus, FIXTURES, startSessionRecords } from './corpus.js';
import { PRICES } from './cost.js';

export type Format = 'log' | 'cwFinal' | 'subscription';

export interface RunCount {
  commands: number;
  alerts: number;
  outputBytes: number;
  /** The Lambda paths: what the session state table was asked for. */
  stateTable?: TableUnits;
}

const IOC_FILE = join(FIXTURES, 'iocs.txt');
const NO_OBJECTS = (): ObjectReader => {
  throw new Error('the bench reads no S3 objects here');
};

/** The bytes one session has in a format (subscription: the array of Lambda events, as the fixture files hold). */
export function sessionBytes(s: BenchSession, format: Format): Buffer {
  if (format === 'log') return s.log;
  if (format === 'cwFinal') return s.cwFinal;
  return Buffer.from(JSON.stringify(s.subscription));
}

const FILE_SUFFIX: Record<Format, string> = {
  log: '.log',
  cwFinal: '.cw-final.jsonl',
  subscription: '.subscription.json',
};

/** Writes the corpus as the files `sessionwatch scan DIR` reads, plus the CloudTrail records that name each session. */
export function writeCorpusFiles(corpus: Corpus, dir: string): { dirs: Record<Format, string>; cloudtrail: string } {
  const dirs = {} as Record<Format, string>;
  for (const format of Object.keys(FILE_SUFFIX) as Format[]) {
    dirs[format] = join(dir, format);
    mkdirSync(dirs[format], { recursive: true });
    for (const s of corpus.sessions)
      writeFileSync(join(dirs[format], `${s.sessionId}${FILE_SUFFIX[format]}`), sessionBytes(s, format));
  }
  const cloudtrail = join(dir, 'cloudtrail.json');
  writeFileSync(cloudtrail, JSON.stringify(startSessionRecords(corpus.sessions.map((s) => s.sessionId))));
  return { dirs, cloudtrail };
}

/** A stdout that counts what it is given (alert lines), as a pipe to a SIEM forwarder would take it. */
function countingIo(): { io: CliIo; written: () => number; errors: () => string } {
  let bytes = 0;
  let errors = '';
  const stdout = new Writable({
    write(chunk, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  const stderr = new Writable({
    write(chunk, _enc, done) {
      errors += String(chunk);
      done();
    },
  });
  return {
    io: { stdout, stderr, stdin: process.stdin, env: {} },
    written: () => bytes,
    errors: () => errors,
  };
}

/** `sessionwatch scan DIR --ioc iocs.txt --cloudtrail trail.json --format jsonl`, in this process. */
export async function runScanCli(dir: string, cloudtrail: string): Promise<RunCount> {
  const { io, written, errors } = countingIo();
  const code = await scanCommand(
    [dir, '--ioc', IOC_FILE, '--cloudtrail', cloudtrail, '--format', 'jsonl', '--no-progress'],
    io,
  );
  const summary = /(\d+) alerts? .* in \d+ sessions?, (\d+) commands?/.exec(errors());
  if (code !== 0 || !summary) throw new Error(`scan failed (exit ${code}): ${errors().slice(-500)}`);
  return { alerts: Number(summary[1]), commands: Number(summary[2]), outputBytes: written() };
}

// ---- the Lambda handlers' paths

/**
 * Captures what the handler prints while `fn` runs (Powertools logs and EMF metrics, the stdout sink's alerts):
 * counted, as Lambda would ship it to CloudWatch Logs, but not shown.
 */
async function capturingOutput<T>(fn: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  let bytes = 0;
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      bytes += chunk.length;
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write;
  }
  try {
    return { value: await fn(), bytes };
  } finally {
    streams.forEach((s, i) => {
      s.write = originals[i]!;
    });
  }
}

/** Request units the state table consumed, as on-demand DynamoDB bills them. */
export interface TableUnits {
  writeUnits: number;
  /** Of which the buffered chunks' items (the rest: the sessions' own items). */
  chunkWriteUnits: number;
  readUnits: number;
  puts: number;
}

/** An item's size as DynamoDB counts it: attribute names plus values (a list adds 3 bytes and 1 per element). */
function itemBytes(item: Record<string, AttributeValue>): number {
  const valueBytes = (v: AttributeValue): number =>
    v.S !== undefined
      ? Buffer.byteLength(v.S)
      : v.B !== undefined
        ? v.B.length
        : v.N !== undefined
          ? Math.ceil(v.N.length / 2) + 1
          : v.L !== undefined
            ? 3 + v.L.reduce((n, e) => n + 1 + valueBytes(e), 0)
            : 1;
  return Object.entries(item).reduce((n, [name, v]) => n + name.length + valueBytes(v), 0);
}

/**
 * DynamoDB's GetItem and conditional PutItem for the state table, held in memory: the state store's own work (JSON,
 * gzip) is measured as deployed, the network round trip is not; the request units are counted (a write unit per KB
 * written, a read unit per 4 KB read consistently, at least one each).
 */
function inMemoryStateTable(units: TableUnits): Pick<DynamoDBClient, 'send'> {
  const items = new Map<string, Record<string, AttributeValue>>();
  const send = async (command: GetItemCommand | PutItemCommand) => {
    if (command instanceof GetItemCommand) {
      const item = items.get(command.input.Key!.pk!.S!);
      units.readUnits += Math.max(1, Math.ceil((item ? itemBytes(item) : 0) / 4096));
      return { Item: item };
    }
    const { Item, ConditionExpression, ExpressionAttributeValues } = command.input;
    const written = Math.max(1, Math.ceil(itemBytes(Item!) / 1024));
    units.writeUnits += written;
    if (Item!.pk!.S!.includes('#chunk#')) units.chunkWriteUnits += written;
    units.puts++;
    const current = items.get(Item!.pk!.S!);
    // 'version = :v' (and 'expiresAt = :s'), else 'attribute_not_exists(pk)'
    const expected = ExpressionAttributeValues?.[':v']?.N;
    const stamp = ExpressionAttributeValues?.[':s']?.N;
    const holds =
      expected === undefined
        ? !current
        : current?.version?.N === expected && (stamp === undefined || current?.expiresAt?.N === stamp);
    if (ConditionExpression && !holds)
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    items.set(Item!.pk!.S!, Item!);
    return {};
  };
  return { send } as unknown as Pick<DynamoDBClient, 'send'>;
}

/**
 * The transcripts function's runtime as deployed (built-in rules, the fixture IOCs, INFO logs, EMF metrics, a stdout
 * sink standing in for SNS), with S3 served from memory and every session's StartSession already indexed (the
 * identity table hit). The session state goes through the DynamoDB store into an in-memory table; the alert ledger
 * is in memory. DynamoDB round trips are not measured.
 */
export interface LambdaRig {
  rt: Runtime;
  counted(): RunCount;
  /** The state table's request units so far. */
  stateTable: TableUnits;
}

export async function lambdaRuntime(corpus: Corpus): Promise<LambdaRig> {
  const env = {
    AWS_REGION: 'eu-west-1',
    SESSIONWATCH_FUNCTION: 'transcripts',
    SESSIONWATCH_SINKS: 'stdout',
    SESSIONWATCH_SPOOL: 'sqs:https://sqs.eu-west-1.amazonaws.com/111122223333/sessionwatch-bench-spool',
    SESSIONWATCH_IOC_SOURCES: IOC_FILE,
    SESSIONWATCH_MIN_SEVERITY: 'info',
    LOG_LEVEL: 'INFO',
  };
  const config = loadConfig(env);
  const observer = createObserver(env);
  const base = await createRuntime(config, observer, env);
  await base.engine(); // built once per container, on its first transcript: the cold start, measured apart
  await indexSessionEvents(startSessionRecords(corpus.sessions.map((s) => s.sessionId)), base.identities);
  const logs = new Map(corpus.sessions.map((s) => [`session-logs/${s.sessionId}.log`, s.log]));
  const objects: ObjectReader = {
    async *list() {},
    async get(_bucket, key) {
      const bytes = logs.get(key);
      if (!bytes) throw Object.assign(new Error(`no ${key}`), { name: 'NoSuchKey' });
      return asyncChunks(bytes);
    },
  };
  let commands = 0;
  let alerts = 0;
  const stateTable: TableUnits = { writeUnits: 0, chunkWriteUnits: 0, readUnits: 0, puts: 0 };
  const rt: Runtime = {
    ...base,
    states: new DynamoDbSessionStateStore(inMemoryStateTable(stateTable), 'sessionwatch-bench-state'),
    objects,
    alertsFor(list, transcript) {
      commands += list.filter((c) => c.fresh).length; // the streaming path replays buffered events again
      return base.alertsFor(list, transcript);
    },
    deliver(list) {
      alerts += list.length;
      return base.deliver(list);
    },
  };
  return { rt, counted: () => ({ commands, alerts, outputBytes: 0, stateTable }), stateTable };
}

/**
 * Publishes the handler's metrics once per invocation, as it does, an invocation holding as many records as the
 * deployed event sources batch (`infra`: SQS batches of 10 S3 notifications, Kinesis batches of 100 deliveries).
 */
function perInvocation(rt: Runtime, batchSize: number): { handled(): void; end(): void } {
  let inBatch = 0;
  return {
    handled() {
      if (++inBatch === batchSize) this.end();
    },
    end() {
      if (inBatch > 0) rt.observer.flush();
      inBatch = 0;
    },
  };
}

/** Every session's S3 object through the handler's object path (as an S3 notification names it). */
export async function runLambdaObjects(corpus: Corpus, { rt, counted }: LambdaRig): Promise<RunCount> {
  const invocation = perInvocation(rt, PRICES.s3ObjectsPerInvocation);
  const { bytes } = await capturingOutput(async () => {
    for (const s of corpus.sessions) {
      await handleObject({ bucket: 'bench-transcripts', key: `session-logs/${s.sessionId}.log` }, rt, () => 900_000);
      invocation.handled();
    }
    invocation.end();
  });
  return { ...counted(), outputBytes: bytes };
}

/** Every subscription delivery through the handler's subscription path, session after session. */
export async function runLambdaSubscriptions(corpus: Corpus, { rt, counted }: LambdaRig): Promise<RunCount> {
  const invocation = perInvocation(rt, PRICES.deliveriesPerInvocation);
  const { bytes } = await capturingOutput(async () => {
    for (const s of corpus.sessions) {
      for (const event of s.subscription) {
        await handleSubscription(event.awslogs.data, rt);
        invocation.handled();
      }
    }
    invocation.end();
  });
  return { ...counted(), outputBytes: bytes };
}

// ---- stages, stacked

export const STAGES = [
  'decode',
  'replay+segmentation',
  'shell analysis',
  'rules',
  'alerts (enrichment)',
  'formatting',
] as const;
export type Stage = (typeof STAGES)[number];

function inputsOf(corpus: Corpus, format: Format): Input[] {
  return corpus.sessions.map((s) => {
    const bytes = sessionBytes(s, format);
    return { name: `${s.sessionId}${FILE_SUFFIX[format]}`, open: () => asyncChunks(bytes) };
  });
}

async function* each(inputs: Input[]): AsyncGenerator<Input> {
  yield* inputs;
}

export interface StageRig {
  inputs: Input[];
  shellOnly: Engine;
  full: Engine;
  store: MemoryIdentityStore;
}

export async function stageRig(corpus: Corpus, format: Format): Promise<StageRig> {
  const { readFileSync } = await import('node:fs');
  const store = new MemoryIdentityStore();
  await indexSessionEvents(startSessionRecords(corpus.sessions.map((s) => s.sessionId)), store);
  return {
    inputs: inputsOf(corpus, format),
    // no rules and no indicators: the shell is parsed and analysed, nothing is matched
    shellOnly: createEngine({ builtin: false, builtinIocs: false }).engine,
    full: createEngine({ iocTexts: [{ name: 'iocs.txt', text: readFileSync(IOC_FILE, 'utf8') }] }).engine,
    store,
  };
}

/** Runs the pipeline up to and including `stage`, over every input. */
export async function runUpTo(stage: Stage, rig: StageRig): Promise<RunCount> {
  const count: RunCount = { commands: 0, alerts: 0, outputBytes: 0 };
  const upTo = STAGES.indexOf(stage);
  if (upTo === 0) {
    for (const input of rig.inputs)
      for await (const _ of decodeStream(input.open(), { name: input.name })) count.commands++;
    return count;
  }
  const analyzers = new Map<string, SessionAnalyzer>();
  const engine = upTo === 2 ? rig.shellOnly : rig.full;
  const detector = new SessionDetector({ engine, actors: new IdentityResolver({ store: rig.store }) });
  const analyze = (record: Parameters<SessionAnalyzer['analyze']>[0], session: SessionInfo) => {
    let a = analyzers.get(session.sessionId);
    if (!a) {
      a = engine.session({ sessionId: session.sessionId });
      analyzers.set(session.sessionId, a);
    }
    return a.analyze(record);
  };
  const record =
    upTo <= 3
      ? (record: Parameters<SessionAnalyzer['analyze']>[0], session: SessionInfo) => {
          count.commands++;
          if (upTo >= 2) count.alerts += analyze(record, session).length;
        }
      : async (record: Parameters<SessionAnalyzer['analyze']>[0], session: SessionInfo) => {
          // as `scan` does: alerts built (actor from the identity store, cached), then formatted
          count.commands++;
          const alerts = await detector.detect(record, session);
          count.alerts += alerts.length;
          if (upTo === 5) for (const a of alerts) count.outputBytes += formatLine(a, 'jsonl').length + 1;
        };
  await readCommands(
    each(rig.inputs),
    {
      record,
      sessionEnd: (session) => {
        analyzers.delete(session.sessionId);
        detector.end(session);
      },
      problem: () => {},
    },
    { objects: NO_OBJECTS },
  );
  return count;
}
