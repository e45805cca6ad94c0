import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsDir } from '../../helpers/paths.js';
import { eventBridge, laterRecord, startSessionRecord } from '../identity/cloudtrail-events.js';
import { readTruth, type Truth } from '../sinks/helpers/alerts.js';
import {
  captureOutput,
  coldStart,
  type Deployment,
  type Emulators,
  newDeployment,
  s3Record,
  startEmulators,
  subscriptionEvents,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * Session coverage wired into the bundled Lambda, as the CDK stack deploys it: three functions of the one bundle
 * (identity indexer, transcripts, scheduled coverage check) sharing the identity, state and idempotency tables.
 */
const MISSING = 'sessionwatch-coverage-missing-transcript';
const MISSING_FINAL = 'sessionwatch-coverage-missing-final-transcript';
const UNRECORDED = 'sessionwatch-coverage-unrecorded-session';
const COVERAGE_CONFIG = JSON.stringify({
  grace: '15m',
  allow: [{ principal: 'arn:aws:sts::111122223333:assumed-role/DbaTunnel/*', comment: 'DBAs reach RDS this way' }],
});

let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
});

afterAll(async () => {
  await emu?.close();
});

const truth = (sid: string) => readTruth(join(sessionsDir, `${sid}.truth.json`));
const at = (t: Truth, minutes: number) => new Date(Date.parse(t.start) + minutes * 60_000).toISOString();
const scheduled = (time: string) => ({
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '111122223333',
  time,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:111122223333:rule/sessionwatch-coverage'],
  detail: {},
});

/** The three functions of a deployment, each its own cold start with its role. */
async function deploy(deployment: Deployment) {
  const env = {
    SESSIONWATCH_COVERAGE_CONFIG: COVERAGE_CONFIG,
    POWERTOOLS_METRICS_DISABLED: 'false',
    LOG_LEVEL: 'INFO',
  };
  const identity = await coldStart(emu, { ...env, SESSIONWATCH_FUNCTION: 'identity' }, deployment);
  const transcripts = await coldStart(emu, { ...env, SESSIONWATCH_FUNCTION: 'transcripts' }, deployment);
  const coverage = await coldStart(emu, { ...env, SESSIONWATCH_FUNCTION: 'coverage' }, deployment);
  const coverageAlerts = () => coverage.delivered().filter((a) => a.ruleId.startsWith('sessionwatch-coverage-'));
  return { identity, transcripts, coverage, coverageAlerts };
}

describe('the scheduled coverage check in the Lambda', () => {
  it('raises "session without transcript" once, after the grace period, for a session that left none', async () => {
    const { identity, coverage, coverageAlerts } = await deploy(await newDeployment(emu));
    const t = truth('ops-jlee-0c5d2e8f1a7b3946d');
    await captureOutput(async () => {
      await identity.handler(eventBridge(startSessionRecord(t)));
      await identity.handler(eventBridge(laterRecord(t, 'TerminateSession', at(t, 10))));
    });

    // ended at +10 min, grace 15 min: not due at +20 min
    await captureOutput(() => coverage.handler(scheduled(at(t, 20))));
    expect(coverageAlerts()).toEqual([]);

    const { output } = await captureOutput(() => coverage.handler(scheduled(at(t, 30))));
    expect(coverageAlerts()).toEqual([
      expect.objectContaining({
        ruleId: MISSING,
        title: 'Session without transcript',
        sessionId: t.sessionId,
        severity: 'high',
        actor: expect.objectContaining({ from: 'table', principalArn: t.principal }),
      }),
    ]);
    expect(output.metrics).toMatchObject({ CoverageSessionsChecked: 1, AlertsHigh: 1 });

    // the next runs (EventBridge rule, then an EventBridge Scheduler payload) raise nothing again
    await captureOutput(() => coverage.handler(scheduled(at(t, 35))));
    await captureOutput(() => coverage.handler({ sessionwatchTask: 'coverage-check', time: at(t, 40) }));
    expect(coverageAlerts()).toHaveLength(1);
  });

  it('raises nothing for a session whose stream and S3 transcript arrived', async () => {
    const { identity, transcripts, coverage, coverageAlerts } = await deploy(await newDeployment(emu));
    const t = truth('mallory-09f8e7d6c5b4a3921');
    await captureOutput(async () => {
      await identity.handler(eventBridge(startSessionRecord(t)));
      for (const event of subscriptionEvents(t.sessionId)) await transcripts.handler(event);
      await transcripts.handler({ Records: [s3Record(TRANSCRIPT_KEY(t.sessionId))] });
    });
    for (const minutes of [30, 6 * 60, 25 * 60]) await captureOutput(() => coverage.handler(scheduled(at(t, minutes))));
    expect(coverageAlerts()).toEqual([]);
    // the transcript alerts themselves were delivered, with the identity the indexer wrote
    const commandAlerts = transcripts.delivered().filter((a) => !a.ruleId.startsWith('sessionwatch-coverage-'));
    expect(commandAlerts.length).toBeGreaterThan(0);
    for (const a of commandAlerts) expect(a.actor?.from).toBe('table');
  });

  it('raises "end-of-session transcript missing" when only the stream arrived', async () => {
    const { identity, transcripts, coverage, coverageAlerts } = await deploy(await newDeployment(emu));
    const t = truth('jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa');
    await captureOutput(async () => {
      await identity.handler(eventBridge(startSessionRecord(t)));
      await identity.handler(eventBridge(laterRecord(t, 'TerminateSession', at(t, 20))));
      for (const event of subscriptionEvents(t.sessionId)) await transcripts.handler(event);
    });
    await captureOutput(() => coverage.handler(scheduled(at(t, 60))));
    expect(coverageAlerts().map((a) => [a.ruleId, a.sessionId])).toEqual([[MISSING_FINAL, t.sessionId]]);
  });
});

describe('the identity indexer in the Lambda', () => {
  const portSession = (t: Truth, sessionId: string, principal = t.principal) => {
    const record = startSessionRecord(
      { ...t, sessionId, principal },
      { documentName: 'AWS-StartPortForwardingSession', reason: 'debug the admin port' },
    ) as ReturnType<typeof startSessionRecord> & { requestParameters: Record<string, unknown> };
    record.requestParameters.parameters = { portNumber: ['8443'], localPortNumber: ['18443'] };
    return eventBridge(record);
  };

  it('raises "port forwarding session (not recorded)" at once, once however often the event comes', async () => {
    const deployment = await newDeployment(emu);
    const { identity, coverage, coverageAlerts } = await deploy(deployment);
    const t = truth('dana-0b1c2d3e4f5a6b7c8');
    const event = portSession(t, 'dana-0f0e0d0c0b0a0908f');
    const { output } = await captureOutput(async () => {
      await identity.handler(event);
      await identity.handler(event); // EventBridge delivers at least once
    });
    const alerts = identity.delivered().filter((a) => a.ruleId === UNRECORDED);
    expect(alerts).toEqual([
      expect.objectContaining({
        sessionId: 'dana-0f0e0d0c0b0a0908f',
        title: 'Port forwarding session (not recorded)',
        severity: 'medium',
        actor: expect.objectContaining({ from: 'cloudtrail', principalArn: t.principal }),
      }),
    ]);
    expect(output.metrics).toMatchObject({ SessionEventsIndexed: 2, AlertsMedium: 1, AlreadyRaised: 1 });
    // and the coverage check does not also call it a session without transcript
    await captureOutput(() => coverage.handler(scheduled(at(t, 26 * 60))));
    expect(coverageAlerts().map((a) => a.ruleId)).toEqual([UNRECORDED]);
  });

  it('raises nothing for an allowlisted port-forwarding session', async () => {
    const { identity } = await deploy(await newDeployment(emu));
    const t = truth('dana-0b1c2d3e4f5a6b7c8');
    const dba = 'arn:aws:sts::111122223333:assumed-role/DbaTunnel/ana@example.com';
    await captureOutput(() => identity.handler(portSession(t, 'ana@example.com-0a9b8c7d6e5f40312', dba)));
    expect(identity.delivered()).toEqual([]);
  });

  it('counts and names a CloudTrail event that is not a session event, and goes on', async () => {
    const { identity } = await deploy(await newDeployment(emu));
    const t = truth('dana-0b1c2d3e4f5a6b7c8');
    const failed = { ...startSessionRecord(t), errorCode: 'AccessDeniedException', responseElements: null };
    const { output } = await captureOutput(() => identity.handler({ ...eventBridge(failed), id: 'ev-denied' }));
    expect(output.metrics).toMatchObject({ ParseErrors: 1, SessionEventsRejected: 1 });
    expect(output.logs.find((l) => l.eventId === 'ev-denied')).toMatchObject({ status: 'rejected' });
  });
});
