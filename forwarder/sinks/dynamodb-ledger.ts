import type {
  BatchGetItemCommandOutput,
  BatchWriteItemCommandOutput,
  DynamoDBClient,
  KeysAndAttributes,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay, sleep } from '../aws/backoff.js';
import { sdk } from '../aws/clients.js';
import type { DeliveryLedger } from './ledger.js';
import { chunk } from './types.js';

const ATTEMPTS = 6;
const pause = (attempt: number) => sleep(backoffDelay(attempt, { baseMs: 50, capMs: 2_000 }));

/**
 * The ledger in the state table (SESSIONWATCH_STATE_TABLE): items `pk = delivered#<sink>#<alert id>` with a TTL
 * (`expiresAt`) long enough to cover the gap between the streaming and the end-of-session paths and any redrive.
 */
export class DynamoDbLedger implements DeliveryLedger {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
    private readonly ttlDays = 14,
  ) {}

  private key(sink: string, id: string) {
    return `delivered#${sink}#${id}`;
  }

  async delivered(sink: string, ids: readonly string[]): Promise<Set<string>> {
    const { BatchGetItemCommand, marshall, unmarshall } = await sdk.dynamoDb();
    const found = new Set<string>();
    const byKey = new Map(ids.map((id) => [this.key(sink, id), id]));
    for (const keys of chunk([...byKey.keys()], 100)) {
      let pending: KeysAndAttributes | undefined = {
        Keys: keys.map((pk) => marshall({ pk })),
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      };
      for (let attempt = 0; pending && attempt < ATTEMPTS; attempt++) {
        if (attempt) await pause(attempt);
        const out: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) found.add(byKey.get(unmarshall(item).pk as string)!);
        const rest: KeysAndAttributes | undefined = out.UnprocessedKeys?.[this.tableName];
        pending = rest?.Keys?.length ? rest : undefined;
      }
      if (pending) throw new Error('DynamoDB ledger: keys still unprocessed after retries');
    }
    return found;
  }

  async record(sink: string, ids: readonly string[]): Promise<void> {
    const { BatchWriteItemCommand, marshall } = await sdk.dynamoDb();
    const expiresAt = Math.floor(Date.now() / 1000) + this.ttlDays * 86_400;
    for (const batch of chunk(ids, 25)) {
      let pending: WriteRequest[] | undefined = batch.map((id) => ({
        PutRequest: { Item: marshall({ pk: this.key(sink, id), expiresAt }) },
      }));
      for (let attempt = 0; pending?.length && attempt < ATTEMPTS; attempt++) {
        if (attempt) await pause(attempt);
        const out: BatchWriteItemCommandOutput = await this.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = out.UnprocessedItems?.[this.tableName];
      }
      if (pending?.length) throw new Error('DynamoDB ledger: writes still unprocessed after retries');
    }
  }
}
