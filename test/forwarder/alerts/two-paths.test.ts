import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

const sessions = readdirSync(sessionsDir)
  .filter((f) => f.endsWith('.log'))
  .map((f) => f.slice(0, -'.log'.length));

async function alertIds(file: string): Promise<Map<string, string>> {
  const { code, stdout, stderr } = await runCli([
    'scan',
    join(sessionsDir, file),
    '--ioc',
    join(fixturesDir, 'iocs.txt'),
    '--format',
    'jsonl',
  ]);
  expect(code, stderr).toBe(0);
  const lines = stdout.split('\n').filter(Boolean);
  return new Map(lines.map((l) => JSON.parse(l) as { id: string; command: string }).map((a) => [a.id, a.command]));
}

describe('two paths, one alert: every alert the stream raises has the id the full transcript gives it', () => {
  it.each(sessions)('%s', async (session) => {
    const full = await alertIds(`${session}.log`);
    for (const streamed of [`${session}.subscription.json`, `${session}.cw-stream.jsonl`]) {
      const stream = await alertIds(streamed);
      const unknown = [...stream].filter(([id]) => !full.has(id));
      expect(unknown, streamed).toEqual([]);
    }
    expect([...(await alertIds(`${session}.cw-final.jsonl`)).keys()].sort()).toEqual([...full.keys()].sort());
  });

  it('a long command the stream garbled where the line wrapped keeps its id (ci-deployer: `x64. tar.gz`)', async () => {
    const stream = await alertIds('ci-deployer-0123456789abcdef0.subscription.json');
    const full = await alertIds('ci-deployer-0123456789abcdef0.log');
    const garbled = [...stream].find(([, command]) => command.includes('x64. tar.gz'));
    expect(garbled).toBeDefined();
    expect(full.get(garbled![0])).toContain('x64.tar.gz');
  });
});
