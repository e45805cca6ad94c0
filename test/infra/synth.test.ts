import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/paths.js';

/** `npx cdk synth` as an operator runs it: the repository's cdk.json, no AWS credentials, no network needed. */
function cdkSynth(...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'sessionwatch-synth-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) env[k] = v;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.CDK_DISABLE_CLI_TELEMETRY = 'true';
  // A stand-in bundle: the templates do not depend on the code, and rebuilding dist/lambda here (what synth.mjs does
  // otherwise) would race with the tests that run the real bundle in parallel.
  const stand_in = mkdtempSync(join(tmpdir(), 'sessionwatch-lambda-'));
  writeFileSync(join(stand_in, 'index.mjs'), 'export const handler = async () => ({});\n');
  env.SESSIONWATCH_LAMBDA_DIR = stand_in;
  const result = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '-o', out, ...args], {
    cwd: repoRoot(),
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { ...result, out };
}

describe('npx cdk synth of the app', () => {
  it('synthesises all four stacks offline, without credentials, with cdk-nag passing', () => {
    const { status, stderr, out } = cdkSynth();
    expect(stderr).not.toMatch(/ERROR/);
    expect(status).toBe(0);
    for (const stack of [
      'SessionWatch-Logging',
      'SessionWatch-Pipeline',
      'SessionWatch-Workload-222222222222',
      'SessionWatch-Guardrails',
    ]) {
      const template = JSON.parse(readFileSync(join(out, `${stack}.template.json`), 'utf8'));
      expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.missing ?? []).toEqual([]); // no context lookup that would need AWS
  }, 240_000);

  it('fails with the bad field named when the configuration is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessionwatch-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ organizationId: 'not-an-org', region: 'eu-west-1', loggingAccount: '111111111111' }),
    );
    const { status, stderr } = cdkSynth('-c', `sessionwatch:config=${file}`);
    expect(status).not.toBe(0);
    expect(stderr).toContain('sessionwatch.organizationId: an AWS Organizations id (o-...)');
  }, 240_000);
});
