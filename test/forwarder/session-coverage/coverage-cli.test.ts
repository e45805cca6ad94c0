import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { coverageCommand } from '../../../forwarder/cli/coverage-command.js';
import { type CliIo, EXIT } from '../../../forwarder/cli/io.js';
import { CLOUDTRAIL_LOG, EVENTBRIDGE_MALLORY, LOOKUP_EVENTS, SESSIONS, transcriptExport } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sw-coverage-cli-'));
  dirs.push(d);
  return d;
}

/** The CloudTrail export as an analyst gets it: the log file gzipped as CloudTrail delivers it, LookupEvents, EventBridge. */
function cloudTrailExport(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'AWSLogs-111122223333-20261008.json.gz'), gzipSync(readFileSync(CLOUDTRAIL_LOG)));
  writeFileSync(join(dir, 'lookup-events.json'), readFileSync(LOOKUP_EVENTS));
  writeFileSync(join(dir, 'eventbridge.json'), readFileSync(EVENTBRIDGE_MALLORY));
  return dir;
}

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env: { SESSIONWATCH_SPOOL: join(tempDir(), 'spool') } };
  const code = await coverageCommand(args, io);
  return { code, out, err };
}

const transcripts = () => {
  const d = transcriptExport();
  dirs.push(d);
  return d;
};

describe('sessionwatch coverage', () => {
  it('finds every gap and every unrecorded session of the export (jsonl)', async () => {
    const { code, out, err } = await run([
      '--cloudtrail',
      cloudTrailExport(),
      '--transcripts',
      transcripts(),
      '--now',
      '2026-10-10T09:00:00Z',
      '--format',
      'jsonl',
    ]);
    expect(code).toBe(EXIT.ok);
    const alerts = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    expect(alerts.map((a) => [a.sessionId, a.ruleId])).toEqual([
      [SESSIONS.mallory, 'sessionwatch-coverage-missing-final-transcript'],
      [SESSIONS.eve, 'sessionwatch-coverage-missing-transcript'],
      [SESSIONS.alice, 'sessionwatch-coverage-unrecorded-session'],
      [SESSIONS.bob, 'sessionwatch-coverage-unrecorded-session'],
      [SESSIONS.ci, 'sessionwatch-coverage-unrecorded-session'],
      [SESSIONS.jdoe, 'sessionwatch-coverage-stream-stopped'],
    ]);
    expect(alerts.every((a) => a.actor?.from === 'cloudtrail' && a.actor.principalArn)).toBe(true);
    expect(err).toContain('AccessDeniedException'); // the denied StartSession is reported, not counted as a session
    expect(err).toMatch(/7 sessions started, 7 checked as of 2026-10-10T09:00:00.000Z, 5 transcripts read/);
  });

  it('judges as of --now: before the grace ran out, only the unrecorded sessions', async () => {
    const { out } = await run([
      '--cloudtrail',
      cloudTrailExport(),
      '--transcripts',
      transcripts(),
      '--now',
      '2026-10-08T14:37:00Z',
      '--format',
      'jsonl',
    ]);
    const ids = out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Alert).sessionId);
    expect(ids).toEqual([SESSIONS.mallory]); // eve is not due yet; alice, bob and ci started later
  });

  it('takes the allowlist and timings from --config and options; writes OCSF to a file sink', async () => {
    const dir = tempDir();
    const config = join(dir, 'coverage.yml');
    writeFileSync(
      config,
      'allow:\n  - principal: "arn:aws:sts::111122223333:assumed-role/ci-deployer/*"\n    comment: CI reaches the app port\n',
    );
    const sink = join(dir, 'alerts.ocsf.jsonl');
    const { code, out } = await run([
      '--cloudtrail',
      cloudTrailExport(),
      '--transcripts',
      transcripts(),
      '--now',
      '2026-10-10T09:00:00Z',
      '--config',
      config,
      '--stream-gap',
      '2h',
      '--sink',
      `file:${sink}?format=ocsf`,
    ]);
    expect(code).toBe(EXIT.ok);
    expect(out).toBe('');
    const findings = readFileSync(sink, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(findings.map((f) => f.metadata.correlation_uid).sort()).toEqual(
      [SESSIONS.mallory, SESSIONS.eve, SESSIONS.alice, SESSIONS.bob].sort(),
    );
    expect(
      findings.every((f) => f.class_uid === 2004 && f.finding_info.analytic.uid.startsWith('sessionwatch-coverage-')),
    ).toBe(true);
  });

  it('prints a table', async () => {
    const { out } = await run([
      '--cloudtrail',
      CLOUDTRAIL_LOG,
      '--transcripts',
      transcripts(),
      '--now',
      '2026-10-10T09:00:00Z',
      '--format',
      'table',
    ]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+TIME\s+SESSION\s+WHO\s+TARGET\s+WHAT/);
    expect(
      lines.some((l) => l.includes('missing-transcript') && l.includes('eve.ops') && l.includes('i-0a1b2c3d4e5f60718')),
    ).toBe(true);
    expect(lines.some((l) => l.includes('unrecorded-session') && l.includes('SSH session'))).toBe(true);
  });

  it('reports bad input and bad usage with exit 2, and still checks the rest', async () => {
    const dir = cloudTrailExport();
    writeFileSync(join(dir, 'broken.json'), '{"Records": [ {"eventName": "StartSession"');
    writeFileSync(join(dir, 'zz-broken.json.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]));
    const { code, out, err } = await run(['--cloudtrail', dir, '--now', '2026-10-10T09:00:00Z', '--format', 'jsonl']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/broken\.json:1: not JSON/);
    expect(err).toMatch(/zz-broken\.json\.gz: does not gunzip/);
    expect(out).toContain(SESSIONS.eve);

    await expect(run(['--transcripts', dir])).rejects.toThrow(/--cloudtrail FILE\|DIR is required/);
    await expect(run(['--cloudtrail', dir, '--grace', 'soon'])).rejects.toThrow(/--grace must be a number/);
    await expect(run(['--cloudtrail', dir, '--expect', 'everything'])).rejects.toThrow(/--expect takes/);
    await expect(run(['--cloudtrail', dir, '--now', 'yesterday'])).rejects.toThrow(/--now must be/);
  });

  it('exits 3 with --fail-on when an alert reaches the level', async () => {
    const args = ['--cloudtrail', CLOUDTRAIL_LOG, '--now', '2026-10-10T09:00:00Z', '--format', 'jsonl'];
    expect((await run([...args, '--fail-on', 'high'])).code).toBe(EXIT.alerts);
    expect((await run([...args, '--fail-on', 'critical'])).code).toBe(EXIT.ok);
  });

  it('has help with examples', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('sessionwatch coverage --cloudtrail ./cloudtrail/ --transcripts ./session-logs/');
  });
});
