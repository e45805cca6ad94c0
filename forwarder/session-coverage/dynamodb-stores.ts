import type {
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  DynamoDBClient,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { awsErrorName, sdk } from '../aws/clients.js';
import { normaliseTime, type TranscriptObservation, type TranscriptObservations } from './observations.js';
import type { RaisedStore, SessionIndex, TranscriptIndex } from './stores.js';

/**
 * Coverage state in the state table (`SESSIONWATCH_STATE_TABLE`: partition key `pk` string, TTL attribute
 * `expiresAt` in epoch seconds). Items:
 * - `raised#<alertId>`: `ruleId`, `sessionId`, `time`, `raisedAt`; written once with a conditional put.
 * - `coverage#started#<YYYY-MM-DDTHH>`: `sessions`, a string set of the session ids started in that UTC hour.
 * - `transcript#<sessionId>`: `firstStream`, `lastStream`, `streamExit`, `final`, `finalSource` (ISO times).
 */
export interface CoverageTableOptions {
  tableName: string;
  /** Items expire this many days after their last write (default 30 for raised ids, 7 for the others). */
  ttlDays?: number;
}

const DAY = 86_400;
const isConditionFailure = (e: unknown) => awsErrorName(e) === 'ConditionalCheckFailedException';
const epoch = (ms: number) => Math.floor(ms / 1000);

abstract class CoverageTable {
  constructor(
    protected readonly client: Pick<DynamoDBClient, 'send'>,
    protected readonly options: CoverageTableOptions,
    private readonly defaultTtlDays: number,
  ) {}

  protected expiresAt(now = Date.now()): number {
    return epoch(now) + (this.options.ttlDays ?? this.defaultTtlDays) * DAY;
  }

  /** An UpdateItem whose condition may fail by design (an older value than the stored one): false then. */
  protected async update(input: Omit<UpdateItemCommandInput, 'TableName'>): Promise<boolean> {
    const { UpdateItemCommand } = await sdk.dynamoDb();
    try {
      await this.client.send(new UpdateItemCommand({ TableName: this.options.tableName, ...input }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  protected async getItem(pk: string): Promise<Record<string, unknown> | null> {
    const { GetItemCommand, marshall, unmarshall } = await sdk.dynamoDb();
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: marshall({ pk }), ConsistentRead: true }),
    );
    return out.Item ? unmarshall(out.Item) : null;
  }
}

export class DynamoDbRaisedStore extends CoverageTable implements RaisedStore {
  constructor(client: Pick<DynamoDBClient, 'send'>, options: CoverageTableOptions) {
    super(client, options, 30);
  }

  async claim(id: string, info: { ruleId: string; sessionId: string; time: string }): Promise<boolean> {
    const { PutItemCommand, marshall } = await sdk.dynamoDb();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: marshall({
            pk: `raised#${id}`,
            ...info,
            raisedAt: new Date().toISOString(),
            expiresAt: this.expiresAt(),
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(id: string): Promise<void> {
    const { DeleteItemCommand, marshall } = await sdk.dynamoDb();
    await this.client.send(
      new DeleteItemCommand({ TableName: this.options.tableName, Key: marshall({ pk: `raised#${id}` }) }),
    );
  }
}

/** The longest window `list` reads (one item per hour). */
const MAX_LIST_HOURS = 7 * 24;

const hourKey = (ms: number) => `coverage#started#${new Date(ms).toISOString().slice(0, 13)}`;

export class DynamoDbSessionIndex extends CoverageTable implements SessionIndex {
  constructor(client: Pick<DynamoDBClient, 'send'>, options: CoverageTableOptions) {
    super(client, options, 7);
  }

  async add(sessionId: string, start: string): Promise<void> {
    const { marshall } = await sdk.dynamoDb();
    const t = Date.parse(start);
    await this.update({
      Key: marshall({ pk: hourKey(t) }),
      UpdateExpression: 'ADD #s :id SET #e = :ttl',
      ExpressionAttributeNames: { '#s': 'sessions', '#e': 'expiresAt' },
      ExpressionAttributeValues: { ':id': { SS: [sessionId] }, ':ttl': { N: String(this.expiresAt(t)) } },
    });
  }

  async list(since: string | null, until: string): Promise<string[]> {
    const end = Date.parse(until);
    const hour = 3_600_000;
    const from = Math.max(since === null ? -Infinity : Date.parse(since), end - MAX_LIST_HOURS * hour);
    const keys: string[] = [];
    for (let t = Math.floor(from / hour) * hour; t <= end; t += hour) keys.push(hourKey(t));
    const byKey = new Map<string, string[]>();
    for (let i = 0; i < keys.length; i += 100) {
      for (const item of await this.batchGet(keys.slice(i, i + 100))) {
        byKey.set(item.pk as string, [...((item.sessions as Set<string> | undefined) ?? [])].sort());
      }
    }
    return keys.flatMap((k) => byKey.get(k) ?? []);
  }

  /** BatchGetItem (at most 100 keys), asking again for unprocessed keys with a short backoff. */
  private async batchGet(keys: string[]): Promise<Record<string, unknown>[]> {
    const { BatchGetItemCommand, marshall, unmarshall } = await sdk.dynamoDb();
    const table = this.options.tableName;
    const out: Record<string, unknown>[] = [];
    let request: BatchGetItemCommandInput['RequestItems'] = {
      [table]: { Keys: keys.map((pk) => marshall({ pk })), ConsistentRead: true },
    };
    for (let attempt = 0; request?.[table]?.Keys?.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
      if (attempt > 8) throw new Error(`DynamoDB left ${request[table].Keys.length} keys unprocessed`);
      const result: BatchGetItemCommandOutput = await this.client.send(
        new BatchGetItemCommand({ RequestItems: request }),
      );
      out.push(...(result.Responses?.[table] ?? []).map((item) => unmarshall(item)));
      request = result.UnprocessedKeys;
    }
    return out;
  }

  async settle(sessionId: string, start: string): Promise<void> {
    const { marshall } = await sdk.dynamoDb();
    await this.update({
      Key: marshall({ pk: hourKey(Date.parse(start)) }),
      UpdateExpression: 'DELETE #s :id',
      ExpressionAttributeNames: { '#s': 'sessions' },
      ExpressionAttributeValues: { ':id': { SS: [sessionId] } },
    });
  }
}

const OBSERVATION_FIELDS = ['firstStream', 'lastStream', 'streamExit', 'final', 'finalSource'] as const;

export class DynamoDbTranscriptIndex extends CoverageTable implements TranscriptIndex {
  constructor(client: Pick<DynamoDBClient, 'send'>, options: CoverageTableOptions) {
    super(client, options, 7);
  }

  async get(sessionId: string): Promise<TranscriptObservations | null> {
    const item = await this.getItem(`transcript#${sessionId}`);
    if (!item) return null;
    const o = { sessionId } as TranscriptObservations;
    for (const f of OBSERVATION_FIELDS) (o as unknown as Record<string, unknown>)[f] = item[f] ?? null;
    return o;
  }

  /**
   * Each field keeps its minimum or maximum through conditional updates (DynamoDB has no max()): a late or repeated
   * delivery never moves a time the wrong way.
   */
  async note(sessionId: string, observation: TranscriptObservation): Promise<void> {
    const time = normaliseTime(observation.time);
    const pk = `transcript#${sessionId}`;
    if (observation.kind === 'final') {
      await this.set(pk, { final: time, finalSource: observation.source }, 'attribute_not_exists(#f0) OR #f0 > :v0');
      return;
    }
    const newest = await this.set(pk, { lastStream: time }, 'attribute_not_exists(#f0) OR #f0 < :v0', 'firstStream');
    if (!newest) await this.set(pk, { firstStream: time }, 'attribute_not_exists(#f0) OR #f0 > :v0');
    if (observation.kind === 'stream-exit') {
      await this.set(pk, { streamExit: time }, 'attribute_not_exists(#f0) OR #f0 < :v0');
    }
  }

  /** SET the fields (the first one is `#f0`/`:v0` in the condition); `initialise` is set only when absent. */
  private async set(
    pk: string,
    fields: Record<string, string>,
    condition: string,
    initialise?: string,
  ): Promise<boolean> {
    const { marshall } = await sdk.dynamoDb();
    const names: Record<string, string> = { '#e': 'expiresAt' };
    const values: Record<string, unknown> = { ':ttl': this.expiresAt() };
    const sets = ['#e = :ttl'];
    Object.entries(fields).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    });
    if (initialise) {
      names['#init'] = initialise;
      sets.push('#init = if_not_exists(#init, :v0)');
    }
    return this.update({
      Key: marshall({ pk }),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
    });
  }
}
