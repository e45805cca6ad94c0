import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../../forwarder/alerts/build.js';
import { toSnsMessage } from '../../../forwarder/alerts/formats/sns.js';
import { groupBursts } from '../../../forwarder/alerts/noise/burst.js';
import { dedupeAlerts } from '../../../forwarder/alerts/noise/dedup.js';
import { globMatch } from '../../../forwarder/alerts/noise/glob.js';
import { SUMMARY_RULE_ID, summarizeSession } from '../../../forwarder/alerts/noise/summary.js';
import {
  applySuppressions,
  parseSuppressions,
  SuppressionFileError,
} from '../../../forwarder/alerts/noise/suppress.js';
import { actorFromTranscript } from '../../../forwarder/identity/resolver.js';
import { sessionsDir } from '../../helpers/paths.js';
import { detectionFor, fixtureAlerts, labelledAlerts, readTruth, sessionFromTruth } from '../sinks/helpers/alerts.js';

const mallory = readTruth(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.truth.json'));
const malloryAlerts = labelledAlerts(mallory, actorFromTranscript(sessionFromTruth(mallory).session));

describe('dedup', () => {
  it('keeps one alert per id: same rule, same command, same session', () => {
    const { session, records } = sessionFromTruth(mallory);
    const again = buildAlert(
      detectionFor('privilege-escalation', 'sudo  su -'),
      { ...records[1]!, command: 'sudo  su -', seq: 40 },
      session,
      null,
    );
    const out = dedupeAlerts([...malloryAlerts, again, ...malloryAlerts]);
    expect(out).toEqual(malloryAlerts);
    expect(new Set(fixtureAlerts().map((a) => a.id)).size).toBe(fixtureAlerts().length);
  });
});

describe('burst grouping', () => {
  it("collapses a session's alerts within the window into one notification with a count", () => {
    // mallory: 5 alerts, 10 s apart: one burst, led by a critical ioc-contact alert.
    const out = groupBursts(malloryAlerts, { windowSeconds: 300, minCount: 3 });
    expect(out).toHaveLength(1);
    const burst = out[0]!;
    expect(burst).toMatchObject({ count: 5, severity: 'critical', ruleId: 'test.ioc-contact' });
    expect(burst.groupedIds).toEqual(expect.arrayContaining(malloryAlerts.map((a) => a.id)));
    expect(burst.groupedIds?.[0]).toBe(burst.id);
    expect(toSnsMessage(burst).subject).toContain('(+4)');
    expect(toSnsMessage(burst).message).toContain('5 alerts in this session collapsed');
  });

  it('starts a new burst after the window, and leaves small bursts and other sessions alone', () => {
    const late = malloryAlerts.map((a, i) =>
      i < 3 ? a : { ...a, time: new Date(Date.parse(a.time!) + 3_600_000).toISOString() },
    );
    const other = fixtureAlerts().filter((a) => a.sessionId !== mallory.sessionId);
    const out = groupBursts([...late, ...other], { windowSeconds: 60, minCount: 3 });
    expect(out.filter((a) => a.sessionId === mallory.sessionId).map((a) => a.count ?? 1)).toEqual([3, 1, 1]);
    expect(out.filter((a) => a.sessionId !== mallory.sessionId).every((a) => a.count === undefined)).toBe(true);
  });
});

describe('suppressions', () => {
  const file = `
suppressions:
  - id: ops-sudo
    reason: the platform team uses sudo as routine
    rules: ["test.privilege-escalation"]
    principals: ["arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformOps_*/*"]
  - id: sandbox-account
    reason: sandbox, anything goes
    accounts: ["999988887777"]
  - id: mallory-lab-box
    reason: lab instance
    instances: [i-0f1e2d3c4b5a69788]
    rules: ["test.ioc-*"]
  - id: expired
    reason: old exception
    rules: ["*"]
    expires: 2020-01-01
`;

  it('parses YAML (and JSON), and suppresses by rule, principal, account and instance with globs', () => {
    const suppressions = parseSuppressions(file);
    expect(parseSuppressions(JSON.stringify({ suppressions }))).toEqual(suppressions);
    const alerts = fixtureAlerts();
    const result = applySuppressions(alerts, suppressions, new Date('2026-10-10T00:00:00Z'));
    expect(result.suppressed.map((s) => s.suppressionId).sort()).toEqual([
      'mallory-lab-box',
      'mallory-lab-box',
      'ops-sudo',
    ]);
    expect(result.kept.length + result.suppressed.length).toBe(alerts.length);
    expect(
      result.suppressed.every(
        (s) => s.alert.ruleId !== 'test.privilege-escalation' || s.alert.actor?.principalArn?.includes('PlatformOps'),
      ),
    ).toBe(true);
  });

  it.each([
    ['not YAML', 'suppressions: [', /not valid YAML/],
    ['a typo in a field', 'suppressions:\n  - id: a\n    reason: r\n    rule: [x]', /rule/],
    ['no criteria', 'suppressions:\n  - id: a\n    reason: r', /at least one of/],
    ['no reason', 'suppressions:\n  - id: a\n    rules: [x]', /reason/],
    ['a bad date', 'suppressions:\n  - id: a\n    reason: r\n    rules: [x]\n    expires: tomorrow', /expires/],
    [
      'a duplicate id',
      'suppressions:\n  - {id: a, reason: r, rules: [x]}\n  - {id: a, reason: r, rules: [y]}',
      /duplicate suppression id a/,
    ],
  ])('rejects %s with a clear message', (_, text, message) => {
    expect(() => parseSuppressions(text, 'suppressions.yaml')).toThrow(SuppressionFileError);
    expect(() => parseSuppressions(text, 'suppressions.yaml')).toThrow(message);
  });

  it('globs match in linear passes', () => {
    expect(globMatch('arn:aws:sts::*:assumed-role/Ops*/*', 'arn:aws:sts::1:assumed-role/OpsAdmin/jo')).toBe(true);
    expect(globMatch('i-0?1*', 'i-0a1b')).toBe(true);
    expect(globMatch('a*b', 'acb c')).toBe(false);
    expect(globMatch(`${'*a'.repeat(30)}b`, 'a'.repeat(5000))).toBe(false);
  });
});

describe('session summary', () => {
  it('tells who, where, how long, how many commands and which alerts, at info level', () => {
    const { session, records } = sessionFromTruth(mallory);
    const actor = actorFromTranscript(session);
    const summary = summarizeSession(
      session,
      [...records, { ...records[0]!, seq: 99, command: 'sudo su', cancelled: true }],
      malloryAlerts,
      actor,
    );
    expect(summary).toMatchObject({
      ruleId: SUMMARY_RULE_ID,
      severity: 'info',
      instanceId: 'i-0f1e2d3c4b5a69788',
      account: '444455556666',
      actor: { name: 'mallory' },
      summary: {
        start: mallory.start,
        commands: mallory.commands.length,
        cancelledCommands: 1,
        alerts: 5,
        rules: { 'test.privilege-escalation': 3, 'test.ioc-contact': 2 },
        highestSeverity: 'critical',
      },
    });
    expect(summary.summary?.durationSeconds).toBe(mallory.commands.length * 10 + 10 * 0);
    const sns = toSnsMessage(summary);
    expect(sns.subject).toBe('[INFO] session summary: mallory on i-0f1e2d3c4b5a69788');
    expect(sns.messageAttributes.category?.StringValue).toBe('session-summary');
    expect(sns.message).toContain('test.privilege-escalation ×3');
  });
});
