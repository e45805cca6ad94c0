import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTBRIDGE_MALLORY } from '../session-coverage/helpers.js';
import {
  BUNDLE,
  type Emulators,
  functionEnv,
  newDeployment,
  s3Record,
  startEmulators,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * The AWS SDK packages are loaded on first use: a cold start (module load and configuration check) loads none, and
 * each function role loads only the clients its first invocation calls. Each case is a fresh Node.js process running
 * the bundle against the emulators, reporting the SDK packages in its module cache (they are CommonJS).
 */
const CHILD = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const loaded = () => [...new Set(Object.keys(cache).flatMap((f) => /node_modules\\/(@aws-sdk\\/[^/]+)\\//.exec(f)?.[1] ?? []))].sort();
const { handler } = await import(process.argv[1]);
const afterLoad = loaded();
await handler(JSON.parse(process.argv[2]));
process.stdout.write('\\nSDK ' + JSON.stringify({ afterLoad, afterFirstCall: loaded() }) + '\\n');
`;

let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
});

afterAll(async () => {
  await emu?.close();
});

/** The SDK packages a fresh process of the bundle holds after loading it, and after its first invocation. */
async function sdkPackagesOf(role: string, event: unknown) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SESSIONWATCH_')) env[k] = v;
  const vars = functionEnv(emu, await newDeployment(emu), { SESSIONWATCH_FUNCTION: role });
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', CHILD, BUNDLE, JSON.stringify(event)],
    { env, maxBuffer: 16 * 1024 * 1024 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('SDK '));
  return JSON.parse(line!.slice(4)) as { afterLoad: string[]; afterFirstCall: string[] };
}

/** The client packages the code imports (their own dependencies, @aws-sdk/core and the like, come with them). */
const clients = (packages: string[]) => packages.filter((p) => /^@aws-sdk\/(client-|util-dynamodb$)/.test(p));

describe('each function loads only the AWS SDK clients it calls', () => {
  it('loads no SDK package to start and check its configuration, nor for an event it skips', async () => {
    const { afterLoad, afterFirstCall } = await sdkPackagesOf('all', { unrelated: true });
    expect(afterLoad).toEqual([]);
    expect(afterFirstCall).toEqual([]);
  });

  it('identity: a StartSession event loads DynamoDB only', async () => {
    const event = JSON.parse(readFileSync(EVENTBRIDGE_MALLORY, 'utf8'));
    const { afterLoad, afterFirstCall } = await sdkPackagesOf('identity', event);
    expect(afterLoad).toEqual([]);
    expect(clients(afterFirstCall)).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/util-dynamodb']);
  });

  it('coverage: the scheduled check loads DynamoDB only', async () => {
    const event = { source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString() };
    const { afterLoad, afterFirstCall } = await sdkPackagesOf('coverage', event);
    expect(afterLoad).toEqual([]);
    expect(clients(afterFirstCall)).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/util-dynamodb']);
  });

  it('transcripts: an S3 object loads S3, DynamoDB and CloudTrail (no identity record yet), not SQS or SNS', async () => {
    const event = { Records: [s3Record(TRANSCRIPT_KEY('mallory-09f8e7d6c5b4a3921'))] };
    const { afterLoad, afterFirstCall } = await sdkPackagesOf('transcripts', event);
    expect(afterLoad).toEqual([]);
    expect(clients(afterFirstCall)).toEqual([
      '@aws-sdk/client-cloudtrail',
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-s3',
      '@aws-sdk/util-dynamodb',
    ]);
  });
});
