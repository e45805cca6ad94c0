import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Terminal, type TerminalLine } from '../../../forwarder/terminal/terminal.js';

/**
 * The terminal writes whole lines of plain output (printable ASCII, carriage returns, a line feed, at a fresh line)
 * straight into a row, and hands runs of printable text from the parser in one call. Written one character at a
 * time, no line is whole in one write, so everything goes through the parser: both must replay the same.
 */
interface Replayed {
  lines: TerminalLine[];
  columns: number;
}

function replay(text: string, options: { width?: number; oneByOne?: boolean; inputLines?: boolean } = {}): Replayed {
  const lines: TerminalLine[] = [];
  const t = new Terminal({
    onLine: (l) => lines.push(l),
    ...(options.width ? { width: options.width } : {}),
    ...(options.inputLines ? { isInputLine: (line: string) => line.startsWith('$ ') } : {}),
  });
  // one character (code point, as the decoder hands them over) at a time, or all at once
  for (const piece of options.oneByOne ? Array.from(text) : [text]) t.write(piece);
  const columns = t.columns;
  t.end();
  return { lines, columns };
}

const texts = (r: Replayed) => r.lines.map((l) => l.text).filter((t) => t !== '');

/** Whole-text and character-by-character replays agree; returns the whole-text one. */
function replayBothWays(text: string, options: { width?: number; inputLines?: boolean } = {}): Replayed {
  const whole = replay(text, options);
  expect(whole).toEqual(replay(text, { ...options, oneByOne: true }));
  return whole;
}

describe('terminal fast paths: plain output lines', () => {
  it('a line written whole can still be rewritten by a later cursor-up', () => {
    const r = replayBothWays('one\r\ntwo\r\nthree\r\n\x1b[3A\rONE\x1b[2B\rTHREE\r\n');
    expect(texts(r)).toEqual(['ONE', 'two', 'THREE']);
  });

  it('a line exactly the terminal width stays one row; one character more wraps into a second', () => {
    const exact = replayBothWays('0123456789\r\nnext\r\n', { width: 10 });
    expect(texts(exact)).toEqual(['0123456789', 'next']);
    const over = replayBothWays('0123456789A\r\nnext\r\n', { width: 10 });
    expect(texts(over)).toEqual(['0123456789A', 'next']);
    expect(over.lines[0]!.offset).toBe('0123456789A'.length);
  });

  it('a tab moves the cursor over cells it does not write', () => {
    expect(texts(replayBothWays('a\tb\r\n\tc\r\n'))).toEqual(['a       b', '        c']);
  });

  it('non-ASCII text at a fresh line (wide, combining, emoji) goes through the parser the same', () => {
    const r = replayBothWays('漢字 ok\r\ncafe\u0301\r\n🙂🙂\b\b\x1b[K\r\nplain\r\n');
    expect(texts(r)).toEqual(['漢字 ok', 'cafe\u0301', '🙂', 'plain']);
  });

  it('an echoed ^C ending an output line is still an interrupt', () => {
    const r = replayBothWays('sleep 100^C\r\nnext\r\n');
    expect(r.lines[0]!.text).toBe('sleep 100');
    expect(r.lines[0]!.events.map((e) => e.kind)).toEqual(['interrupt']);
  });

  it('the character a repeat (ESC[b) repeats is the last one of the plain line before', () => {
    expect(texts(replayBothWays('abc\r\n\x1b[3b\r\n'))).toEqual(['abc', 'ccc']);
  });

  it('a line feed without a carriage return keeps the column', () => {
    expect(texts(replayBothWays('abc\ndef\r\n'))).toEqual(['abc', '   def']);
  });

  it("a prompt-shaped line ending in a space and Enter does not teach a width (readline's wrap is a space, CR, text)", () => {
    const line = `$ ${'x'.repeat(30)} \r\r\n`;
    expect(replayBothWays(`${line}${line}`, { inputLines: true }).columns).toBe(Number.POSITIVE_INFINITY);
    expect(replayBothWays(`$ ${'x'.repeat(30)} \rmore\r\n`, { inputLines: true }).columns).toBe(32);
  });

  it('offsets point just after the last character written to each line', () => {
    const text = 'first\r\r\n\r\nlast line\r\n';
    const r = replayBothWays(text);
    expect(r.lines.map((l) => [l.text, l.offset])).toEqual([
      ['first', 'first'.length],
      ['', 0],
      ['last line', text.indexOf('last line') + 'last line'.length],
      ['', 0],
    ]);
  });

  it('random mixes of plain lines and edits replay the same whole or character by character', () => {
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.stringMatching(/^[ -~]{0,30}\r{1,2}\n$/) },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          '\r\n',
          '\n',
          '\r',
          ' ',
          '^',
          '^C',
          'x'.repeat(45),
          '\t',
          '\b',
          '\x07',
          '\x1b[A',
          '\x1b[2A',
          '\x1b[B',
          '\x1b[3C',
          '\x1b[K',
          '\x1b[2K',
          '\x1b[J',
          '\x1b[H',
          '\x1b[P',
          '\x1b[2@',
          '\x1b[2b',
          '\x1b[4h',
          '\x1b[4l',
          '\x1b[?7l',
          '\x1b[?7h',
          '\x1b[?2004h',
          '\x1b[?2004l',
          '\x1b[?1049h',
          '\x1b[?1049l',
          '\x1b]0;title\x07',
          '\x1b7',
          '\x1b8',
          '$ ',
          '漢',
          'e\u0301',
          '🙂',
          '\x9b',
          '\x1b',
        ),
      },
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 80 }),
        fc.option(fc.integer({ min: 10, max: 60 }), { nil: undefined }),
        fc.boolean(),
        (pieces, width, inputLines) => {
          replayBothWays(pieces.join(''), { width, inputLines });
        },
      ),
      { numRuns: 400 },
    );
  });
});
