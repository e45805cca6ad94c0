import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { deliverAlerts } from '../../../forwarder/sinks/deliver.js';
import { DynamoDbLedger } from '../../../forwarder/sinks/dynamodb-ledger.js';
import { createSinks } from '../../../forwarder/sinks/factory.js';
import { redrive } from '../../../forwarder/sinks/redrive.js';
import { archiveKey } from '../../../forwarder/sinks/s3-archive.js';
import { openSpool } from '../../../forwarder/sinks/spool-factory.js';
import { fixtureAlerts } from './helpers/alerts.js';
import { startDynamoDb, startS3 } from './helpers/emulators.js';
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from './helpers/fake-aws.js';

const alerts = fixtureAlerts();
const fast = { sleep: async () => undefined, random: () => 0 };

describe('S3 archive sink (s3rver)', () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  beforeAll(async () => {
    s3 = await startS3(['alert-archive']);
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('writes gzip JSON lines partitioned by account, region and date; a retried batch rewrites the same key', async () => {
    const [sink] = createSinks(['s3:alert-archive/sessionwatch/alerts'], { s3: () => s3.client, reliability: fast });
    expect((await sink!.send(alerts)).delivered).toHaveLength(alerts.length);
    await sink!.send(alerts);
    const list = await s3.client.send(new ListObjectsV2Command({ Bucket: 'alert-archive' }));
    const keys = (list.Contents ?? []).map((o) => o.Key!).sort();
    const partitions = new Set(
      alerts.map((a) => `sessionwatch/alerts/account=${a.account}/region=${a.region}/date=${a.time!.slice(0, 10)}/`),
    );
    expect(keys).toHaveLength(partitions.size);
    for (const key of keys)
      expect([...partitions].some((p) => key.startsWith(p)) && key.endsWith('.json.gz')).toBe(true);
    const archived: Alert[] = [];
    for (const Key of keys) {
      const obj = await s3.client.send(new GetObjectCommand({ Bucket: 'alert-archive', Key }));
      const lines = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray()))
        .toString('utf8')
        .trim()
        .split('\n');
      archived.push(...lines.map((l) => JSON.parse(l) as Alert));
    }
    expect(archived.map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    const [a, b] = alerts.filter((x) => x.sessionId.startsWith('mallory-'));
    expect(archiveKey('p', [b!, a!])).toBe(archiveKey('p', [a!, b!]));
  });

  it('reports a missing bucket as a failure (spooled), not an exception', async () => {
    const [sink] = createSinks(['s3:no-such-bucket/x'], {
      s3: () => s3.client,
      reliability: { ...fast, maxAttempts: 1 },
    });
    const result = await sink!.send(alerts.slice(0, 1));
    expect(result.failed[0]).toMatchObject({ retryable: false, error: expect.stringMatching(/NoSuchBucket/) });
  });
});

describe('SNS sink and the SQS spool (in-process AWS endpoint), DynamoDB ledger (dynalite)', () => {
  let aws: FakeAws;
  let db: Awaited<ReturnType<typeof startDynamoDb>>;
  beforeAll(async () => {
    aws = await startFakeAws();
    db = await startDynamoDb();
    await db.createTable('sessionwatch-state');
  });
  afterAll(async () => {
    await aws?.close();
    await db?.close();
  });
  const topic = 'arn:aws:sns:eu-west-1:111122223333:security-alerts';
  const sns = () =>
    new SNSClient({ region: 'eu-west-1', endpoint: aws.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });

  it('publishes one readable message per alert (bursts collapsed) with filterable attributes', async () => {
    aws.published.length = 0;
    const [sink] = createSinks([`sns:${topic}`], { sns, reliability: fast });
    const { spool, ledger } = openSpool('sqs:https://sqs.eu-west-1.amazonaws.com/111122223333/sw-dlq', {
      sqs: () => new SQSClient({ region: 'eu-west-1', endpoint: aws.url, credentials: TEST_CREDENTIALS }),
    });
    const [report] = await deliverAlerts(alerts, { sinks: [sink!], spool, ledger });
    const sessions = new Set(alerts.map((a) => a.sessionId));
    expect(report).toMatchObject({ spooled: 0, delivered: aws.published.length });
    expect(aws.published.length).toBeGreaterThanOrEqual(sessions.size);
    expect(aws.published.length).toBeLessThan(alerts.length); // mallory's five alerts became one message
    for (const m of aws.published) {
      expect(m.topicArn).toBe(topic);
      expect(m.subject.length).toBeLessThan(100);
      expect(Object.keys(m.attributes).sort()).toEqual(['account', 'alert_id', 'category', 'rule_id', 'severity']);
      expect(m.message).toContain('https://');
    }
  });

  it('spools to SQS when SNS is down, and redrive from the queue delivers once (ledger in DynamoDB)', async () => {
    aws.published.length = 0;
    aws.state.snsDown = true;
    const sqs = () => new SQSClient({ region: 'eu-west-1', endpoint: aws.url, credentials: TEST_CREDENTIALS });
    const location = 'sqs:https://sqs.eu-west-1.amazonaws.com/111122223333/sw-dlq';
    const deps = { sqs, dynamodb: () => db.client, stateTable: 'sessionwatch-state' };
    const { spool, ledger } = openSpool(location, deps);
    expect(ledger).toBeInstanceOf(DynamoDbLedger);
    const sinks = createSinks([`sns:${topic}?burst=0`], { sns, reliability: fast });
    const [report] = await deliverAlerts(alerts, { sinks, spool, ledger });
    expect(report).toMatchObject({ delivered: 0, spooled: alerts.length });
    expect(aws.queue).toHaveLength(alerts.length);

    aws.state.snsDown = false;
    const redriven = await redrive(spool, createSinks([`sns:${topic}?burst=0`], { sns, reliability: fast }), ledger);
    expect(redriven).toMatchObject({ delivered: alerts.length, remaining: 0 });
    expect(aws.queue).toHaveLength(0);
    expect(aws.published.map((m) => m.attributes.alert_id).sort()).toEqual(alerts.map((a) => a.id).sort());

    // The same alerts again (say the S3 path found them after the stream did): the ledger stops them.
    const [again] = await deliverAlerts(alerts, {
      sinks: createSinks([`sns:${topic}?burst=0`], { sns, reliability: fast }),
      ...openSpool(location, deps),
    });
    expect(again).toMatchObject({ delivered: 0, alreadyDelivered: alerts.length });
    expect(aws.published).toHaveLength(alerts.length);
  });
});
