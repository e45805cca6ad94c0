import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths.js';
import { BUNDLE, coldStart, type Emulators, s3Record, startEmulators, TRANSCRIPT_KEY } from './helpers.js';

/** The bundle's configuration is checked when it loads (cold start), with one error naming every bad variable. */
let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
});

afterAll(async () => {
  await emu?.close();
});

describe('a bad environment variable fails the cold start with an error naming it', () => {
  it.each([
    ['SESSIONWATCH_MIN_SEVERITY', 'urgent', /SESSIONWATCH_MIN_SEVERITY: .*"info"/],
    [
      'SESSIONWATCH_SINKS',
      'stdout,ftp://siem.example.com',
      /SESSIONWATCH_SINKS: unknown sink "ftp:\/\/siem\.example\.com"/,
    ],
    ['SESSIONWATCH_SINKS', 'sns:arn:aws:sns:eu-west-1:12345:alerts', /SESSIONWATCH_SINKS: .*not an SNS topic ARN/],
    [
      'SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION',
      '-5',
      /SESSIONWATCH_MAX_OBJECT_BYTES_PER_INVOCATION must be a positive number, got "-5"/,
    ],
    [
      'SESSIONWATCH_STATE_TABLE',
      'state table!',
      /SESSIONWATCH_STATE_TABLE: "state table!" is not a DynamoDB table name/,
    ],
    [
      'SESSIONWATCH_RULE_SOURCES',
      's3://Bad_Bucket/rules/',
      /SESSIONWATCH_RULE_SOURCES: "s3:\/\/Bad_Bucket\/rules\/" is not s3:\/\/bucket\/key/,
    ],
    ['SESSIONWATCH_CONTINUATION_QUEUE_URL', 'not a url', /SESSIONWATCH_CONTINUATION_QUEUE_URL: /],
    ['SESSIONWATCH_FUNCTION', 'everything', /SESSIONWATCH_FUNCTION: /],
    [
      'SESSIONWATCH_COVERAGE_CONFIG',
      'grace: soon',
      /SESSIONWATCH_COVERAGE_CONFIG: .*grace must be a number followed by s, m, h or d/,
    ],
    ['SESSIONWATCH_COVERAGE_CONFIG', 'expect: [final, nothing]', /SESSIONWATCH_COVERAGE_CONFIG: /],
  ])('%s=%s', async (name, value, message) => {
    const error = await coldStart(emu, { [name]: value }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.name).toBe('ConfigError');
    expect(error!.message).toMatch(/^invalid configuration: /);
    expect(error!.message).toMatch(message);
  });

  it('names every bad variable at once, and never echoes a secret put in the environment', async () => {
    const error = await coldStart(emu, {
      SESSIONWATCH_MIN_SEVERITY: 'urgent',
      SESSIONWATCH_HEC_TOKEN: '5f1d7e2a-hec-token-value',
      SESSIONWATCH_TIME_GUARD_MS: 'soon',
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error!.message).toMatch(/SESSIONWATCH_MIN_SEVERITY/);
    expect(error!.message).toMatch(/SESSIONWATCH_HEC_TOKEN: a secret must not be an environment variable/);
    expect(error!.message).toMatch(/SESSIONWATCH_TIME_GUARD_MS must be a positive number/);
    expect(error!.message).not.toContain('5f1d7e2a');
  });

  it('starts with a good configuration and reads every rule of an S3 rule folder', async () => {
    const rule = [
      'id: team-whoami-after-sudo',
      'title: "whoami typed (team rule from the config bucket)"',
      'severity: low',
      'category: discovery',
      'attack: [T1033]',
      'match:',
      '  program: [whoami]',
    ].join('\n');
    await emu.s3.client.send(new PutObjectCommand({ Bucket: 'config', Key: 'rules/team/whoami.yml', Body: rule }));
    const { handler, delivered } = await coldStart(emu, {
      SESSIONWATCH_COVERAGE_CONFIG: JSON.stringify({ grace: '30m', expect: ['final'] }),
      SESSIONWATCH_RULE_SOURCES: 's3://config/rules/',
      SESSIONWATCH_FUNCTION: 'transcripts',
    });
    await handler({ Records: [s3Record(TRANSCRIPT_KEY('mallory-09f8e7d6c5b4a3921'))] });
    const team = delivered().filter((a) => a.ruleId === 'team-whoami-after-sudo');
    expect(team.map((a) => a.command)).toEqual(['whoami']);
    // the transcripts function does not run the coverage check
    expect(await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).toBeUndefined();
  });
});

/**
 * What the bundle holds, from esbuild's metafile (dist/lambda/meta.json, written by scripts/build.mjs): production
 * dependencies only, and as externals only Node.js built-ins and the AWS SDK v3 clients the handlers call (the
 * Lambda runtime provides the SDK), each imported on first use (test/forwarder/lambda/lazy-sdk.test.ts checks which).
 */
describe('the bundle holds no development dependency and no unused AWS SDK client', () => {
  const metaPath = join(repoRoot, 'dist/lambda/meta.json');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {
    inputs: Record<string, { bytes: number }>;
    outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  };
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };

  it('was built from the bundle under test', () => {
    expect(existsSync(new URL(BUNDLE))).toBe(true);
    expect(Object.keys(meta.outputs)).toContain('dist/lambda/index.mjs');
  });

  it('bundles only packages the lock file marks as production dependencies', () => {
    const packages = new Set<string>();
    for (const input of Object.keys(meta.inputs)) {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)/.exec(input);
      if (m) packages.add(m[1]!);
    }
    expect(packages.size).toBeGreaterThan(0);
    for (const p of packages) {
      expect(lock.packages[p], p).toBeDefined();
      expect(lock.packages[p]!.dev ?? false, `${p} is a development dependency`).toBe(false);
      expect(lock.packages[p]!.devOptional ?? false, `${p} is a development dependency`).toBe(false);
    }
    // the source tree it bundles is the product's: no test, bench or infra code
    const sources = Object.keys(meta.inputs).filter((i) => !i.includes('node_modules'));
    expect(sources.filter((s) => !/^(forwarder|detectors)\//.test(s))).toEqual([]);
  });

  it('imports, besides Node.js built-ins, exactly the AWS SDK clients the handlers use', () => {
    const externals = new Set(
      Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)),
    );
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const sdk = [...externals].filter((e) => !builtins.has(e)).sort();
    expect(sdk).toEqual([
      '@aws-sdk/client-cloudtrail', // identity: LookupEvents when the table has no StartSession yet
      '@aws-sdk/client-dynamodb', // state, identity, idempotency tables
      '@aws-sdk/client-s3', // transcripts, IOC and rule sources
      '@aws-sdk/client-secrets-manager', // the Splunk HEC token
      '@aws-sdk/client-sns', // the SNS alert sink
      '@aws-sdk/client-sqs', // continuation queue, alert spool
      '@aws-sdk/util-dynamodb', // item (un)marshalling for the tables
    ]);
  });

  it('imports the AWS SDK only dynamically, so a cold start loads no client before its first use', () => {
    const sdk = Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.path.startsWith('@aws-sdk/')));
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.filter((i) => i.kind !== 'dynamic-import').map((i) => `${i.kind} ${i.path}`)).toEqual([]);
  });
});
