// Random command lines never make the analyser throw or hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../detectors/index.js';
import { fixtureIocs, record } from './helpers.js';

const { engine } = createEngine({ iocTexts: fixtureIocs() });
const shellish = fc.stringMatching(/^[a-z0-9 $'"`\\|&;<>(){}[\]*?!#=~./:@+%^,-]{0,200}$/);
const tokens = fc.array(
  fc.constantFrom(
    'sudo',
    'su',
    '-',
    '$(',
    ')',
    '`',
    '${x',
    '}',
    "'",
    '"',
    '\\',
    '|',
    '&&',
    ';',
    '<<EOF',
    '\n',
    '{a,b}',
    '$IFS',
    "$'\\x41'",
    'base64 -d',
    'sh -c',
    'eval',
    '!!',
    'http://[::1]:8',
    '/dev/tcp/1.2.3.4/5',
    'x=',
    '((',
    'case',
    'esac',
    'f()',
    'alias a=',
    ' ',
  ),
  { maxLength: 60 },
);

describe('robustness', () => {
  it('analyses arbitrary strings without throwing', () => {
    const session = engine.session({ sessionId: 'fuzz' });
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => {
        expect(Array.isArray(session.analyze(record(s)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('analyses shell-like strings and token soups without throwing or hanging', () => {
    const session = engine.session({ sessionId: 'fuzz' });
    fc.assert(
      fc.property(
        fc.oneof(
          shellish,
          tokens.map((t) => t.join(' ')),
          tokens.map((t) => t.join('')),
        ),
        (s) => {
          const started = performance.now();
          session.analyze(record(s));
          return performance.now() - started < 2000;
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('handles very long lines', () => {
    const session = engine.session({ sessionId: 'long' });
    expect(() => session.analyze(record(`echo ${'A'.repeat(1_000_000)}`))).not.toThrow();
    expect(() => session.analyze(record('$('.repeat(20_000)))).not.toThrow();
    expect(() => session.analyze(record(`${'"'.repeat(50_000)}`))).not.toThrow();
  });
});
