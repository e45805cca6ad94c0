import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionEvent } from '../../../forwarder/identity/cloudtrail-event.js';
import { DynamoDbIdentityStore } from '../../../forwarder/identity/dynamodb-store.js';
import { indexSessionEvent, indexSessionEvents } from '../../../forwarder/identity/index-event.js';
import { type IdentityStore, MemoryIdentityStore } from '../../../forwarder/identity/store.js';
import { sessionsDir } from '../../helpers/paths.js';
import { readTruth, truthFiles } from '../sinks/helpers/alerts.js';
import { startDynamoDb } from '../sinks/helpers/emulators.js';
import { eventBridge, laterRecord, startSessionRecord } from './cloudtrail-events.js';

const truth = (id: string) => readTruth(join(sessionsDir, `${id}.truth.json`));
let db: Awaited<ReturnType<typeof startDynamoDb>>;
let table = 0;

beforeAll(async () => {
  db = await startDynamoDb();
});
afterAll(async () => {
  await db?.close();
});

const stores: [string, () => Promise<IdentityStore>][] = [
  ['memory', async () => new MemoryIdentityStore()],
  [
    'DynamoDB (dynalite)',
    async () => {
      const name = `identity-${++table}`;
      await db.createTable(name);
      return new DynamoDbIdentityStore(db.client, { tableName: name, ttlDays: 30 });
    },
  ],
];

describe.each(stores)('identity store: %s', (_, makeStore) => {
  it('indexes StartSession from EventBridge and reads it back', async () => {
    const store = await makeStore();
    const t = truth('ops-jlee-0c5d2e8f1a7b3946d');
    expect(
      await indexSessionEvent(eventBridge(startSessionRecord(t, { reason: 'patching', mfa: true })), store),
    ).toEqual({ status: 'indexed', sessionId: t.sessionId });
    expect(await store.get(t.sessionId)).toMatchObject({
      principalArn: t.principal,
      principalType: 'IdentityCenterUser',
      email: 'jlee@example.com',
      mfa: true,
      reason: 'patching',
      target: t.instanceId,
      start: t.start,
      end: null,
    });
    expect(await store.get('nobody-00000000000000000')).toBeNull();
  });

  it('never lets a duplicate start, a resume or a terminate clobber the start record', async () => {
    const store = await makeStore();
    const t = truth('mallory-09f8e7d6c5b4a3921');
    await indexSessionEvent(startSessionRecord(t, { reason: 'first' }), store);
    const again = startSessionRecord(t, { reason: 'second delivery, altered' });
    expect((await indexSessionEvent(again, store)).status).toBe('duplicate');
    const admin = 'arn:aws:iam::444455556666:user/admin';
    expect(
      (await indexSessionEvent(laterRecord(t, 'ResumeSession', '2026-10-06T22:50:00Z', admin), store)).status,
    ).toBe('resumed');
    expect(
      (await indexSessionEvent(laterRecord(t, 'TerminateSession', '2026-10-06T23:00:00Z', admin), store)).status,
    ).toBe('terminated');
    expect(
      (await indexSessionEvent(laterRecord(t, 'TerminateSession', '2026-10-06T23:30:00Z', admin), store)).status,
    ).toBe('terminated');
    expect(await store.get(t.sessionId)).toMatchObject({
      principalArn: t.principal,
      reason: 'first',
      start: t.start,
      lastResume: '2026-10-06T22:50:00Z',
      end: '2026-10-06T23:00:00Z',
    });
  });

  it('keeps the end when TerminateSession arrives before StartSession (EventBridge does not order them)', async () => {
    const store = await makeStore();
    const t = truth('dana-0b1c2d3e4f5a6b7c8');
    await indexSessionEvent(eventBridge(laterRecord(t, 'TerminateSession', '2026-10-08T14:00:00Z')), store);
    expect(await store.get(t.sessionId)).toMatchObject({ principalArn: null, end: '2026-10-08T14:00:00Z' });
    expect((await indexSessionEvent(eventBridge(startSessionRecord(t)), store)).status).toBe('indexed');
    expect(await store.get(t.sessionId)).toMatchObject({
      principalArn: t.principal,
      start: t.start,
      end: '2026-10-08T14:00:00Z',
    });
  });

  it('indexes an exported CloudTrail log file, counting what is not a session event', async () => {
    const store = await makeStore();
    const records = truthFiles().map((f) => startSessionRecord(readTruth(f)));
    const file = {
      Records: [
        ...records,
        { eventName: 'DescribeInstances', eventSource: 'ec2.amazonaws.com', eventTime: '2026-10-08T13:30:00Z' },
        {
          eventName: 'StartSession',
          eventSource: 'ssm.amazonaws.com',
          eventTime: '2026-10-08T13:30:00Z',
          errorCode: 'TargetNotConnected',
        },
        'garbage',
      ],
    };
    expect(await indexSessionEvents(file, store)).toEqual({
      indexed: records.length,
      duplicate: 0,
      resumed: 0,
      terminated: 0,
      ignored: 1,
      rejected: 2,
    });
    for (const r of records)
      expect((await store.get(r.responseElements.sessionId))?.principalArn).toBe(r.userIdentity.arn);
  });
});

describe('DynamoDB item layout', () => {
  it('is keyed by pk = session id and carries a TTL attribute expiresAt (epoch seconds)', async () => {
    await db.createTable('identity-layout');
    const store = new DynamoDbIdentityStore(db.client, { tableName: 'identity-layout', ttlDays: 30 });
    const t = truth('ci-deployer-0123456789abcdef0');
    await store.put(parseSessionEvent(startSessionRecord(t)).identity);
    const out = await db.client.send(
      new GetItemCommand({ TableName: 'identity-layout', Key: marshall({ pk: t.sessionId }) }),
    );
    const item = unmarshall(out.Item!);
    expect(item).toMatchObject({ pk: t.sessionId, hasStart: true, principalArn: t.principal, sessionStart: t.start });
    expect(item.expiresAt).toBe(Math.floor(Date.parse(t.start) / 1000) + 30 * 86_400);
  });
});
