import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsErrorName, sdk } from '../aws/clients.js';
import type { SessionIdentity } from './record.js';
import { emptyIdentity, type IdentityStore } from './store.js';

/** Fields a StartSession sets, as (record field, item attribute). `end` and `lastResume` belong to later events. */
const START_FIELDS = [
  ['principalArn', 'principalArn'],
  ['principalType', 'principalType'],
  ['principalId', 'principalId'],
  ['name', 'name'],
  ['email', 'email'],
  ['account', 'account'],
  ['sourceIp', 'sourceIp'],
  ['userAgent', 'userAgent'],
  ['mfa', 'mfa'],
  ['reason', 'reason'],
  ['documentName', 'documentName'],
  ['target', 'target'],
  ['region', 'region'],
  ['start', 'sessionStart'],
  ['eventId', 'eventId'],
] as const satisfies readonly (readonly [keyof SessionIdentity, string])[];

export interface DynamoDbIdentityStoreOptions {
  tableName: string;
  /** Items expire (DynamoDB TTL on `expiresAt`) this long after the session's start or end. */
  ttlDays?: number;
}

/**
 * The identity table: partition key `pk` (string, the session id), TTL attribute `expiresAt` (epoch seconds),
 * on-demand capacity. Every write is a conditional UpdateItem, so concurrent or out-of-order events never clobber
 * the StartSession facts.
 */
export class DynamoDbIdentityStore implements IdentityStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly options: DynamoDbIdentityStoreOptions,
  ) {
    this.ttlSeconds = (options.ttlDays ?? 90) * 86_400;
  }

  private expiresAt(time: string | null): number {
    const t = time ? Date.parse(time) : Date.now();
    return Math.floor((Number.isFinite(t) ? t : Date.now()) / 1000) + this.ttlSeconds;
  }

  async get(sessionId: string): Promise<SessionIdentity | null> {
    const { GetItemCommand, marshall, unmarshall } = await sdk.dynamoDb();
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: marshall({ pk: sessionId }), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    const item = unmarshall(out.Item);
    const identity = emptyIdentity(sessionId);
    const writable = identity as unknown as Record<string, unknown>;
    for (const [field, attribute] of START_FIELDS) if (item[attribute] !== undefined) writable[field] = item[attribute];
    identity.end = item.sessionEnd ?? null;
    identity.lastResume = item.lastResume ?? null;
    return identity;
  }

  async put(identity: SessionIdentity): Promise<boolean> {
    const { UpdateItemCommand, marshall } = await sdk.dynamoDb();
    const names: Record<string, string> = { '#hasStart': 'hasStart', '#expiresAt': 'expiresAt' };
    const values: Record<string, unknown> = { ':true': true, ':ttl': this.expiresAt(identity.start) };
    const sets = ['#hasStart = :true', '#expiresAt = :ttl'];
    START_FIELDS.forEach(([field, attribute], i) => {
      names[`#a${i}`] = attribute;
      values[`:v${i}`] = identity[field];
      sets.push(`#a${i} = :v${i}`);
    });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: marshall({ pk: identity.sessionId }),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#hasStart)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
        }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async markTerminated(sessionId: string, end: string): Promise<void> {
    await this.conditionalSet(sessionId, 'sessionEnd', end, 'attribute_not_exists(#f)');
  }

  async markResumed(sessionId: string, time: string): Promise<void> {
    await this.conditionalSet(sessionId, 'lastResume', time, 'attribute_not_exists(#f) OR #f < :v');
  }

  private async conditionalSet(sessionId: string, attribute: string, value: string, condition: string): Promise<void> {
    const { UpdateItemCommand, marshall } = await sdk.dynamoDb();
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: marshall({ pk: sessionId }),
          UpdateExpression: 'SET #f = :v, #expiresAt = if_not_exists(#expiresAt, :ttl)',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#f': attribute, '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: marshall({ ':v': value, ':ttl': this.expiresAt(value) }),
        }),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }
}
