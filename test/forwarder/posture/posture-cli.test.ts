import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../forwarder/alerts/alert.js';
import { type CliIo, EXIT } from '../../../forwarder/cli/io.js';
import { postureCommand } from '../../../forwarder/cli/posture-command.js';
import { type RecordedAwsOptions, startRecordedAws } from './recorded-aws.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'sw-posture-cli-'));
const servers: { close(): Promise<void> }[] = [];
const saved: Record<string, string | undefined> = {};
// The SDK's default credential chain reads the process environment: dummy keys, no instance metadata lookups.
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDPOSTURECLI',
  AWS_SECRET_ACCESS_KEY: 'posture-cli-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
};

beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function run(account: string, args: string[], options: RecordedAwsOptions = {}) {
  const aws = await startRecordedAws(join(FIXTURES, account), options);
  servers.push(aws);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env: { SESSIONWATCH_SPOOL: join(dir, 'spool') } };
  const code = await postureCommand(['--endpoint-url', aws.url, ...args], io);
  return { code, out, err };
}

describe('sessionwatch posture', () => {
  it('prints nothing and exits 0 for a compliant account', async () => {
    const { code, out, err } = await run('compliant', ['--region', 'eu-west-1', '--format', 'jsonl']);
    expect(code).toBe(EXIT.ok);
    expect(out).toBe('');
    expect(err).toBe('sessionwatch posture: account 111122223333, eu-west-1: 0 findings\n');
  });

  it('prints the findings of a non-compliant account as jsonl, and a summary', async () => {
    const { code, out, err } = await run('noncompliant', ['--region', 'us-east-1', '--format', 'jsonl']);
    expect(code).toBe(EXIT.ok);
    const alerts = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    expect(alerts).toHaveLength(17);
    expect(alerts.every((a) => a.source === 'posture' && a.ruleId.startsWith('sessionwatch-posture-'))).toBe(true);
    expect(err).toContain('account 444455556666, us-east-1: 17 findings (5 high, 9 medium, 3 low)');
  });

  it('prints a table', async () => {
    const { out } = await run('noncompliant', ['--region', 'us-east-1', '--format', 'table']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+RESOURCE\s+FINDING/);
    expect(lines.some((l) => /HIGH\s+open-admin-port\s+sg-01a2b3c4d5e6f7a80\s+SSH open to the internet/.test(l))).toBe(
      true,
    );
  });

  it('delivers ECS documents to a sink and fails on high findings', async () => {
    const file = join(dir, 'posture.ecs.jsonl');
    const { code, out } = await run('noncompliant', [
      '--region',
      'us-east-1',
      '--sink',
      `file:${file}?format=ecs`,
      '--fail-on',
      'high',
    ]);
    expect(code).toBe(EXIT.alerts);
    expect(out).toBe('');
    const docs = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs).toHaveLength(17);
    expect(docs.find((d) => d.rule.id === 'sessionwatch-posture-open-admin-port')).toMatchObject({
      event: { kind: 'alert' },
      cloud: { provider: 'aws', account: { id: '444455556666' }, region: 'us-east-1' },
    });
  });

  it('exits 1 and names the incomplete checks when a permission is missing', async () => {
    const { code, err } = await run('compliant', ['--region', 'eu-west-1', '--format', 'jsonl'], {
      deny: ['ec2:DescribeSecurityGroups'],
    });
    expect(code).toBe(EXIT.failure);
    expect(err).toMatch(/could not check: ec2:DescribeSecurityGroups: UnauthorizedOperation/);
  });

  it('rejects bad usage', async () => {
    await expect(run('compliant', ['--region', 'eu-west-1', '--format', 'xml'])).rejects.toThrow(
      /unknown --format xml/,
    );
    await expect(run('compliant', ['--fail-on', 'urgent'])).rejects.toThrow(/--fail-on must be one of/);
    const help = await run('compliant', ['--help']);
    expect(help.out).toContain('sessionwatch posture --region eu-west-1');
  });
});
