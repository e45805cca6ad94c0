import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';
import { startS3 } from '../sinks/helpers/emulators.js';

const IDS = ['dana-0b1c2d3e4f5a6b7c8', 'mallory-09f8e7d6c5b4a3921', 'jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa'];
const PREFIX = '111122223333/session-logs/';
/** The standard credential chain, from the environment (what a user's shell or a role would provide). */
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'eu-west-1' };
const iocs = ['--ioc', join(fixturesDir, 'iocs.txt')];

describe('s3://bucket/prefix inputs (s3rver)', () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  const local = IDS.map((id) => join(sessionsDir, `${id}.log`));

  beforeAll(async () => {
    s3 = await startS3(['transcripts']);
    for (const id of IDS) {
      await s3.client.send(
        new PutObjectCommand({
          Bucket: 'transcripts',
          Key: `${PREFIX}${id}.log`,
          Body: readFileSync(join(sessionsDir, `${id}.log`)),
        }),
      );
    }
  });
  afterAll(() => s3?.close());

  const lines = (out: string) => out.split('\n').filter(Boolean);

  it('scan reads every object under the prefix: the same alerts as the local files', async () => {
    const remote = await runCli(
      ['scan', `s3://transcripts/${PREFIX}`, '--endpoint-url', s3.endpoint, ...iocs, '--format', 'jsonl'],
      { env: CREDENTIALS },
    );
    expect(remote.stderr).toMatch(/in 3 sessions/);
    expect(remote.code).toBe(0);
    const here = await runCli(['scan', ...local, ...iocs, '--format', 'jsonl']);
    const ids = (out: string) => lines(out).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids(remote.stdout).sort()).toEqual(ids(here.stdout).sort());
    expect(ids(remote.stdout).length).toBeGreaterThan(3);
  });

  it('commands, report and replay read S3 the same way', async () => {
    const commands = await runCli(
      ['commands', `s3://transcripts/${PREFIX}`, '--endpoint-url', s3.endpoint, '--format', 'jsonl'],
      { env: CREDENTIALS },
    );
    const here = await runCli(['commands', ...local, '--format', 'jsonl']);
    expect(commands.code).toBe(0);
    expect(lines(commands.stdout).sort()).toEqual(lines(here.stdout).sort());

    const out = join(mkdtempSync(join(tmpdir(), 'sw-s3-report-')), 'r.html');
    const report = await runCli(
      ['report', `s3://transcripts/${PREFIX}`, '--endpoint-url', s3.endpoint, ...iocs, '-o', out],
      { env: CREDENTIALS },
    );
    expect(report.code).toBe(0);
    expect(report.stderr).toContain('3 sessions');
    expect(readFileSync(out, 'utf8')).toContain('mallory-09f8e7d6c5b4a3921');

    const replay = await runCli(
      [
        'replay',
        `s3://transcripts/${PREFIX}mallory-09f8e7d6c5b4a3921.log`,
        '--endpoint-url',
        s3.endpoint,
        '--cast',
        '-',
      ],
      { env: CREDENTIALS },
    );
    expect(replay.code).toBe(0);
    expect(JSON.parse(lines(replay.stdout)[0]!)).toMatchObject({ version: 2, width: 120, height: 30 });
  });

  it('a missing bucket, or no credentials at all: exit 2 with one clear line', async () => {
    const missing = await runCli(['scan', 's3://no-such-bucket/x/', '--endpoint-url', s3.endpoint], {
      env: CREDENTIALS,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'sessionwatch scan: cannot list s3://no-such-bucket/x/: bucket no-such-bucket does not exist\n',
    );

    const anonymous = await runCli(['commands', `s3://transcripts/${PREFIX}`, '--endpoint-url', s3.endpoint], {
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_REGION: 'eu-west-1',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
        AWS_WEB_IDENTITY_TOKEN_FILE: '',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(
      /^sessionwatch commands: cannot list s3:\/\/transcripts\/111122223333\/session-logs\/: no AWS credentials found \(standard chain: /,
    );
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
  });
});
