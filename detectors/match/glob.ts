/**
 * Wildcard matching in O(pattern × text) time, without regular expressions: `*` any run of characters, `?` one
 * character, `[abc]`, `[a-z]`, `[!x]` / `[^x]` classes, `\` escapes the next character. Used for rule globs, Sigma
 * wildcards and shell patterns (`${x#pat}`), so no rule or typed pattern can cause catastrophic backtracking.
 */

type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; c: string }
  | { kind: 'class'; test: (c: string) => boolean };

export interface GlobOptions {
  caseInsensitive?: boolean;
}

export interface CompiledGlob {
  readonly pattern: string;
  /** The pattern has no wildcard: plain comparison. */
  readonly literal: string | null;
  test(text: string): boolean;
}

function tokenize(pattern: string, ci: boolean): Token[] {
  const tokens: Token[] = [];
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      tokens.push({ kind: 'char', c: norm(pattern[++i]!) });
    } else if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        tokens.push({ kind: 'char', c: '[' });
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let j = 0; j < body.length; j++) {
        const a = norm(body[j]!);
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([a, norm(body[j + 2]!)]);
          j += 2;
        } else ranges.push([a, a]);
      }
      tokens.push({
        kind: 'class',
        test: (ch) => ranges.some(([lo, hi]) => ch >= lo && ch <= hi) !== negate,
      });
      i = close;
    } else tokens.push({ kind: 'char', c: norm(c) });
  }
  return tokens;
}

function matchTokens(tokens: Token[], text: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const tok = tokens[p];
    if (tok && tok.kind !== 'star' && stepMatches(tok, text[t]!)) {
      p++;
      t++;
    } else if (tok?.kind === 'star') {
      starP = p++;
      starT = t;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

function stepMatches(tok: Token, ch: string): boolean {
  if (tok.kind === 'any') return true;
  if (tok.kind === 'char') return tok.c === ch;
  if (tok.kind === 'class') return tok.test(ch);
  return false;
}

export function hasWildcard(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

export function compileGlob(pattern: string, options: GlobOptions = {}): CompiledGlob {
  const ci = options.caseInsensitive ?? false;
  if (!hasWildcard(pattern)) {
    const literal = ci ? pattern.toLowerCase() : pattern;
    return { pattern, literal, test: (text) => (ci ? text.toLowerCase() : text) === literal };
  }
  const tokens = tokenize(pattern, ci);
  return { pattern, literal: null, test: (text) => matchTokens(tokens, ci ? text.toLowerCase() : text) };
}

export function globMatch(pattern: string, text: string, options: GlobOptions = {}): boolean {
  return compileGlob(pattern, options).test(text);
}
