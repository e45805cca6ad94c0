import { hash } from 'node:crypto';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../alerts/alert.js';
import { sdk } from '../aws/clients.js';
import { type BufferChunk, type EventStamp, packedChunk } from './event-buffer.js';
import type { ReplayState, SessionEvent } from './session-replay.js';

/** A session's state in the pipeline: its replay state, the alert ids it raised, and alerts not yet delivered. */
export interface SessionStateItem {
  replay: ReplayState;
  /** Ids handed to delivery already: the idempotency record of the session. */
  alerted: string[];
  /** Alerts saved with the state before delivery, so a crash between the two loses none (delivered next time). */
  outbox: Alert[];
}

export interface VersionedItem {
  item: SessionStateItem;
  version: number;
}

/** Per-session state with optimistic concurrency: a write succeeds only over the version it read. */
export interface SessionStateStore {
  get(key: string): Promise<VersionedItem | null>;
  /** False when another writer stored a newer version first (the caller reads again and redoes its work). */
  put(key: string, item: SessionStateItem, expectedVersion: number | null): Promise<boolean>;
  /** A value stored whole under its own key (the S3 object path's continuation state), or null. */
  getValue(key: string): Promise<unknown>;
  /**
   * Stores a value whole, once: a retried write finds the value already there and leaves it (the same input gave
   * the same value). Same table and TTL as the session states.
   */
  putOnce(key: string, value: object): Promise<void>;
}

/** The item without its buffered events: each chunk's stamps stay, its events are stored apart. */
type StoredMeta = Omit<SessionStateItem, 'replay'> & {
  replay: Omit<ReplayState, 'buffer'> & { buffer: EventStamp[][] };
};

/**
 * The item as stored: its small part as JSON, and each buffered chunk encoded once (by `encode`) and then carried
 * from version to version as it is, so a delivery costs what it adds, not what the session has buffered.
 */
function split<P>(item: SessionStateItem, encode: (events: SessionEvent[]) => P, isPacked: (p: unknown) => p is P) {
  const meta: StoredMeta = { ...item, replay: { ...item.replay, buffer: item.replay.buffer.map((c) => c.stamps) } };
  const chunks = item.replay.buffer.map((c) => {
    if (!isPacked(c.packed)) c.packed = encode(c.events());
    return c.packed as P;
  });
  return { meta: JSON.stringify(meta), chunks };
}

function joined<P>(meta: string, chunks: readonly P[], decode: (packed: P) => SessionEvent[]): SessionStateItem {
  const m = JSON.parse(meta) as StoredMeta;
  const buffer: BufferChunk[] = m.replay.buffer.map((stamps, i) => packedChunk(stamps, chunks[i]!, decode));
  return { ...m, replay: { ...m.replay, buffer } };
}

/**
 * The states this process wrote (or, for the DynamoDB store, read) last, by key, with their version and TTL stamp. A
 * delivery of a session usually follows one this process handled: its state is at hand, not decoded again. The
 * stamp tells this write from a later item that came to the same version after the first expired.
 */
class WrittenStates {
  private readonly items = new Map<string, { item: SessionStateItem; version: number; stamp: string }>();

  constructor(private readonly max = 256) {}

  get(key: string, version: number, stamp: string): SessionStateItem | null {
    const hit = this.items.get(key);
    return hit && hit.version === version && hit.stamp === stamp ? hit.item : null;
  }

  /** The last state this process wrote or read under `key`, whatever the store holds now. */
  latest(key: string): { item: SessionStateItem; version: number; stamp: string } | null {
    return this.items.get(key) ?? null;
  }

  forget(key: string): void {
    this.items.delete(key);
  }

  set(key: string, item: SessionStateItem, version: number, stamp: string): void {
    this.items.delete(key); // re-inserted: the oldest entry is the least recently written
    this.items.set(key, { item, version, stamp });
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value!);
  }
}

const parseEvents = (json: string) => JSON.parse(json) as SessionEvent[];
const isString = (p: unknown): p is string => typeof p === 'string';

export class MemorySessionStateStore implements SessionStateStore {
  private readonly items = new Map<string, { meta: string; chunks: string[]; version: number }>();
  private readonly values = new Map<string, string>();
  private readonly written = new WrittenStates();

  async get(key: string): Promise<VersionedItem | null> {
    const stored = this.items.get(key);
    if (!stored) return null;
    const item = this.written.get(key, stored.version, '') ?? joined(stored.meta, stored.chunks, parseEvents);
    return { item, version: stored.version };
  }

  async put(key: string, item: SessionStateItem, expectedVersion: number | null): Promise<boolean> {
    const current = this.items.get(key)?.version ?? null;
    if (current !== expectedVersion) return false;
    const version = (current ?? 0) + 1;
    this.items.set(key, { ...split(item, JSON.stringify, isString), version });
    this.written.set(key, item, version, '');
    return true;
  }

  async getValue(key: string): Promise<unknown> {
    const stored = this.values.get(key);
    return stored === undefined ? null : JSON.parse(stored);
  }

  async putOnce(key: string, value: object): Promise<void> {
    if (!this.values.has(key)) this.values.set(key, JSON.stringify(value));
  }
}

export class StateTooLargeError extends Error {
  override name = 'StateTooLargeError';
}

/** DynamoDB's item limit is 400 KB; each item is kept well below it, gzipped. */
const MAX_ITEM_BYTES = 350 * 1024;

/**
 * A session's own item is rewritten at every delivery and billed per KB: gzip's default level. A chunk of events is
 * written once, and gzipping a delivery of command output at the default level took a third of the stream path's CPU:
 * the fastest level, 3x cheaper in CPU, for 3-4% more bytes (bench, mixed corpus: stream Lambda +30%, table +0.8%).
 */
const pack = (text: string) => gzipSync(text);
const packEvents = (events: SessionEvent[]) => gzipSync(JSON.stringify(events), { level: constants.Z_BEST_SPEED });
const gunzipEvents = (packed: Uint8Array) => JSON.parse(gunzipSync(packed).toString('utf8')) as SessionEvent[];

/**
 * A buffered chunk of events in its own item, named by its content: written once, by the delivery that brought it,
 * and from then on only named by the session's item. (Kept inline, every chunk was written again at every delivery
 * while it stayed in the buffer: most of the table's cost.)
 */
interface StoredChunk {
  key: string;
  /** Absent when the item was not found (expired: no session outlives a TTL of days). */
  bytes?: Uint8Array;
  written: boolean;
}

const isStoredChunk = (p: unknown): p is StoredChunk =>
  typeof p === 'object' && p !== null && typeof (p as StoredChunk).key === 'string' && 'written' in p;
const eventsOfChunk = (c: StoredChunk) => (c.bytes ? gunzipEvents(c.bytes) : []);

/**
 * The parts of a replay state that change only when its buffer folds (the base and mid snapshots, the folded ids):
 * once large, each goes in an item of its own named by a digest of its JSON, written when it changes, so a delivery
 * that only moves the head rewrites the head and the stamps, not a long session's ~6 KB (gzipped) of fold state.
 */
const FOLD_PARTS = ['base', 'mid', 'foldedIds'] as const;
const MIN_PART_CHARS = 1024;
interface PartRef {
  $part: string;
}
const isPartRef = (v: unknown): v is PartRef =>
  typeof v === 'object' && v !== null && typeof (v as PartRef).$part === 'string';

/**
 * One item per session in the state table (`pk`, TTL on `expiresAt`): the state gzipped in `state`, the keys of its
 * buffered chunks in `chunks` (each chunk an item of its own: `events`, gzipped), and `version` for conditional
 * writes, so concurrent or retried invocations never overwrite each other's work. A long session's fold state is
 * named in `state` too, each part an item of its own (`part`, gzipped). Chunks and parts are written before the item
 * that names them. Items written before chunks had their own (the chunks inline, in the list `events`) are read as
 * well.
 */
export class DynamoDbSessionStateStore implements SessionStateStore {
  private readonly written = new WrittenStates();
  private readonly knownParts = new Set<string>();

  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
    private readonly ttlSeconds = 7 * 24 * 3600,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The state this instance last wrote or read under `key`, without reading the table (a session's deliveries mostly
   * come to the instance that handled the one before): if another writer moved the item on meanwhile, the put over it
   * fails on its version and stamp, and the next get reads the table.
   */
  async get(key: string): Promise<VersionedItem | null> {
    const known = this.written.latest(key);
    if (known) return { item: known.item, version: known.version };
    const item = await this.read(key);
    const state = item?.state?.B;
    const version = item?.version?.N;
    if (!state || !version) return null;
    const decoded = await this.decode(gunzipSync(state).toString('utf8'), item);
    this.written.set(key, decoded, Number(version), item?.expiresAt?.N ?? '');
    return { item: decoded, version: Number(version) };
  }

  private async decode(meta: string, item: Record<string, AttributeValue>): Promise<SessionStateItem> {
    const refs = item.chunks?.L;
    if (!refs) {
      const inline = (item.events?.L ?? []).map((c) => c.B ?? new Uint8Array());
      return joined(meta, inline, gunzipEvents);
    }
    const chunks = await Promise.all(refs.map((r) => this.readChunk(r.S ?? '')));
    const read = joined(meta, chunks, eventsOfChunk);
    return { ...read, replay: await this.withParts(read.replay) };
  }

  async put(key: string, item: SessionStateItem, expectedVersion: number | null): Promise<boolean> {
    const { replay, parts } = this.withoutParts(key, item.replay);
    const { meta, chunks } = split({ ...item, replay }, (events) => this.newChunk(key, events), isStoredChunk);
    const expiresAt = this.expiresAt();
    await Promise.all([
      ...chunks.filter((c) => !c.written).map((c) => this.writeChunk(c, expiresAt)),
      ...parts.map((p) => this.writePart(p, expiresAt)),
    ]);
    const keys = chunks.map((c) => c.key);
    // over the very write or read the state came from: its version, and its stamp when this instance knows it
    const known = this.written.latest(key);
    const stamp = expectedVersion !== null && known?.version === expectedVersion ? known.stamp : null;
    const saved = await this.write(key, pack(meta), keys, expectedVersion, expiresAt, stamp);
    if (saved) this.written.set(key, item, (expectedVersion ?? 0) + 1, expiresAt);
    else this.written.forget(key);
    return saved;
  }

  async getValue(key: string): Promise<unknown> {
    const state = (await this.read(key))?.state?.B;
    return state ? JSON.parse(gunzipSync(state).toString('utf8')) : null;
  }

  /** The item under `key`, read consistently (a state is read just before the write that depends on it). */
  private async read(key: string) {
    const { GetItemCommand } = await sdk.dynamoDb();
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    return out.Item;
  }

  private async readChunk(key: string): Promise<StoredChunk> {
    return { key, bytes: (await this.read(key))?.events?.B, written: true };
  }

  /** The replay state with its large fold parts replaced by the names of their items (and those not yet written). */
  private withoutParts(
    key: string,
    replay: ReplayState,
  ): { replay: ReplayState; parts: { key: string; json: string }[] } {
    const out: Record<string, unknown> = { ...replay };
    const parts: { key: string; json: string }[] = [];
    for (const name of FOLD_PARTS) {
      const value = replay[name];
      if (value === null || value === undefined) continue;
      const json = JSON.stringify(value);
      if (json.length < MIN_PART_CHARS) continue;
      const part = `${key}#part#${hash('sha256', json, 'base64url').slice(0, 32)}`;
      out[name] = { $part: part } satisfies PartRef;
      if (!this.knownParts.has(part)) parts.push({ key: part, json });
    }
    return { replay: out as unknown as ReplayState, parts };
  }

  /** The replay state with the fold parts it names read back from their items. */
  private async withParts(replay: ReplayState): Promise<ReplayState> {
    const out: Record<string, unknown> = { ...replay };
    const names = FOLD_PARTS.filter((n) => isPartRef(out[n]));
    const values = await Promise.all(names.map((n) => this.readPart((out[n] as PartRef).$part)));
    names.forEach((n, i) => {
      out[n] = values[i];
    });
    return out as unknown as ReplayState;
  }

  private async readPart(key: string): Promise<unknown> {
    const bytes = (await this.read(key))?.part?.B;
    // written before the item naming it, and kept for the same TTL of days: gone only if a session outlived it
    if (!bytes) throw new Error(`session state part ${key} is missing (expired?)`);
    this.remember(key);
    return JSON.parse(gunzipSync(bytes).toString('utf8'));
  }

  private async writePart(part: { key: string; json: string }, expiresAt: string): Promise<void> {
    await this.writeWhole(part.key, 'part', pack(part.json), expiresAt);
    this.remember(part.key);
  }

  /** Parts this instance wrote or read lately: they need no writing again (the last few thousand). */
  private remember(key: string): void {
    if (this.knownParts.size >= 4096) this.knownParts.clear();
    this.knownParts.add(key);
  }

  /** A chunk's item is named by the session and a digest of its bytes: the same events, the same item. */
  private newChunk(key: string, events: SessionEvent[]): StoredChunk {
    const bytes = packEvents(events);
    return { key: `${key}#chunk#${hash('sha256', bytes, 'base64url').slice(0, 32)}`, bytes, written: false };
  }

  private async writeChunk(chunk: StoredChunk, expiresAt: string): Promise<void> {
    await this.writeWhole(chunk.key, 'events', chunk.bytes!, expiresAt);
    chunk.written = true;
  }

  /**
   * A chunk's or a part's item, put unconditionally: its key is a digest of what it holds, so a retried or concurrent
   * delivery writes the same bytes under the same key.
   */
  private async writeWhole(key: string, attribute: 'events' | 'part', bytes: Uint8Array, expiresAt: string) {
    if (bytes.length > MAX_ITEM_BYTES)
      throw new StateTooLargeError(`a state ${attribute} item of ${bytes.length} bytes`);
    const { PutItemCommand } = await sdk.dynamoDb();
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: { pk: { S: key }, [attribute]: { B: bytes }, expiresAt: { N: expiresAt } },
      }),
    );
  }

  async putOnce(key: string, value: object): Promise<void> {
    await this.write(key, pack(JSON.stringify(value)), [], null, this.expiresAt(), null);
  }

  /** The TTL attribute of an item written now (seconds, as DynamoDB's TTL wants them). */
  private expiresAt(): string {
    return String(Math.floor(this.now() / 1000) + this.ttlSeconds);
  }

  /**
   * A conditional put: over `expectedVersion` (and the TTL stamp `stamp` that write set, when known: not an item that
   * expired and came back to the same version), or only where no item is (null). False when the condition failed.
   */
  private async write(
    key: string,
    state: Buffer,
    chunkKeys: string[],
    expectedVersion: number | null,
    expiresAt: string,
    stamp: string | null,
  ) {
    const bytes = chunkKeys.reduce((n, k) => n + k.length, state.length);
    if (bytes > MAX_ITEM_BYTES) throw new StateTooLargeError(`session state of ${bytes} bytes`);
    const { PutItemCommand, ConditionalCheckFailedException } = await sdk.dynamoDb();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: key },
            state: { B: state },
            chunks: { L: chunkKeys.map((k) => ({ S: k })) },
            version: { N: String((expectedVersion ?? 0) + 1) },
            expiresAt: { N: expiresAt },
          },
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : stamp === null
              ? {
                  ConditionExpression: 'version = :v',
                  ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
                }
              : {
                  ConditionExpression: 'version = :v AND expiresAt = :s',
                  ExpressionAttributeValues: { ':v': { N: String(expectedVersion) }, ':s': { N: stamp } },
                }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
