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

/**
 * A pattern whose only wildcard is `*` (most rule globs, such as `*.pub`) is matched with string searches:
 * the literal pieces in order, the first at the start and the last at the end. ASCII only, so that lowercasing the
 * pattern as a whole is the same as lowercasing it character by character.
 */
function starPieces(pattern: string): string[] | null {
  if (/[?[\\]/.test(pattern) || !/^[\x00-\x7f]*$/.test(pattern)) return null;
  return pattern.split('*');
}

function matchPieces(pieces: readonly string[], text: string): boolean {
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

export function compileGlob(pattern: string, options: GlobOptions = {}): CompiledGlob {
  const ci = options.caseInsensitive ?? false;
  if (!hasWildcard(pattern)) {
    const literal = ci ? pattern.toLowerCase() : pattern;
    return { pattern, literal, test: (text) => (ci ? text.toLowerCase() : text) === literal };
  }
  const pieces = starPieces(ci ? pattern.toLowerCase() : pattern);
  if (pieces) return { pattern, literal: null, test: (text) => matchPieces(pieces, ci ? text.toLowerCase() : text) };
  const tokens = tokenize(pattern, ci);
  return { pattern, literal: null, test: (text) => matchTokens(tokens, ci ? text.toLowerCase() : text) };
}

/**
 * Several patterns tested together against one text, lowercased once (case-insensitive sets): literals by one set
 * lookup, the rest in order.
 */
export interface GlobSet {
  readonly patterns: readonly CompiledGlob[];
  /** A character every matching text contains whatever its case (a slash for patterns such as `~/.ssh/id_*`), if any. */
  readonly needle: string | null;
  /** `lowercase`, when given, is `text.toLowerCase()` already computed by the caller. */
  test(text: string, lowercase?: string): boolean;
}

export function compileGlobSet(patterns: readonly string[], options: GlobOptions = {}): GlobSet {
  const ci = options.caseInsensitive ?? false;
  const compiled = patterns.map((p) => compileGlob(p, options));
  // the same globs, given text already lowercased (when case-insensitive)
  const exact = compiled.map((g) => (ci ? compileGlob(g.pattern.toLowerCase()) : g));
  const literals = new Set(exact.filter((g) => g.literal !== null).map((g) => g.literal!));
  const wild = exact.filter((g) => g.literal === null);
  if (!exact.every((g, i) => sameGlob(g.pattern, compiled[i]!.pattern, ci)))
    return { patterns: compiled, needle: null, test: (text) => compiled.some((g) => g.test(text)) };
  const { needle, shortest } = prefilter(
    exact.map((g) => g.pattern),
    ci,
  );
  return {
    patterns: compiled,
    needle,
    test: (text, lowercase) => {
      // rules test globs such as `*/.ssh/id_*` on every argument of a command: cheap checks on the text as given
      // rule out most before it is lowercased (only U+0130 İ gets longer when lowercased)
      if (needle !== null && !text.includes(needle)) return false;
      if (text.length < shortest && !text.includes('\u0130')) return false;
      const t = ci ? (lowercase ?? text.toLowerCase()) : text;
      if (literals.size > 0 && literals.has(t)) return true;
      for (const g of wild) if (g.test(t)) return true;
      return false;
    },
  };
}

/**
 * What every text that one of the patterns matches has: a length of at least `shortest`, and the character
 * `needle` (one that lowercasing neither adds nor removes, the least common in text by a rough guess), if any.
 */
function prefilter(patterns: readonly string[], ci: boolean): { needle: string | null; shortest: number } {
  let shortest = Infinity;
  const charSets: Set<string>[] = [];
  for (const pattern of patterns) {
    const tokens = tokenize(pattern, false);
    shortest = Math.min(shortest, tokens.filter((t) => t.kind !== 'star').length);
    charSets.push(new Set(tokens.flatMap((t) => (t.kind === 'char' ? [t.c] : []))));
  }
  const common = [...(charSets[0] ?? [])].filter((c) => charSets.every((set) => set.has(c)));
  const rarity = (c: string) =>
    /[a-z]/i.test(c) ? 0 : /[0-9]/.test(c) ? 1 : c === '.' || c === '-' || c === '_' ? 2 : 3;
  const candidates = common.filter((c) => c < '\x80' && !(ci && rarity(c) === 0));
  const needle = candidates.sort((a, b) => rarity(b) - rarity(a))[0] ?? null;
  return { needle, shortest: patterns.length === 0 ? 0 : shortest };
}

/**
 * Lowercasing a pattern first gives the same matcher as matching case-insensitively only when lowercasing keeps each
 * character one unit long and leaves the escapes and classes alone: true for ASCII patterns.
 */
function sameGlob(lowered: string, original: string, ci: boolean): boolean {
  return !ci || (lowered.length === original.length && /^[\x00-\x7f]*$/.test(original));
}

export function globMatch(pattern: string, text: string, options: GlobOptions = {}): boolean {
  return compileGlob(pattern, options).test(text);
}
