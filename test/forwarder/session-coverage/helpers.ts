import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCloudTrailInput } from '../../../forwarder/session-coverage/cloudtrail-input.js';
import type { Input } from '../../../forwarder/sources/inputs.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

export const cloudTrailDir = join(fixturesDir, 'cloudtrail');
export const CLOUDTRAIL_LOG = join(
  cloudTrailDir,
  '111122223333_CloudTrail_eu-west-1_20261008T1700Z_u7RZ3kQ1w9HcXb2m.json',
);
export const LOOKUP_EVENTS = join(cloudTrailDir, 'lookup-events-20261010.json');
export const EVENTBRIDGE_MALLORY = join(cloudTrailDir, 'eventbridge-start-session-mallory.json');

export const SESSIONS = {
  dana: 'dana-0b1c2d3e4f5a6b7c8',
  eve: 'eve.ops-0e5f6a7b8c9d0e1f2',
  alice: 'alice-q4x7n2c9v5b8m1z3k6j0h4g7fd',
  bob: 'bob@example.com-7w3e9r1t5y8u2i6o4p0a3s7d1f',
  ci: 'GitHubActions-0a9b8c7d6e5f4a3b2',
  jdoe: 'jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa',
  mallory: 'mallory-09f8e7d6c5b4a3921',
} as const;

export const fileInput = (path: string): Input => ({ name: path, open: () => createReadStream(path) });

/** Every CloudTrail record of the three fixture exports (log file, LookupEvents output, EventBridge event). */
export async function fixtureRecords(): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const path of [CLOUDTRAIL_LOG, LOOKUP_EVENTS, EVENTBRIDGE_MALLORY])
    out.push(...(await readCloudTrailInput(fileInput(path))));
  return out;
}

/**
 * A transcript export as the tests need it: dana complete (S3 object, CloudWatch upload, stream); mallory streamed to
 * the end but with no end-of-session transcript; jdoe's stream cut after its first `keep` events (agent killed).
 */
export function transcriptExport(keep = 2): string {
  const dir = mkdtempSync(join(tmpdir(), 'sw-coverage-'));
  for (const ext of ['log', 'cw-final.jsonl', 'cw-stream.jsonl']) {
    const name = `${SESSIONS.dana}.${ext}`;
    writeFileSync(join(dir, name), readFileSync(join(sessionsDir, name)));
  }
  const mallory = `${SESSIONS.mallory}.cw-stream.jsonl`;
  writeFileSync(join(dir, mallory), readFileSync(join(sessionsDir, mallory)));
  const jdoe = `${SESSIONS.jdoe}.cw-stream.jsonl`;
  const lines = readFileSync(join(sessionsDir, jdoe), 'utf8').split('\n').filter(Boolean);
  writeFileSync(join(dir, jdoe), `${lines.slice(0, keep).join('\n')}\n`);
  return dir;
}
