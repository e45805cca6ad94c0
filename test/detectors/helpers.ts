import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRecord } from '../../forwarder/commands/record.js';
import { fixturesDir, sessionsDir } from '../helpers/paths.js';

export interface TruthSession {
  sessionId: string;
  instanceId: string;
  account: string;
  principal: string;
  runAsUser: string;
  commands: { command: string; labels: string[] }[];
}

export function truthSessions(): { file: string; truth: TruthSession }[] {
  return readdirSync(sessionsDir)
    .filter((f) => f.endsWith('.truth.json'))
    .sort()
    .map((file) => ({ file, truth: JSON.parse(readFileSync(join(sessionsDir, file), 'utf8')) as TruthSession }));
}

export function fixtureIocs(): { name: string; text: string }[] {
  return [{ name: 'iocs.txt', text: readFileSync(join(fixturesDir, 'iocs.txt'), 'utf8') }];
}

export function record(command: string, seq = 1, overrides: Partial<CommandRecord> = {}): CommandRecord {
  return {
    sessionId: 'test-session',
    seq,
    command,
    user: 'ssm-user',
    host: 'ip-10-0-0-1',
    cwd: '/home/ssm-user',
    root: false,
    time: null,
    source: 'raw',
    cancelled: false,
    incomplete: false,
    instanceId: 'i-0123456789abcdef0',
    ...overrides,
  };
}
