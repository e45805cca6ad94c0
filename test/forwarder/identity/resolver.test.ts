import { join } from 'node:path';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../forwarder/commands/record.js';
import { indexSessionEvent } from '../../../forwarder/identity/index-event.js';
import { CloudTrailSessionLookup } from '../../../forwarder/identity/lookup.js';
import { IdentityResolver } from '../../../forwarder/identity/resolver.js';
import { MemoryIdentityStore } from '../../../forwarder/identity/store.js';
import { sessionsDir } from '../../helpers/paths.js';
import { readTruth, sessionFromTruth, truthFiles } from '../sinks/helpers/alerts.js';
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from '../sinks/helpers/fake-aws.js';
import { startSessionRecord } from './cloudtrail-events.js';

const truth = (id: string) => readTruth(join(sessionsDir, `${id}.truth.json`));
const session = (id: string) => sessionFromTruth(truth(id)).session;
let aws: FakeAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

/** Counts store reads, to see the cache at work. */
class CountingStore extends MemoryIdentityStore {
  reads = 0;
  override async get(id: string) {
    this.reads++;
    return super.get(id);
  }
}

/** A lookup on a virtual clock: sleeping advances it, so rate limiting and backoff are observable, not waited for. */
function lookupAgainst(fake: FakeAws, sleeps: number[], clock = { now: 0 }) {
  const client = new CloudTrailClient({
    region: 'eu-west-1',
    endpoint: fake.url,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  return new CloudTrailSessionLookup(client, {
    ratePerSecond: 2,
    random: () => 0.5,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
  });
}

describe('IdentityResolver', () => {
  it('answers from the table, then from its cache', async () => {
    const store = new CountingStore();
    const t = truth('ops-jlee-0c5d2e8f1a7b3946d');
    await indexSessionEvent(startSessionRecord(t, { mfa: true, reason: 'INC-1' }), store);
    const resolver = new IdentityResolver({ store });
    const actors = await Promise.all([resolver.resolve(session(t.sessionId)), resolver.resolve(session(t.sessionId))]);
    const again = await resolver.resolve(session(t.sessionId));
    expect(actors[0]).toEqual(again);
    expect(again).toMatchObject({
      from: 'table',
      type: 'IdentityCenterUser',
      email: 'jlee@example.com',
      mfa: true,
      reason: 'INC-1',
      sourceIp: '198.51.100.23',
      sessionStart: t.start,
    });
    expect(store.reads).toBe(1);
  });

  it('falls back to CloudTrail LookupEvents, paging, backing off on ThrottlingException, and writes the answer back', async () => {
    const others = truthFiles()
      .map(readTruth)
      .filter((x) => x.sessionId !== 'dana-0b1c2d3e4f5a6b7c8');
    const dana = truth('dana-0b1c2d3e4f5a6b7c8');
    // The wanted event sits on the third page; the first two calls are throttled.
    aws = await startFakeAws({
      cloudTrailEvents: [
        ...others.map((t) => JSON.stringify(startSessionRecord(t))),
        JSON.stringify(startSessionRecord(dana, { reason: 'debug' })),
      ],
      pageSize: 2,
      throttleLookups: 2,
    });
    const sleeps: number[] = [];
    const clock = { now: 0 };
    const lookup = lookupAgainst(aws, sleeps, clock);
    const store = new MemoryIdentityStore();
    const resolver = new IdentityResolver({ store, lookup });
    const actor = await resolver.resolve(session(dana.sessionId));
    expect(actor).toMatchObject({
      from: 'cloudtrail',
      principalArn: dana.principal,
      type: 'IdentityCenterUser',
      email: 'dana@example.com',
      reason: 'debug',
    });
    expect(aws.calls.filter((c) => c === 'LookupEvents')).toHaveLength(2 + 3);
    expect(lookup.stats).toEqual({ calls: 5, throttled: 2 });
    // Exponential backoff with jitter (random fixed at 0.5 here): 250 ms, then 500 ms.
    expect(sleeps.slice(0, 2)).toEqual([250, 500]);
    // The token bucket: 5 calls at 2 a second with a burst of 2 take at least 1.5 s of (virtual) time.
    expect(clock.now).toBeGreaterThanOrEqual(1500);
    expect((await store.get(dana.sessionId))?.principalArn).toBe(dana.principal);
    // Next time the table answers.
    const second = new IdentityResolver({ store, lookup });
    expect((await second.resolve(session(dana.sessionId))).from).toBe('table');
  });

  it('gives up on CloudTrail after bounded retries and uses the transcript', async () => {
    aws = await startFakeAws({ throttleLookups: 100 });
    const errors: string[] = [];
    const resolver = new IdentityResolver({
      lookup: lookupAgainst(aws, []),
      onError: (stage, e) => errors.push(`${stage}: ${(e as Error).name}`),
    });
    const actor = await resolver.resolve(session('ci-deployer-0123456789abcdef0'));
    expect(actor).toMatchObject({
      from: 'transcript',
      type: 'AssumedRole',
      name: 'GitHubActions',
      principalArn: 'arn:aws:sts::444455556666:assumed-role/ci-deployer/GitHubActions',
    });
    expect(errors).toEqual(['cloudtrail: ThrottlingException']);
    expect(aws.calls.filter((c) => c === 'LookupEvents').length).toBe(6);
  });

  it('without any identity source, reads the transcript: the streaming ARN, else the session-id prefix', async () => {
    const resolver = new IdentityResolver();
    const fromArn = await resolver.resolve(session('mallory-09f8e7d6c5b4a3921'));
    expect(fromArn).toMatchObject({ from: 'transcript', type: 'IAMUser', name: 'mallory', account: '444455556666' });
    const bare: SessionInfo = {
      ...session('jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa'),
      principalArn: null,
      account: null,
    };
    expect(await resolver.resolve(bare)).toMatchObject({
      from: 'transcript',
      type: 'Unknown',
      name: 'jdoe@example.com',
      email: 'jdoe@example.com',
    });
    const dashed: SessionInfo = { ...session('ops-jlee-0c5d2e8f1a7b3946d'), principalArn: null };
    expect(await resolver.resolve(dashed)).toMatchObject({ name: 'ops-jlee', email: null, account: '111122223333' });
  });
});

describe('IdentityResolver after a transcript-only answer', () => {
  /** A lookup that finds nothing and counts its calls (LookupEvents' answer before the StartSession is searchable). */
  const emptyLookup = () => {
    const calls: string[] = [];
    const find = async (sessionId: string) => {
      calls.push(sessionId);
      return null;
    };
    return { calls, find };
  };

  it('uses the StartSession once it reaches the table, without asking CloudTrail again meanwhile', async () => {
    const t = truth('ops-jlee-0c5d2e8f1a7b3946d');
    const store = new CountingStore();
    const lookup = emptyLookup();
    const clock = { now: 0 };
    const resolver = new IdentityResolver({ store, lookup, negativeTtlMs: 60_000, now: () => clock.now });

    const before = await resolver.resolve(session(t.sessionId));
    expect(before.from).toBe('transcript');
    // the identity indexer writes the StartSession a little later
    await indexSessionEvent(startSessionRecord(t, { mfa: true, reason: 'INC-7' }), store);
    clock.now = 1_000;
    const after = await resolver.resolve(session(t.sessionId));
    expect(after).toMatchObject({ from: 'table', mfa: true, reason: 'INC-7', email: 'jlee@example.com' });
    expect(lookup.calls).toEqual([t.sessionId]);
    // and the table answer is cached from then on
    const reads = store.reads;
    expect((await resolver.resolve(session(t.sessionId))).from).toBe('table');
    expect(store.reads).toBe(reads);
  });

  it('asks CloudTrail again only after the negative TTL', async () => {
    const t = truth('dana-0b1c2d3e4f5a6b7c8');
    const lookup = emptyLookup();
    const clock = { now: 0 };
    const resolver = new IdentityResolver({
      store: new MemoryIdentityStore(),
      lookup,
      negativeTtlMs: 60_000,
      now: () => clock.now,
    });
    await resolver.resolve(session(t.sessionId));
    clock.now = 59_000;
    await resolver.resolve(session(t.sessionId));
    expect(lookup.calls).toHaveLength(1);
    clock.now = 61_000;
    await resolver.resolve(session(t.sessionId));
    expect(lookup.calls).toHaveLength(2);
  });
});
