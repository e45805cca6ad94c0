import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** The attribute every sessionwatch item carries with its expiry (epoch seconds), used as the table's TTL. */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * A sessionwatch table: partition key `pk` (string), on-demand, point-in-time recovery, the pipeline's customer-managed
 * key, TTL on `expiresAt`. Kept on stack deletion.
 */
export function sessionWatchTable(scope: Construct, id: string, key: kms.IKey): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TTL_ATTRIBUTE,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
