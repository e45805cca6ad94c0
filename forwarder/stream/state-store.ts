import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../alerts/alert.js';
import { sdk } from '../aws/clients.js';
import type { ReplayState } from './session-replay.js';

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
}

export class MemorySessionStateStore implements SessionStateStore {
  private readonly items = new Map<string, { json: string; version: number }>();

  async get(key: string): Promise<VersionedItem | null> {
    const stored = this.items.get(key);
    return stored ? { item: JSON.parse(stored.json) as SessionStateItem, version: stored.version } : null;
  }

  async put(key: string, item: SessionStateItem, expectedVersion: number | null): Promise<boolean> {
    const current = this.items.get(key)?.version ?? null;
    if (current !== expectedVersion) return false;
    this.items.set(key, { json: JSON.stringify(item), version: (current ?? 0) + 1 });
    return true;
  }
}

export class StateTooLargeError extends Error {
  override name = 'StateTooLargeError';
}

/** DynamoDB's item limit is 400 KB; the state is kept well below it, gzipped. */
const MAX_STATE_BYTES = 350 * 1024;

/**
 * One item per session in the state table (`pk`, TTL on `expiresAt`): the state gzipped in `state`, and `version`
 * for conditional writes, so concurrent or retried invocations never overwrite each other's work.
 */
export class DynamoDbSessionStateStore implements SessionStateStore {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
    private readonly ttlSeconds = 7 * 24 * 3600,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<VersionedItem | null> {
    const { GetItemCommand } = await sdk.dynamoDb();
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    const state = out.Item?.state?.B;
    const version = out.Item?.version?.N;
    if (!state || !version) return null;
    return { item: JSON.parse(gunzipSync(state).toString('utf8')) as SessionStateItem, version: Number(version) };
  }

  async put(key: string, item: SessionStateItem, expectedVersion: number | null): Promise<boolean> {
    const state = gzipSync(JSON.stringify(item));
    if (state.length > MAX_STATE_BYTES) throw new StateTooLargeError(`session state of ${state.length} bytes`);
    const { PutItemCommand, ConditionalCheckFailedException } = await sdk.dynamoDb();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: key },
            state: { B: state },
            version: { N: String((expectedVersion ?? 0) + 1) },
            expiresAt: { N: String(Math.floor(this.now() / 1000) + this.ttlSeconds) },
          },
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
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
