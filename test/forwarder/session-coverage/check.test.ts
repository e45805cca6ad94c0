import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { DynamoDbIdentityStore } from '../../../forwarder/identity/dynamodb-store.js';
import { type IdentityStore, MemoryIdentityStore } from '../../../forwarder/identity/store.js';
import { runCoverageCheck } from '../../../forwarder/session-coverage/check.js';
import { type CoverageConfig, DEFAULT_COVERAGE_CONFIG } from '../../../forwarder/session-coverage/config.js';
import {
  DynamoDbRaisedStore,
  DynamoDbSessionIndex,
  DynamoDbTranscriptIndex,
} from '../../../forwarder/session-coverage/dynamodb-stores.js';
import {
  noteObservations,
  observeTranscriptEvent,
  type TranscriptObservation,
} from '../../../forwarder/session-coverage/index.js';
import { indexForCoverage } from '../../../forwarder/session-coverage/index-session.js';
import { readTranscriptObservations } from '../../../forwarder/session-coverage/read-transcripts.js';
import {
  MemoryRaisedStore,
  MemorySessionIndex,
  MemoryTranscriptIndex,
  type RaisedStore,
  type SessionIndex,
  type TranscriptIndex,
} from '../../../forwarder/session-coverage/stores.js';
import { expandInputs } from '../../../forwarder/sources/inputs.js';
import { decodeStream } from '../../../forwarder/transcript/decode-stream.js';
import { sessionsDir } from '../../helpers/paths.js';
import { startDynamoDb } from '../sinks/helpers/emulators.js';
import { fixtureRecords, SESSIONS, transcriptExport } from './helpers.js';

interface Stores {
  identities: IdentityStore;
  sessions: SessionIndex;
  transcripts: TranscriptIndex;
  raised: RaisedStore;
}

let db: Awaited<ReturnType<typeof startDynamoDb>>;
let tables = 0;
const dirs: string[] = [];
beforeAll(async () => {
  db = await startDynamoDb();
});
afterAll(async () => {
  await db?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const backends: [string, () => Promise<Stores>][] = [
  [
    'memory',
    async () => ({
      identities: new MemoryIdentityStore(),
      sessions: new MemorySessionIndex(),
      transcripts: new MemoryTranscriptIndex(),
      raised: new MemoryRaisedStore(),
    }),
  ],
  [
    'DynamoDB (dynalite)',
    async () => {
      const identity = `identity-${++tables}`;
      const state = `state-${tables}`;
      await db.createTable(identity);
      await db.createTable(state);
      const options = { tableName: state };
      return {
        identities: new DynamoDbIdentityStore(db.client, { tableName: identity }),
        sessions: new DynamoDbSessionIndex(db.client, options),
        transcripts: new DynamoDbTranscriptIndex(db.client, options),
        raised: new DynamoDbRaisedStore(db.client, options),
      };
    },
  ],
];

const CONFIG: CoverageConfig = {
  ...DEFAULT_COVERAGE_CONFIG,
  lookbackMs: 7 * 86_400_000,
  allow: [
    {
      principal: ['arn:aws:sts::111122223333:assumed-role/ci-deployer/*'],
      document: ['AWS-StartPortForwardingSession'],
    },
  ],
};

/** The CloudTrail fixtures through the identity indexer's coverage step, and the transcript export into the index. */
async function load(stores: Stores) {
  const unrecorded: Alert[] = [];
  for (const record of await fixtureRecords()) {
    const { alert } = await indexForCoverage(record, { ...stores, config: CONFIG });
    if (alert) unrecorded.push(alert);
  }
  const dir = transcriptExport();
  dirs.push(dir);
  const objects = () => {
    throw new Error('no S3 here');
  };
  await readTranscriptObservations(expandInputs([dir], { stdin: process.stdin, objects }), stores.transcripts, {
    objects,
    now: '2026-11-01T00:00:00.000Z',
  });
  return unrecorded;
}

function checker(stores: Stores) {
  const delivered: Alert[] = [];
  const run = (now: string) =>
    runCoverageCheck({
      clock: () => Date.parse(now),
      ...stores,
      deliver: async (alerts) => {
        delivered.push(...alerts);
      },
      config: CONFIG,
    });
  return { run, delivered };
}

const summary = (alerts: Alert[]) =>
  alerts.map((a) => [a.sessionId, a.ruleId.replace('sessionwatch-coverage-', ''), a.time]);

describe.each(backends)('coverage check: %s', (_, makeStores) => {
  it('raises each gap once, at its time, across repeated runs; a complete transcript never raises', async () => {
    const stores = await makeStores();
    await load(stores);
    const { run, delivered } = checker(stores);

    // mallory streamed to her exit on 10-06 but her end-of-session transcript never came
    let report = await run('2026-10-08T14:30:00Z');
    expect(summary(report.raised)).toEqual([
      [SESSIONS.mallory, 'missing-final-transcript', '2026-10-06T23:02:44.000Z'],
    ]);
    expect(report.settled).toBe(2); // dana (complete) and mallory (past the horizon)

    // eve: terminated 14:22:41, nothing ever arrived: due 14:37:41
    report = await run('2026-10-08T14:37:40Z');
    expect(report.raised).toEqual([]);
    report = await run('2026-10-08T14:40:00Z');
    expect(summary(report.raised)).toEqual([[SESSIONS.eve, 'missing-transcript', '2026-10-08T14:37:41.000Z']]);
    report = await run('2026-10-08T14:45:00Z');
    expect(report.raised).toEqual([]);
    expect(report.alreadyRaised).toBe(1);

    // jdoe on 10-10: the stream stopped after 08:15:10 and the session never ended
    report = await run('2026-10-10T08:45:09Z');
    expect(report.raised).toEqual([]);
    report = await run('2026-10-10T09:00:00Z');
    expect(summary(report.raised)).toEqual([[SESSIONS.jdoe, 'stream-stopped', '2026-10-10T08:45:10.000Z']]);
    report = await run('2026-10-10T09:05:00Z');
    expect(report.raised).toEqual([]);

    expect(delivered.map((a) => a.sessionId).sort()).toEqual([SESSIONS.eve, SESSIONS.jdoe, SESSIONS.mallory].sort());
    expect(delivered.some((a) => a.sessionId === SESSIONS.dana)).toBe(false);
    const eve = delivered.find((a) => a.sessionId === SESSIONS.eve)!;
    expect(eve).toMatchObject({
      category: 'defense-evasion',
      instanceId: 'i-0a1b2c3d4e5f60718',
      actor: {
        principalArn: 'arn:aws:iam::111122223333:user/eve.ops',
        type: 'IAMUser',
        sessionStart: '2026-10-08T14:00:05Z',
        sessionEnd: '2026-10-08T14:22:41Z',
        sourceIp: '198.51.100.41',
        mfa: true,
      },
    });
    const jdoe = delivered.find((a) => a.sessionId === SESSIONS.jdoe)!;
    expect(jdoe.actor).toMatchObject({
      type: 'IdentityCenterUser',
      email: 'jdoe@example.com',
      reason: 'debug payments worker',
    });
  });

  it('raises SSH and port forwarding sessions from the indexer step, unless allowlisted, and never checks them for transcripts', async () => {
    const stores = await makeStores();
    const unrecorded = await load(stores);
    expect(unrecorded.map((a) => [a.sessionId, a.title, a.category, a.severity])).toEqual([
      [SESSIONS.alice, 'SSH session through Session Manager (not recorded)', 'lateral-movement', 'medium'],
      [
        SESSIONS.bob,
        'Port forwarding session to orders-db.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com:5432 (not recorded)',
        'lateral-movement',
        'medium',
      ],
    ]);
    const { run } = checker(stores);
    const report = await run('2026-10-12T00:00:00Z');
    expect(
      report.raised.filter((a) => [SESSIONS.alice, SESSIONS.bob, SESSIONS.ci].includes(a.sessionId as never)),
    ).toEqual([]);
  });

  it('keeps what the Lambda handlers note from decoded deliveries, whatever their order, in a few writes', async () => {
    const stores = await makeStores();
    const noted: { sessionId: string; observation: TranscriptObservation }[] = [];
    const decode = async (file: string, seenAt: string) => {
      for await (const event of decodeStream(createReadStream(join(sessionsDir, file)), { name: file })) {
        const o = observeTranscriptEvent(event, seenAt);
        if (o) noted.push(o);
      }
    };
    await decode(`${SESSIONS.dana}.subscription.json`, '2026-10-08T13:31:00Z');
    await decode(`${SESSIONS.dana}.log`, '2026-10-08T13:30:50Z');
    const streamEvents = noted.filter((n) => n.observation.kind === 'stream').length;
    expect(streamEvents).toBeGreaterThan(5);
    const writes = await noteObservations(stores.transcripts, noted.reverse());
    expect(writes).toBe(3); // first and last stream event, and the S3 object
    // a late, older redelivery moves nothing
    await stores.transcripts.note(SESSIONS.dana, { kind: 'stream', time: '2026-10-08T13:30:10Z' });
    await stores.transcripts.note(SESSIONS.dana, { kind: 'final', time: '2026-10-08T13:35:00Z', source: 'cloudwatch' });
    expect(await stores.transcripts.get(SESSIONS.dana)).toEqual({
      sessionId: SESSIONS.dana,
      firstStream: '2026-10-08T13:30:04.000Z',
      lastStream: '2026-10-08T13:30:40.000Z',
      streamExit: null,
      final: '2026-10-08T13:30:50.000Z',
      finalSource: 's3',
    });
  });

  it('undoes the claims when delivery fails, so the next run raises the alerts again', async () => {
    const stores = await makeStores();
    await load(stores);
    let fail = true;
    const delivered: Alert[] = [];
    const run = () =>
      runCoverageCheck({
        clock: () => Date.parse('2026-10-08T15:00:00Z'),
        ...stores,
        deliver: async (alerts) => {
          if (fail) throw new Error('SIEM down');
          delivered.push(...alerts);
        },
        config: CONFIG,
      });
    await expect(run()).rejects.toThrow('SIEM down');
    fail = false;
    const report = await run();
    expect(
      summary(report.raised)
        .map((r) => r[0])
        .sort(),
    ).toEqual([SESSIONS.eve, SESSIONS.mallory].sort());
    expect((await run()).raised).toEqual([]);
  });
});

describe('coverage check robustness', () => {
  it('counts a session whose store read fails and goes on with the others', async () => {
    const identities = new MemoryIdentityStore();
    const sessions = new MemorySessionIndex();
    const transcripts = new MemoryTranscriptIndex();
    for (const record of await fixtureRecords())
      await indexForCoverage(record, { identities, sessions, config: CONFIG });
    const errors: string[] = [];
    const report = await runCoverageCheck({
      clock: () => Date.parse('2026-10-08T15:00:00Z'),
      sessions,
      identities: {
        get: async (id) => {
          if (id === SESSIONS.dana) throw new Error('ProvisionedThroughputExceededException');
          return identities.get(id);
        },
      },
      transcripts,
      raised: new MemoryRaisedStore(),
      deliver: async () => undefined,
      config: CONFIG,
      onError: (id) => errors.push(id),
    });
    expect(errors).toEqual([SESSIONS.dana]);
    expect(report.errors).toBe(1);
    expect(report.raised.map((a) => a.sessionId)).toContain(SESSIONS.eve);
  });
});
