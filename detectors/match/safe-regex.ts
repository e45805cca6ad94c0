/**
 * Static check that a regular expression cannot backtrack catastrophically on V8's backtracking engine.
 * Rejected: backreferences; a repeated group that contains another unbounded repetition (`(a+)+`, `(\w+\s?)*`);
 * a repeated alternation whose branches can start with the same character (`(a|ab)*`); two unbounded
 * repetitions of overlapping characters next to each other (`\d+\d*`, `.*.*`). What passes runs in time linear
 * (or, with unrelated `.*` separated by literals, low-polynomial) in the input, which is also capped in length.
 */

const ASCII = 128;

/** A set of characters: the ASCII ones exactly (128 bits in four words), the rest as one flag. */
class CharSet {
  private readonly words = [0, 0, 0, 0];
  other = false;

  static of(code: number): CharSet {
    const s = new CharSet();
    s.addRange(code, code);
    return s;
  }

  static all(exceptNewline = false): CharSet {
    const s = new CharSet();
    s.words.fill(-1);
    if (exceptNewline) s.words[0]! &= ~(1 << 10);
    s.other = true;
    return s;
  }

  has(code: number): boolean {
    return code < ASCII ? (this.words[code >>> 5]! & (1 << (code & 31))) !== 0 : this.other;
  }

  /** The one ASCII character in the set, or null. */
  single(): number | null {
    if (this.other) return null;
    let found: number | null = null;
    for (let c = 0; c < ASCII; c++) {
      if (!this.has(c)) continue;
      if (found !== null) return null;
      found = c;
    }
    return found;
  }

  addRange(from: number, to: number): void {
    for (let c = from; c <= Math.min(to, ASCII - 1); c++) this.words[c >>> 5]! |= 1 << (c & 31);
    if (to >= ASCII) this.other = true;
  }

  addSet(o: CharSet): void {
    for (let i = 0; i < 4; i++) this.words[i]! |= o.words[i]!;
    if (o.other) this.other = true;
  }

  negate(): CharSet {
    const s = new CharSet();
    for (let i = 0; i < 4; i++) s.words[i] = ~this.words[i]!;
    s.other = true;
    return s;
  }

  overlaps(o: CharSet): boolean {
    if (this.other && o.other) return true;
    for (let i = 0; i < 4; i++) if ((this.words[i]! & o.words[i]!) !== 0) return true;
    return false;
  }
}

type Node =
  | { t: 'alt'; alts: Node[] }
  | { t: 'seq'; items: Node[] }
  | { t: 'rep'; min: number; max: number; body: Node }
  | { t: 'set'; chars: CharSet }
  | { t: 'assert'; start: boolean }
  | { t: 'backref' };

class RegexSyntax extends Error {}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };

function classEscape(c: string): CharSet | null {
  const s = new CharSet();
  switch (c.toLowerCase()) {
    case 'd':
      s.addRange(48, 57);
      break;
    case 'w':
      s.addRange(48, 57);
      s.addRange(65, 90);
      s.addRange(97, 122);
      s.addRange(95, 95);
      break;
    case 's':
      for (const code of [9, 10, 11, 12, 13, 32]) s.addRange(code, code);
      s.other = true;
      break;
    default:
      return null;
  }
  return c === c.toUpperCase() ? s.negate() : s;
}

class Parser {
  i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw new RegexSyntax(`unexpected ${this.src[this.i]}`);
    return node;
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      items.push(this.quantifier(atom));
    }
    return { t: 'seq', items };
  }

  private quantifier(atom: Node): Node {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.src[this.i] === '?') this.i++;
    return { t: 'rep', min, max, body: atom };
  }

  private atom(): Node {
    const c = this.src[this.i++]!;
    if (c === '(') {
      let lookaround = false;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (/^\?<?[=!]/.test(this.src.slice(this.i, this.i + 3))) {
        lookaround = true;
        this.i += this.src[this.i + 1] === '<' ? 3 : 2;
      } else if (this.src.startsWith('?<', this.i)) this.i = this.src.indexOf('>', this.i) + 1;
      const body = this.alternation();
      if (this.src[this.i] !== ')') throw new RegexSyntax('unbalanced parenthesis');
      this.i++;
      // a lookaround matches no text; modelled as an optional body so that its contents are still checked
      return lookaround ? { t: 'rep', min: 0, max: 1, body } : body;
    }
    if (c === '[') return { t: 'set', chars: this.charClass() };
    if (c === '.') return { t: 'set', chars: CharSet.all(true) };
    if (c === '^' || c === '$') return { t: 'assert', start: c === '^' };
    if (c === '\\') return this.escape();
    const s = new CharSet();
    const code = c.charCodeAt(0);
    s.addRange(code, code);
    return { t: 'set', chars: s };
  }

  private escape(): Node {
    const c = this.src[this.i++] ?? '';
    if (c === 'b' || c === 'B') return { t: 'assert', start: false };
    if (/[1-9]/.test(c) || (c === 'k' && this.src[this.i] === '<')) return { t: 'backref' };
    return { t: 'set', chars: this.escapedChars(c) };
  }

  /** The characters an escape `\c…` (just past the backslash) matches; a superset where it is not modelled. */
  private escapedChars(c: string): CharSet {
    const cls = classEscape(c);
    if (cls) return cls;
    const rest = this.src.slice(this.i, this.i + 4);
    const hex = c === 'x' ? /^[0-9a-fA-F]{2}/.exec(rest) : c === 'u' ? /^[0-9a-fA-F]{4}/.exec(rest) : null;
    const braceEnd = (c === 'u' || c === 'p' || c === 'P') && rest[0] === '{' ? this.src.indexOf('}', this.i) : -1;
    let code = c.charCodeAt(0); // an identity escape such as \. or \/
    if (c in SIMPLE_ESCAPES) code = SIMPLE_ESCAPES[c]!;
    else if (c >= '0' && c <= '7') {
      // \0, and legacy octal escapes such as \012 (one character)
      const digits = c + /^[0-7]{0,2}/.exec(rest)![0];
      const length = Number.parseInt(digits, 8) > 0o377 ? digits.length - 1 : digits.length;
      this.i += length - 1;
      code = Number.parseInt(digits.slice(0, length), 8);
    } else if (hex) {
      this.i += hex[0].length;
      code = Number.parseInt(hex[0], 16);
    } else if (braceEnd > 0) {
      this.i = braceEnd + 1; // \u{…} and \p{…} (unicode mode): not modelled
      return CharSet.all();
    } else if (c === 'c') {
      if (/^[A-Za-z]/.test(rest)) this.i++;
      return CharSet.all();
    }
    return CharSet.of(code);
  }

  /** One member of a character class: a single character as its code, anything else as a set. */
  private classAtom(): CharSet | number {
    const c = this.src[this.i++]!;
    if (c !== '\\') return c.charCodeAt(0);
    const e = this.src[this.i++] ?? '';
    const set = e === 'b' ? CharSet.of(8) : this.escapedChars(e); // [\b] is a backspace
    return set.single() ?? set;
  }

  private charClass(): CharSet {
    let negate = false;
    if (this.src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const s = new CharSet();
    // as in JavaScript, `[]` matches nothing and `[^]` any character
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const from = this.classAtom();
      if (
        typeof from === 'number' &&
        this.src[this.i] === '-' &&
        this.src[this.i + 1] !== ']' &&
        this.i + 1 < this.src.length
      ) {
        this.i++;
        const to = this.classAtom();
        s.addRange(from, typeof to === 'number' ? to : 0x10ffff); // an end that is not one character: a superset
      } else if (typeof from === 'number') s.addRange(from, from);
      else s.addSet(from);
    }
    if (this.src[this.i] !== ']') throw new RegexSyntax('unterminated character class');
    this.i++;
    return negate ? s.negate() : s;
  }
}

function nullable(n: Node): boolean {
  switch (n.t) {
    case 'alt':
      return n.alts.some(nullable);
    case 'seq':
      return n.items.every(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.body);
    case 'set':
      return false;
    default:
      return true;
  }
}

function firstChars(n: Node): CharSet {
  const s = new CharSet();
  switch (n.t) {
    case 'alt':
      for (const a of n.alts) s.addSet(firstChars(a));
      break;
    case 'seq':
      for (const item of n.items) {
        s.addSet(firstChars(item));
        if (!nullable(item)) break;
      }
      break;
    case 'rep':
      s.addSet(firstChars(n.body));
      break;
    case 'set':
      s.addSet(n.chars);
      break;
    default:
      break;
  }
  return s;
}

/** Repetitions of variable width (`a+`, `a?`, `a{1,3}`) inside a node: the source of ambiguity when repeated. */
function variableRepetitions(n: Node, out: Extract<Node, { t: 'rep' }>[] = []): Extract<Node, { t: 'rep' }>[] {
  if (n.t === 'alt') for (const a of n.alts) variableRepetitions(a, out);
  else if (n.t === 'seq') for (const item of n.items) variableRepetitions(item, out);
  else if (n.t === 'rep') {
    if (n.min !== n.max) out.push(n);
    variableRepetitions(n.body, out);
  }
  return out;
}

function isUnboundedSet(n: Node): CharSet | null {
  return n.t === 'rep' && n.max > 16 && n.body.t === 'set' ? n.body.chars : null;
}

function findProblem(n: Node): string | null {
  switch (n.t) {
    case 'backref':
      return 'backreferences are not allowed';
    case 'alt':
      for (const a of n.alts) {
        const p = findProblem(a);
        if (p) return p;
      }
      return null;
    case 'seq': {
      for (const item of n.items) {
        const p = findProblem(item);
        if (p) return p;
      }
      for (let i = 0; i < n.items.length; i++) {
        const a = isUnboundedSet(n.items[i]!);
        if (!a) continue;
        for (let j = i + 1; j < n.items.length; j++) {
          const b = isUnboundedSet(n.items[j]!);
          if (b && a.overlaps(b)) return 'adjacent repetitions of overlapping characters can backtrack polynomially';
          if (!nullable(n.items[j]!)) break;
        }
      }
      return null;
    }
    case 'rep': {
      const p = findProblem(n.body);
      if (p) return p;
      if (n.max > 16 || n.max === Infinity) {
        const inner = variableRepetitions(n.body);
        if (inner.some((r) => r.max > 1)) return 'nested quantifiers can backtrack catastrophically';
        for (let i = 0; i < inner.length; i++) {
          for (let j = i + 1; j < inner.length; j++) {
            if (firstChars(inner[i]!).overlaps(firstChars(inner[j]!)))
              return 'repeated optional parts that match the same characters can backtrack catastrophically';
          }
        }
        if (n.body.t === 'alt') {
          const sets = n.body.alts.map(firstChars);
          for (let i = 0; i < sets.length; i++) {
            for (let j = i + 1; j < sets.length; j++) {
              if (sets[i]!.overlaps(sets[j]!))
                return 'a repeated alternation with overlapping branches can backtrack catastrophically';
            }
          }
        }
      }
      return null;
    }
    default:
      return null;
  }
}

/** The parsed pattern when it is valid and safe; otherwise the reason it is rejected. */
function checked(pattern: string, flags: string): Node | string {
  if (pattern.length > 2000) return 'pattern longer than 2000 characters';
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  let tree: Node;
  try {
    tree = new Parser(pattern).parse();
  } catch (err) {
    return `cannot analyse regular expression: ${(err as Error).message}`;
  }
  return findProblem(tree) ?? tree;
}

/** Null when the pattern is valid and safe; otherwise the reason it is rejected. */
export function regexProblem(pattern: string, flags = ''): string | null {
  const result = checked(pattern, flags);
  return typeof result === 'string' ? result : null;
}

/** Length of the shortest text the node matches, in UTF-16 units (a character class is at least one). */
function minLength(n: Node): number {
  switch (n.t) {
    case 'alt':
      return Math.min(...n.alts.map(minLength));
    case 'seq':
      return n.items.reduce((sum, item) => sum + minLength(item), 0);
    case 'rep':
      return n.min === 0 ? 0 : n.min * minLength(n.body);
    case 'set':
      return 1;
    default:
      return 0;
  }
}

/**
 * The characters a match can start with when every branch of the pattern is anchored with `^` at the start of the
 * text, or null when nothing is known (unanchored, `m` or `s` flags, or a match that can be empty).
 */
function anchoredFirst(n: Node, flags: string): CharSet | null {
  if (/[ms]/.test(flags)) return null;
  if (n.t === 'alt') {
    const out = new CharSet();
    for (const branch of n.alts) {
      const first = anchoredFirst(branch, flags);
      if (!first) return null;
      out.addSet(first);
    }
    return out;
  }
  if (n.t !== 'seq' || n.items[0]?.t !== 'assert' || !n.items[0].start) return null;
  const rest: Node = { t: 'seq', items: n.items.slice(1) };
  if (nullable(rest)) return null;
  const first = firstChars(rest);
  if (!flags.includes('i')) return first;
  // case-insensitive: both cases of ASCII letters; outside ASCII, Unicode case folding is not modelled
  if (first.other) return null;
  const folded = new CharSet();
  folded.addSet(first);
  for (let c = 65; c <= 90; c++) {
    if (first.has(c) || first.has(c + 32)) {
      folded.addRange(c, c);
      folded.addRange(c + 32, c + 32);
      folded.other = true; // a non-ASCII letter may fold to an ASCII one (K, the Kelvin sign, to k)
    }
  }
  return folded;
}

/** Longest input a rule regex is run on: bounds the cost of the polynomial cases the check lets through. */
export const MAX_REGEX_INPUT = 4096;

export interface SafeRegex {
  source: string;
  /** Length of the shortest text it can match. */
  minLength: number;
  /** Whether a match can start with this character (code unit); always true unless the pattern starts with `^`. */
  canStartWith(code: number): boolean;
  test(text: string): boolean;
}

/**
 * The regex, tested only on texts that could match: long enough for its shortest match and, when it is anchored at
 * the start, beginning with a character a match can begin with. Rules run regexes on every argument of a command,
 * and most arguments fail these two checks.
 */
export function compileSafeRegex(pattern: string, flags = ''): SafeRegex | string {
  const tree = checked(pattern, flags);
  if (typeof tree === 'string') return tree;
  const re = new RegExp(pattern, flags.replace(/[gy]/g, ''));
  const shortest = minLength(tree);
  const first = anchoredFirst(tree, flags);
  const canStartWith = first ? (code: number) => first.has(code) : () => true;
  return {
    source: pattern,
    minLength: shortest,
    canStartWith,
    test: (text) => {
      if (Math.min(text.length, MAX_REGEX_INPUT) < shortest) return false;
      if (text.length > 0 && !canStartWith(text.charCodeAt(0))) return false;
      return re.test(text.length > MAX_REGEX_INPUT ? text.slice(0, MAX_REGEX_INPUT) : text);
    },
  };
}
