import { describe, expect, it } from 'vitest';
import { Terminal, type TerminalLine } from '../../../forwarder/terminal/terminal.js';

/** Replays terminal output and returns the logical lines it settled. */
function replay(text: string, options: { width?: number; chunk?: number } = {}): TerminalLine[] {
  const lines: TerminalLine[] = [];
  const t = new Terminal({ onLine: (l) => lines.push(l), ...(options.width ? { width: options.width } : {}) });
  const step = options.chunk ?? text.length;
  for (let i = 0; i < text.length; i += step) t.write(text.slice(i, i + step));
  t.end();
  return lines;
}

const texts = (text: string, options?: { width?: number; chunk?: number }) =>
  replay(text, options)
    .map((l) => l.text)
    .filter((t) => t !== '');

const PROMPT = '\x1b[?2004hsh-5.2$ ';
const ENTER = '\r\r\n\x1b[?2004l\r';

describe('terminal replay: line editing as readline and the tty draw it', () => {
  it('backspace then erase-to-end (readline) removes the typed characters', () => {
    expect(texts(`${PROMPT}sudo s\b\x1b[K\b\x1b[K\b\x1b[K\b\x1b[K\b\x1b[K\b\x1b[Kls -la${ENTER}`)).toEqual([
      'sh-5.2$ ls -la',
    ]);
  });

  it("the tty's erase echo (backspace, space, backspace) removes characters without leaving blanks", () => {
    expect(texts('$ echo helo\b \b\b \bllo\r\r\nhello\r\r\n')).toEqual(['$ echo hello', 'hello']);
  });

  it('cursor moves left and right, then overwriting, as readline redraws a line', () => {
    const keys = `${PROMPT}echo wrld\b\b\borld\b\b\b\r\r\n`;
    expect(texts(keys)[0]).toBe('sh-5.2$ echo world');
  });

  it('a carriage return, cursor-forward over the prompt and erase (Ctrl-U) clears the input', () => {
    const keys = `${PROMPT}echo hello world\r${'\x1b[C'.repeat(8)}\x1b[Ksudo -u root ba\x07\x07sh${ENTER}`;
    const [line] = replay(keys).filter((l) => l.text);
    expect(line!.text).toBe('sh-5.2$ sudo -u root bash');
    expect(line!.events.filter((e) => e.kind === 'bell')).toHaveLength(2);
  });

  it('delete characters (ESC[P) shifts the rest of the line left', () => {
    expect(texts(`${PROMPT}echo abcdef\x1b[4D\x1b[2P${ENTER}`)[0]).toBe('sh-5.2$ echo abef');
  });

  it('insert mode (ESC[4h) and insert blanks (ESC[@) push text right', () => {
    expect(texts(`${PROMPT}echo ac\b\x1b[4hb\x1b[4l${ENTER}`)[0]).toBe('sh-5.2$ echo abc');
    expect(texts(`${PROMPT}echo ac\b\x1b[1@b${ENTER}`)[0]).toBe('sh-5.2$ echo abc');
  });

  it('erase characters (ESC[X) and erase to start (ESC[1K) blank without shifting', () => {
    expect(texts('abcdef\x1b[3D\x1b[2X\r\n')[0]).toBe('abc  f');
    expect(texts('abcdef\x1b[3D\x1b[1K\r\n')[0]).toBe('    ef');
  });

  it('marks bracketed paste on and off where readline switches it', () => {
    const [prompt, output] = replay(`${PROMPT}id${ENTER}uid=0\r\r\n`).filter((l) => l.text);
    expect(prompt!.events.map((e) => e.kind)).toEqual(['paste-on']);
    expect(output!.events.map((e) => [e.kind, e.offset])).toEqual([['paste-off', 0]]);
  });

  it('a pasted text shown highlighted, then redrawn plain, reads once', () => {
    const paste = 'wget -q http://203.0.113.66/p';
    const keys = `${PROMPT}\x1b[7m${paste}\x1b[27m\r${'\x1b[C'.repeat(8)}${paste}${ENTER}`;
    expect(texts(keys)[0]).toBe(`sh-5.2$ ${paste}`);
  });

  it('an echoed ^C before readline gives up the line is an interrupt, and restores what it overwrote', () => {
    const keys = `${PROMPT}sudo su - root${'\b'.repeat(7)}^C\x1b[?2004l\r\x1b[?2004h\x1b[?2004l\r\r\r\n`;
    const [line] = replay(keys).filter((l) => l.text);
    expect(line!.text).toBe('sh-5.2$ sudo su - root');
    expect(line!.events.map((e) => e.kind)).toContain('interrupt');
  });

  it('typed "^C" that is followed by Enter under readline is text, not an interrupt', () => {
    const [line] = replay(`${PROMPT}echo ^C${ENTER}`).filter((l) => l.text);
    expect(line!.text).toBe('sh-5.2$ echo ^C');
    expect(line!.events.map((e) => e.kind)).not.toContain('interrupt');
  });

  it('records the terminal title (OSC 0) a prompt sets', () => {
    const [line] = replay(`\x1b]0;root@ip-10-0-1-23:/tmp\x07${PROMPT}id${ENTER}`).filter((l) => l.text);
    expect(line!.events.find((e) => e.kind === 'title')).toMatchObject({ text: 'root@ip-10-0-1-23:/tmp' });
  });
});

describe('terminal replay: characters', () => {
  it('wide characters take two columns: two backspaces and an erase remove one', () => {
    expect(texts(`${PROMPT}echo 日本語\b\b\x1b[K${ENTER}`)[0]).toBe('sh-5.2$ echo 日本');
  });

  it('overwriting half of a wide character blanks the other half', () => {
    expect(texts('日本\b\b\bx\r\n')[0]).toBe(' x本');
  });

  it('combining marks join the previous character; emoji are wide', () => {
    expect(texts('cafe\u0301 🙂!\b\b\b\b\x1b[K\r\n')[0]).toBe('cafe\u0301');
  });

  it('multi-byte text split across writes replays the same', () => {
    const keys = `${PROMPT}echo 서버 점검 완료 ✓${ENTER}`;
    expect(texts(keys, { chunk: 1 })).toEqual(texts(keys));
  });

  it('BEL, SO/SI and DEL print nothing', () => {
    expect(texts('a\x07b\x0e\x0fc\x7fd\r\n')[0]).toBe('abcd');
  });
});

describe('terminal replay: width and wrapping', () => {
  it("learns the width from readline's wrap (a space and a carriage return at the last column)", () => {
    // 40 columns: prompt (8) + 32 characters fill the row; readline prints a space and \r to move on
    const keys = `${PROMPT}echo aaaaaaaaaa bbbbbbbbbb ccccc \rccccc dddddddddd${ENTER}`;
    const lines: TerminalLine[] = [];
    const t = new Terminal({ onLine: (l) => lines.push(l) });
    t.write(keys);
    t.end();
    expect(t.columns).toBe(40);
    expect(lines.find((l) => l.text.startsWith('sh'))!.text).toBe(
      'sh-5.2$ echo aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd',
    );
  });

  it('a trailing space before Enter is typed text, not a wrap', () => {
    const t = new Terminal({ onLine: () => {} });
    t.write(`${PROMPT}cat /etc/hostname ${ENTER}`);
    expect(t.columns).toBe(Number.POSITIVE_INFINITY);
  });

  it('edits a wrapped line across rows with cursor-up, as readline does for long commands', () => {
    // width known: the line wraps at 40; readline moves up a row, right 17 columns, rewrites
    const row1 = 'sh-5.2$ echo 1111111111 2222222222 33333';
    const keys = `\x1b[?2004h${row1.slice(0, 8)}${row1.slice(8)} \r33333 44444\x1b[A\r${'\x1b[C'.repeat(17)}XY${ENTER}`;
    expect(texts(keys, { width: 40 })[0]).toBe('sh-5.2$ echo 1111XY1111 2222222222 3333333333 44444');
  });

  it('erasing a row ends the wrapped line there (output written below is a new line)', () => {
    const keys = `\x1b[?2004hsh-5.2$ echo ${'x'.repeat(40)}\x1b[A\r${'\x1b[C'.repeat(8)}\x1b[K\r\r\n\r\x1b[K\x1b[A${'\x1b[C'.repeat(8)}echo short${ENTER}short\r\r\n`;
    expect(texts(keys, { width: 40 })).toEqual(['sh-5.2$ echo short', 'short']);
  });

  it('caps a line that never ends (binary output) and says so', () => {
    const lines = replay(`${'A'.repeat(3 << 20)}\r\nnext\r\n`);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[0]!.text.length).toBeLessThanOrEqual((1 << 20) + 1);
    expect(lines[1]!.text).toBe('next');
  });
});

describe('terminal replay: full-screen programs and clearing', () => {
  it('marks what a program draws on the alternate screen, and carries on after it', () => {
    const keys = `${PROMPT}vi x${ENTER}\x1b[?1049h\x1b[H\x1b[2Jsudo su - in a file\x1b[2;1H~\x1b[?1049l${PROMPT}id${ENTER}`;
    const lines = replay(keys).filter((l) => l.text);
    expect(lines.filter((l) => l.alt).map((l) => l.text)).toEqual(['sudo su - in a file', '~']);
    expect(lines.filter((l) => !l.alt).map((l) => l.text)).toEqual(['sh-5.2$ vi x', 'sh-5.2$ id']);
  });

  it('clear (cursor home, erase display) starts a fresh screen', () => {
    expect(texts(`${PROMPT}clear${ENTER}\x1b[H\x1b[2J\x1b[3J${PROMPT}echo after${ENTER}after\r\r\n`)).toEqual([
      'sh-5.2$ clear',
      'sh-5.2$ echo after',
      'after',
    ]);
  });

  it('absolute positioning outside the alternate screen (top without it) draws on a virtual screen', () => {
    const keys = `\x1b[H\x1b[2Jtop - 10:00\x1b[K\r\r\nTasks: 3\x1b[25;1H\r\r\n${PROMPT}id${ENTER}`;
    expect(texts(keys)).toEqual(['top - 10:00', 'Tasks: 3', 'sh-5.2$ id']);
  });

  it('an unterminated string (OSC or DCS in binary output) ends at the line feed', () => {
    expect(texts('\x1b]0;never ends\r\n\x1bPjunk\r\nok\r\n')).toEqual(['ok']);
  });
});
