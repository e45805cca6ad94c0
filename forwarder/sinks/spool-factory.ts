import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { dynamoDbClient, sqsClient } from '../aws/clients.js';
import { DynamoDbLedger } from './dynamodb-ledger.js';
import { type DeliveryLedger, FileLedger, MemoryLedger } from './ledger.js';
import { DirSpool, type Spool } from './spool.js';
import { SqsSpool } from './sqs-spool.js';

export interface SpoolDeps {
  sqs?: (region: string | undefined) => Pick<SQSClient, 'send'>;
  dynamodb?: () => Pick<DynamoDBClient, 'send'>;
  /** SESSIONWATCH_STATE_TABLE: where the delivered-ids ledger lives in AWS. */
  stateTable?: string;
}

/**
 * The spool and its ledger from one location: a directory (CLI: `DIR/*.json` entries and `DIR/delivered.jsonl`),
 * or `sqs:QUEUE_URL` (Lambda: the ledger in the state table, in memory when none is configured).
 */
export function openSpool(location: string, deps: SpoolDeps = {}): { spool: Spool; ledger: DeliveryLedger } {
  const ledgerInTable = (): DeliveryLedger =>
    deps.stateTable ? new DynamoDbLedger(deps.dynamodb?.() ?? dynamoDbClient(), deps.stateTable) : new MemoryLedger();
  if (location.startsWith('sqs:')) {
    const queueUrl = location.slice(4);
    const region = /sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1];
    return {
      spool: new SqsSpool(deps.sqs?.(region) ?? sqsClient(region ? { region } : {}), queueUrl),
      ledger: ledgerInTable(),
    };
  }
  return {
    spool: new DirSpool(location),
    ledger: deps.stateTable ? ledgerInTable() : new FileLedger(join(location, 'delivered.jsonl')),
  };
}
