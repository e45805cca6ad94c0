import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { sessionsDir } from '../../helpers/paths.js';

const MALLORY = join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log');

describe('sessionwatch commands', () => {
  it('reads stdin (-), gzipped or not', async () => {
    const plain = await runCli(['commands', '-', '--format', 'jsonl'], { stdin: readFileSync(MALLORY) });
    const gz = await runCli(['commands', '-', '--format', 'jsonl'], { stdin: gzipSync(readFileSync(MALLORY)) });
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n').filter(Boolean)).toHaveLength(11);
    expect(gz.stdout).toBe(plain.stdout);
  });

  it('prints one record per command with the fields of the contract', async () => {
    const { stdout } = await runCli(['commands', MALLORY, '--format', 'jsonl']);
    const first = JSON.parse(stdout.split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining([
        'sessionId',
        'seq',
        'command',
        'user',
        'host',
        'cwd',
        'root',
        'time',
        'source',
        'cancelled',
      ]),
    );
    expect(first).toMatchObject({ sessionId: 'mallory-09f8e7d6c5b4a3921', seq: 1, command: 'id', source: 's3' });
  });

  it('prints a table, and --executed leaves out cancelled lines', async () => {
    const dana = join(sessionsDir, 'dana-0b1c2d3e4f5a6b7c8.log');
    const table = await runCli(['commands', dana, '--format', 'table']);
    expect(table.stdout.split('\n')[0]).toMatch(/^SESSION\s+SEQ\s+TIME\s+USER\s+CWD\s+FLAGS\s+COMMAND/);
    expect(table.stdout).toContain('cancelled');
    const executed = await runCli(['commands', dana, '--format', 'table', '--executed']);
    expect(executed.stdout).not.toContain('cancelled');
  });

  it('walks a directory, every format of every session', async () => {
    const { code, stdout } = await runCli(['commands', sessionsDir, '--format', 'jsonl']);
    expect(code).toBe(0);
    const sources = new Set(
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { source: string }).source),
    );
    expect([...sources].sort()).toEqual(['cloudwatch', 'cloudwatch-stream', 's3']);
  });

  it('exit 2 with a message for bad usage and unreadable input; the rest still printed', async () => {
    const missing = await runCli(['commands', '/nonexistent/file.log']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const badFormat = await runCli(['commands', MALLORY, '--format', 'xml']);
    expect(badFormat.code).toBe(2);
    const corrupt = await runCli(['commands', '-', MALLORY, '--format', 'jsonl'], {
      stdin: Buffer.concat([gzipSync('x').subarray(0, 12), Buffer.from('broken')]),
    });
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/stdin: .*(gzip|unexpected end|incorrect header)/i);
    expect(corrupt.stdout.split('\n').filter(Boolean)).toHaveLength(11);
  });

  it('--help explains with examples', async () => {
    const { code, stdout } = await runCli(['commands', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
  });
});
