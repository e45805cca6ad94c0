import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLine } from '../../../forwarder/alerts/formats/index.js';
import {
  CoverageConfigError,
  DEFAULT_COVERAGE_CONFIG,
  parseCoverageConfig,
} from '../../../forwarder/session-coverage/config.js';
import { UNRECORDED_RULE_ID, unrecordedSessionAlert } from '../../../forwarder/session-coverage/unrecorded.js';
import { CLOUDTRAIL_LOG, SESSIONS } from './helpers.js';

type CtRecord = {
  eventName: string;
  responseElements?: { sessionId?: string } | null;
  requestParameters?: Record<string, unknown> | null;
};
const records = (JSON.parse(readFileSync(CLOUDTRAIL_LOG, 'utf8')) as { Records: CtRecord[] }).Records;
const start = (sessionId: string) =>
  records.find((r) => r.eventName === 'StartSession' && r.responseElements?.sessionId === sessionId)!;
const eventBridge = (detail: unknown) => ({
  version: '0',
  id: 'c1a3e8b4-5d6f-4a7b-8c9d-0e1f2a3b4c5d',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.ssm',
  account: '111122223333',
  time: '2026-10-08T15:10:11Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('unrecordedSessionAlert', () => {
  it('raises an SSH session with who, where and the port, from a raw record or an EventBridge event alike', () => {
    const alert = unrecordedSessionAlert(start(SESSIONS.alice))!;
    expect(alert).toMatchObject({
      ruleId: UNRECORDED_RULE_ID,
      title: 'SSH session through Session Manager (not recorded)',
      severity: 'medium',
      category: 'lateral-movement',
      attack: ['T1572', 'T1021.004'],
      sessionId: SESSIONS.alice,
      instanceId: 'i-0b2c3d4e5f6a7b8c9',
      time: '2026-10-08T15:10:11Z',
      source: 'cloudtrail',
      actor: {
        principalArn: 'arn:aws:iam::111122223333:user/alice',
        type: 'IAMUser',
        documentName: 'AWS-StartSSHSession',
      },
    });
    expect(alert.evidence).toContainEqual({ kind: 'other', value: '22', detail: 'portNumber' });
    expect(unrecordedSessionAlert(eventBridge(start(SESSIONS.alice)))).toEqual(alert);
    expect(unrecordedSessionAlert(JSON.stringify(start(SESSIONS.alice)))).toEqual(alert);
  });

  it('names the remote host of a port forwarding session (an OCSF hostname observable)', () => {
    const alert = unrecordedSessionAlert(start(SESSIONS.bob))!;
    expect(alert.evidence).toEqual(
      expect.arrayContaining([
        { kind: 'host', value: 'orders-db.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com', detail: 'host' },
        { kind: 'other', value: '15432', detail: 'localPortNumber' },
        { kind: 'other', value: 'CHG-1189 schema migration', detail: 'reason' },
      ]),
    );
    const ocsf = JSON.parse(formatLine(alert, 'ocsf'));
    expect(ocsf.observables).toContainEqual(
      expect.objectContaining({
        type: 'Hostname',
        value: 'orders-db.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com',
      }),
    );
    expect(ocsf.actor.user).toMatchObject({ email_addr: 'bob@example.com' });
  });

  it('says nothing of shell sessions, failed calls, other events and garbage', () => {
    expect(unrecordedSessionAlert(start(SESSIONS.dana))).toBeNull();
    expect(unrecordedSessionAlert(start(SESSIONS.eve))).toBeNull();
    for (const r of records.filter((r) => r.eventName !== 'StartSession' || !r.responseElements)) {
      expect(unrecordedSessionAlert(r)).toBeNull();
    }
    for (const garbage of ['{not json', null, 42, [], { Records: 'x' }, '\uFFFD\u0000']) {
      expect(unrecordedSessionAlert(garbage)).toBeNull();
    }
  });

  it('is silenced by an allowlist entry when every field it names matches', () => {
    const bob = start(SESSIONS.bob);
    const config = (allow: typeof DEFAULT_COVERAGE_CONFIG.allow) => ({ ...DEFAULT_COVERAGE_CONFIG, allow });
    expect(
      unrecordedSessionAlert(bob, config([{ principal: ['arn:aws:sts::111122223333:assumed-role/DbaTunnel/*'] }])),
    ).toBeNull();
    expect(
      unrecordedSessionAlert(bob, config([{ target: ['i-0c3d*'], document: ['AWS-StartPortForwarding*'] }])),
    ).toBeNull();
    // a field that does not match keeps the alert
    expect(
      unrecordedSessionAlert(
        bob,
        config([{ principal: ['arn:aws:sts::111122223333:assumed-role/DbaTunnel/*'], target: ['i-0ffff*'] }]),
      ),
    ).not.toBeNull();
    expect(unrecordedSessionAlert(bob, config([{ document: ['AWS-StartSSHSession'] }]))).not.toBeNull();
  });

  it('takes custom Port documents and the severity from the configuration file', () => {
    const config = parseCoverageConfig(
      [
        'portDocuments: [Team-DbTunnel*]',
        'severity: { unrecordedSession: high }',
        'allow:',
        '  - principal: "arn:aws:iam::111122223333:user/alice"',
        '    document: AWS-StartSSHSession',
        '    comment: alice runs the SFTP migration this week',
      ].join('\n'),
    );
    const custom = {
      ...start(SESSIONS.eve),
      requestParameters: { target: 'i-0a1b2c3d4e5f60718', documentName: 'Team-DbTunnelProd' },
    };
    expect(unrecordedSessionAlert(custom, config)).toMatchObject({
      severity: 'high',
      title: 'Port forwarding session (not recorded)',
    });
    expect(unrecordedSessionAlert(start(SESSIONS.alice), config)).toBeNull();
    expect(unrecordedSessionAlert(start(SESSIONS.bob), config)?.severity).toBe('high');
  });
});

describe('coverage configuration file', () => {
  it('reads durations and expectations over the defaults', () => {
    const config = parseCoverageConfig('grace: 10m\nstreamGap: 45m\nmaxSession: 12h\nexpect: [final, stream]\n');
    expect(config).toMatchObject({
      graceMs: 600_000,
      streamGapMs: 2_700_000,
      maxSessionMs: 43_200_000,
      expectFinal: true,
      expectStream: true,
      severity: DEFAULT_COVERAGE_CONFIG.severity,
    });
    expect(parseCoverageConfig('')).toEqual(DEFAULT_COVERAGE_CONFIG);
  });

  it('names what is wrong', () => {
    expect(() => parseCoverageConfig('grace: soon')).toThrow(/grace must be a number followed by s, m, h or d/);
    expect(() => parseCoverageConfig('allow: [{ comment: everything }]')).toThrow(/needs at least one of principal/);
    expect(() => parseCoverageConfig('severity: { unrecordedSession: urgent }')).toThrow(CoverageConfigError);
    expect(() => parseCoverageConfig('gracePeriod: 5m')).toThrow(/gracePeriod/);
    expect(() => parseCoverageConfig('a: [')).toThrow(/not valid YAML/);
  });
});
