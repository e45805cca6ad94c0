import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../detectors/match/glob.js';
import { compileSafeRegex, regexProblem } from '../../detectors/match/safe-regex.js';

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
