/**
 * Static check that a regular expression cannot backtrack catastrophically on V8's backtracking engine.
 * Rejected: backreferences; a repeated group that contains another unbounded repetition (`(a+)+`, `(\w+\s?)*`);
 * a repeated alternation whose branches can start with the same character (`(a|ab)*`); two unbounded
 * repetitions of overlapping characters next to each other (`\d+\d*`, `.*.*`). What passes runs in time linear
 * (or, with unrelated `.*` separated by literals, low-polynomial) in the input, which is also capped in length.
 */

const ASCII = 128;

class CharSet {
  readonly bits = new Uint8Array(ASCII);
  other = false;

  static all(exceptNewline = false): CharSet {
    const s = new CharSet();
    s.bits.fill(1);
    if (exceptNewline) s.bits[10] = 0;
    s.other = true;
    return s;
  }

  addRange(from: number, to: number): void {
    for (let c = from; c <= Math.min(to, ASCII - 1); c++) this.bits[c] = 1;
    if (to >= ASCII) this.other = true;
  }

  addSet(o: CharSet): void {
    for (let i = 0; i < ASCII; i++) if (o.bits[i]) this.bits[i] = 1;
    if (o.other) this.other = true;
  }

  negate(): CharSet {
    const s = new CharSet();
    for (let i = 0; i < ASCII; i++) s.bits[i] = this.bits[i] ? 0 : 1;
    s.other = true;
    return s;
  }

  overlaps(o: CharSet): boolean {
    if (this.other && o.other) return true;
    for (let i = 0; i < ASCII; i++) if (this.bits[i] && o.bits[i]) return true;
    return false;
  }
}

type Node =
  | { t: 'alt'; alts: Node[] }
  | { t: 'seq'; items: Node[] }
  | { t: 'rep'; min: number; max: number; body: Node }
  | { t: 'set'; chars: CharSet }
  | { t: 'assert' }
  | { t: 'backref' };

class RegexSyntax extends Error {}

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
    if (c === '^' || c === '$') return { t: 'assert' };
    if (c === '\\') return this.escape();
    const s = new CharSet();
    const code = c.charCodeAt(0);
    s.addRange(code, code);
    return { t: 'set', chars: s };
  }

  private escape(): Node {
    const c = this.src[this.i++] ?? '';
    if (c === 'b' || c === 'B') return { t: 'assert' };
    if (/[1-9]/.test(c) || (c === 'k' && this.src[this.i] === '<')) return { t: 'backref' };
    return { t: 'set', chars: this.escapedChars(c) };
  }

  private escapedChars(c: string): CharSet {
    const cls = classEscape(c);
    if (cls) return cls;
    const s = new CharSet();
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, '0': 0 };
    if (c in simple) s.addRange(simple[c]!, simple[c]!);
    else if (c === 'x' || c === 'u' || c === 'p' || c === 'P' || c === 'c') {
      const m = /^(?:[0-9a-fA-F]{2}|[0-9a-fA-F]{4}|\{[^}]{1,20}\}|[A-Za-z])/.exec(this.src.slice(this.i));
      if (m) this.i += m[0].length;
      if ((c === 'x' || c === 'u') && m && /^[0-9a-fA-F]+$/.test(m[0])) {
        const code = Number.parseInt(m[0], 16);
        s.addRange(code, code);
      } else return CharSet.all();
    } else {
      const code = c.charCodeAt(0);
      s.addRange(code, code);
    }
    return s;
  }

  private charClass(): CharSet {
    let negate = false;
    if (this.src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const s = new CharSet();
    let first = true;
    while (this.i < this.src.length && (this.src[this.i] !== ']' || first)) {
      first = false;
      let from: CharSet | number;
      const c = this.src[this.i++]!;
      if (c === '\\') {
        const e = this.src[this.i++] ?? '';
        const set = this.escapedChars(e);
        const single = set.bits.indexOf(1);
        from = !set.other && set.bits.lastIndexOf(1) === single && single >= 0 ? single : set;
      } else from = c.charCodeAt(0);
      if (
        typeof from === 'number' &&
        this.src[this.i] === '-' &&
        this.src[this.i + 1] !== ']' &&
        this.i + 1 < this.src.length
      ) {
        this.i++;
        let to = this.src[this.i++]!;
        if (to === '\\') to = this.src[this.i++] ?? to;
        s.addRange(from, to.charCodeAt(0));
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

/** Null when the pattern is valid and safe; otherwise the reason it is rejected. */
export function regexProblem(pattern: string, flags = ''): string | null {
  if (pattern.length > 2000) return 'pattern longer than 2000 characters';
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  try {
    return findProblem(new Parser(pattern).parse());
  } catch (err) {
    return `cannot analyse regular expression: ${(err as Error).message}`;
  }
}

/** Longest input a rule regex is run on: bounds the cost of the polynomial cases the check lets through. */
export const MAX_REGEX_INPUT = 4096;

export interface SafeRegex {
  source: string;
  test(text: string): boolean;
}

export function compileSafeRegex(pattern: string, flags = ''): SafeRegex | string {
  const problem = regexProblem(pattern, flags);
  if (problem) return problem;
  const re = new RegExp(pattern, flags.replace(/[gy]/g, ''));
  return {
    source: pattern,
    test: (text) => re.test(text.length > MAX_REGEX_INPUT ? text.slice(0, MAX_REGEX_INPUT) : text),
  };
}
