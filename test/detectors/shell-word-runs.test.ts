// Runs of plain words read in one scan (the parser's fast path for long argument lists) parse exactly as word by word.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShell, parseShellWordByWord } from '../../detectors/shell/parse.js';
import { fixturesDir } from '../helpers/paths.js';

/** Words and the things that end or interrupt them: redirections, quotes, expansions, globs, separators, blanks. */
const piece = fc.constantFrom(
  'echo',
  'word',
  'w0rd-1',
  '2',
  '12',
  '>',
  '>>',
  '2>',
  '&>',
  '<',
  '<(',
  '>(',
  '(',
  ')',
  '()',
  '|',
  '||',
  '&',
  '&&',
  ';',
  '\n',
  '\r',
  '\t',
  ' ',
  '  ',
  '\\',
  '\\\n',
  "'q'",
  '"d q"',
  '$x',
  '$'.concat('{y}'),
  '$(id)',
  '`id`',
  '*',
  '?',
  '[a]',
  '{a,b}',
  '#',
  '#c',
  'a=b',
  '~',
  '!',
  'if',
  'then',
  'fi',
  'for',
  'do',
  'done',
  'case',
  'in',
  'esac',
  '[[',
  ']]',
  '{',
  '}',
  '<<EOF',
  'EOF',
  'é',
  '\u00a0',
  '\u{1F600}',
);

describe('plain word runs', () => {
  it('parse like word by word, for random command lines', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.array(fc.constantFrom(' ', '', '\t', '  '), { maxLength: 40 }),
        (pieces, gaps) => {
          const text = pieces.map((p, i) => p + (gaps[i] ?? ' ')).join('');
          expect(parseShell(text)).toEqual(parseShellWordByWord(text));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('parse like word by word for the fixture sessions’ commands, and for pasted commands of thousands of words', () => {
    const commands: string[] = [];
    for (const dir of ['sessions', 'generated']) {
      for (const f of readdirSync(join(fixturesDir, dir)).filter((n) => n.endsWith('.truth.json'))) {
        const truth = JSON.parse(readFileSync(join(fixturesDir, dir, f), 'utf8')) as {
          commands: { command: string }[];
        };
        commands.push(...truth.commands.map((c) => c.command));
      }
    }
    expect(commands.length).toBeGreaterThan(100);
    expect(commands.some((c) => c.length >= 50_000)).toBe(true);
    for (const c of commands) expect(parseShell(c), c.slice(0, 80)).toEqual(parseShellWordByWord(c));
  });

  it('stop at the parser’s node budget where word by word stops', () => {
    for (const words of [6_600, 6_666, 6_667, 6_700, 10_000, 200_000]) {
      const text = `echo${' w'.repeat(words)} > out`;
      const fast = parseShell(text);
      expect(fast).toEqual(parseShellWordByWord(text));
      expect(fast.truncated).toBe(words >= 6_666);
    }
  });
});
