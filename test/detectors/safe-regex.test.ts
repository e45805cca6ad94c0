import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../detectors/builtin/bundle.generated.js';
import { compileGlob, compileGlobSet } from '../../detectors/match/glob.js';
import { compileSafeRegex, regexProblem } from '../../detectors/match/safe-regex.js';
import { parseRuleText } from '../../detectors/rules/parse-rule.js';
import type { ConditionInput } from '../../detectors/rules/schema.js';

describe('regex safety', () => {
  it.each([
    ['(a+)+$', 'nested'],
    ['(a*)*b', 'nested'],
    ['(\\w+\\s?)+$', 'nested'],
    ['(a|aa)+$', 'overlapping branches'],
    ['(a|ab)*c', 'overlapping branches'],
    ['(a?a?)*b', 'optional parts'],
    ['\\d+\\d+x', 'adjacent'],
    ['.*.*=', 'adjacent'],
    ['(x)\\1', 'backreferences'],
    ['([a', 'invalid'],
  ])('rejects %s', (pattern, reason) => {
    expect(regexProblem(pattern)).toContain(reason);
  });

  it.each([
    '^sudo\\s+su\\b',
    '^[48][1-9A-HJ-NP-Za-km-z]{94}$',
    '(?:rx/.*|cn/.*)$',
    '^.*foo.*$',
    '(a|b)*c',
    'stratum2?\\+(?:tcp|ssl)://',
    '([0-9a-f]{2}\\s?){2,20}',
  ])('accepts %s', (pattern) => {
    expect(regexProblem(pattern)).toBeNull();
  });

  it('caps the input a rule regex sees', () => {
    const r = compileSafeRegex('x$');
    if (typeof r === 'string') throw new Error(r);
    expect(r.test(`${'a'.repeat(10_000)}x`)).toBe(false);
    expect(r.test('ax')).toBe(true);
  });
});

describe('glob matching', () => {
  it('matches *, ? and classes without regular expressions', () => {
    expect(compileGlob('*/.ssh/authorized_keys*').test('/root/.ssh/authorized_keys2')).toBe(true);
    expect(compileGlob('/u?r/b?n/s[!x]do').test('/usr/bin/sudo')).toBe(true);
    expect(compileGlob('ABC*', { caseInsensitive: true }).test('abcdef')).toBe(true);
    expect(compileGlob('\\*lit').test('*lit')).toBe(true);
    expect(compileGlob('\\*lit').test('xlit')).toBe(false);
  });

  it('stays fast on pathological patterns', () => {
    const g = compileGlob(`${'*a'.repeat(50)}b`);
    expect(g.test('a'.repeat(5000))).toBe(false);
  });
});

/** Every regex of the built-in rules, with the words of their examples (texts that do match, for the most part). */
function builtinRegexes(): { patterns: string[]; words: string[] } {
  const patterns: string[] = [];
  const visit = (cond: ConditionInput) => {
    for (const field of ['arg_regex', 'text_regex', 'line_regex', 'url_regex'] as const)
      if (cond[field]) patterns.push(cond[field]);
    for (const child of [...(cond.all ?? []), ...(cond.any ?? []), ...(cond.not ? [cond.not] : [])]) visit(child);
  };
  const words: string[] = [];
  for (const { name, text } of BUILTIN_RULES) {
    const rule = parseRuleText(name, text).parsed!.rule;
    visit(rule.match);
    for (const t of [...rule.tests.match, ...rule.tests.no_match])
      words.push(...(typeof t === 'string' ? t : t.command).split(/\s+/));
  }
  return { patterns, words };
}

describe('regex prefilter', () => {
  const { patterns, words } = builtinRegexes();
  // escapes, classes and anchors whose reading decides the shortest match and the first character, with a match each
  const tricky: [string, string][] = [
    ['^--algo=(?:rx/.*|cn[/-].*)$', '--ALGO=rx/0'],
    ['^\\x41b', 'ab'],
    ['^[\\b]x', '\bx'],
    ['^\\012a', '\na'],
    ['^[^]z', '\nz'],
    ['^(?:a|^b)c', 'bc'],
    ['^(?=x)\\w+', 'xyz'],
    ['^\\u00e9t[eé]', 'été'],
    ['^[\\x30-\\x39]{3}', '123'],
    ['k$|^s', '\u017f'],
    ['^[^a-z]', '\u212a'],
    ['^\\s*\\d', ' 1'],
    ['^\\p{Script=Greek}x', 'αx'],
  ];
  const text = fc.oneof(
    fc.constantFrom(...words),
    fc.stringMatching(/^[-a-zA-Z0-9 ./:=+_\\\n\t\x08é\u212a\u017f]{0,40}$/),
    fc.tuple(fc.constantFrom(...words), fc.string({ maxLength: 8 })).map(([w, s]) => w + s),
  );

  it('never rules out a text the regex matches (built-in rule regexes and tricky ones)', () => {
    for (const [pattern, example] of tricky) {
      let matched = false;
      for (const flags of ['i', '', 'iu']) {
        const r = compileSafeRegex(pattern, flags);
        if (typeof r === 'string') continue; // \012 is no escape in unicode mode
        const expected = new RegExp(pattern, flags).test(example);
        expect(r.test(example), `${pattern} /${flags} on ${JSON.stringify(example)}`).toBe(expected);
        matched ||= expected;
      }
      expect(matched, pattern).toBe(true);
    }
    for (const pattern of [...patterns, ...tricky.map(([p]) => p)]) {
      for (const flags of ['i', '', 'iu']) {
        const r = compileSafeRegex(pattern, flags);
        if (typeof r === 'string') continue;
        const re = new RegExp(pattern, flags);
        fc.assert(
          fc.property(text, (t) => r.test(t) === re.test(t)),
          { numRuns: 300 },
        );
      }
    }
  });

  it('knows the shortest match and the first characters of an anchored pattern', () => {
    const r = compileSafeRegex('^--algo=(?:rx/.*|cn[/-].*)$', 'i');
    if (typeof r === 'string') throw new Error(r);
    expect(r.minLength).toBe(10);
    expect(r.canStartWith('-'.charCodeAt(0))).toBe(true);
    expect(r.canStartWith('a'.charCodeAt(0))).toBe(false);
    const wallet = compileSafeRegex('^(?:--?[a-z-]{1,20}=)?[48][1-9A-HJ-NP-Za-km-z]{94}$', 'i');
    if (typeof wallet === 'string') throw new Error(wallet);
    expect(wallet.minLength).toBe(95);
    expect([...'-48'].every((c) => wallet.canStartWith(c.charCodeAt(0)))).toBe(true);
    expect(wallet.canStartWith('5'.charCodeAt(0))).toBe(false);
    const open = compileSafeRegex('x|^y', 'i');
    if (typeof open === 'string') throw new Error(open);
    expect(open.canStartWith('q'.charCodeAt(0))).toBe(true);
  });
});

describe('glob set prefilter', () => {
  const sets = [
    ['*/.aws/credentials', '*/.ssh/id_*', '*/.netrc'],
    ['/etc/shadow', '/etc/gshadow-', '/etc/security/opasswd'],
    ['auditd*', 'falco*', 'td-agent*'],
    ['*.pub'],
    ['stop', 'disable', 'off'],
    ['/var/log/*', '*/.bash_history'],
    ['?x?', '[ab]*'],
  ];
  const text = fc.oneof(
    fc.constantFrom('/root/.aws/credentials', '/ROOT/.SSH/ID_RSA', 'auditd.service', 'STOP', 'x.pub', 'İx', 'axb'),
    fc.stringMatching(/^[-a-zA-Z0-9 ./*?_\u0130\u212a]{0,30}$/),
  );

  it('gives the same answers as testing each glob', () => {
    for (const patterns of sets) {
      for (const caseInsensitive of [true, false]) {
        const set = compileGlobSet(patterns, { caseInsensitive });
        const each = patterns.map((p) => compileGlob(p, { caseInsensitive }));
        fc.assert(
          fc.property(text, (t) => set.test(t) === each.some((g) => g.test(t))),
          { numRuns: 500 },
        );
      }
    }
  });

  it('picks a character every match contains, when there is one', () => {
    expect(compileGlobSet(['*/.aws/credentials', '*/.ssh/id_*'], { caseInsensitive: true }).needle).toBe('/');
    expect(compileGlobSet(['auditd*', 'falco*'], { caseInsensitive: true }).needle).toBeNull();
  });
});
