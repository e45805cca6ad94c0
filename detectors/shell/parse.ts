/**
 * A tolerant parser for the bash command language, written for analysis rather than execution: it never throws on
 * bad input (unterminated quotes end at the end of the line), it keeps the source text of every word, and it
 * bounds its work (nesting depth, node count) so that no input can make it hang.
 * See docs/detection.md for why we use our own parser rather than mvdan-sh or tree-sitter-bash.
 */
import type { Assignment, Command, Pipeline, Redirect, Script, SimpleCommand, Word, WordPart } from './ast.js';
import { decodeAnsiC } from './escapes.js';
import { charAtIndex, codeAt, sliceText } from './text.js';

const MAX_DEPTH = 64;
const MAX_NODES = 20_000;

class ParseLimit extends Error {}

/**
 * Character classes, as bit flags per ASCII code (anything else is a plain word character): the parser tests one
 * char code against a table instead of making a one-character string and looking it up in a Set.
 */
const WORD_END = 1; // ends an unquoted word
const WORD_SPECIAL = 2; // ends a run of plain unquoted word characters (read together: one slice, one node)
const QUOTED_SPECIAL = 4; // ends a run of plain characters inside double quotes
const REDIRECT_START = 8; // a redirection starts with a file descriptor number, `{name}`, `&`, `<` or `>`
const GLOB_OR_BRACE = 16; // makes an unquoted word subject to globbing or brace expansion
const WORD_SPECIAL_CHARS = ' \t\n|&;<>()\\\'"$`';
const GLOB_OR_BRACE_CHARS = '*?[{';
const CHAR_CLASS = new Uint8Array(128);
for (const [chars, bit] of [
  [' \t\n|&;<>()', WORD_END],
  [WORD_SPECIAL_CHARS, WORD_SPECIAL],
  ['"\\$`', QUOTED_SPECIAL],
  ['0123456789{&<>', REDIRECT_START],
  [GLOB_OR_BRACE_CHARS, GLOB_OR_BRACE],
] as const) {
  for (let i = 0; i < chars.length; i++) CHAR_CLASS[chars.charCodeAt(i)]! |= bit;
}
/** Whether the char code (NaN past the end of the text) is in the class. */
const isClass = (code: number, bit: number): boolean => code < 128 && (CHAR_CLASS[code]! & bit) !== 0;

/** `chars` as the inside of a regular-expression character class, each by its code. */
function regexClass(chars: string): string {
  return [...chars].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
}

/**
 * Blanks and the characters readPlainWord takes as a plain word (none special, none for globbing or braces, no
 * carriage return): a run of these after a command's word is read with one scan (see readPlainWords). Built from the
 * table's own character lists, so the two cannot disagree.
 */
const PLAIN_WORDS = new RegExp(
  `[^\\r${regexClass(WORD_SPECIAL_CHARS.replace(/[ \t]/g, '') + GLOB_OR_BRACE_CHARS)}]*`,
  'y',
);
const isBlank = (code: number) => code === 0x20 || code === 0x09;

const SKIPPED_RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'time', '!']);
/** The longest reserved word (`function`, `select`, …) handled by handleReservedWord. */
const LONGEST_RESERVED = 8;
/** Sticky: tried at the parser's position without slicing the text (a match is at most 405 characters). */
const ASSIGNMENT = /[A-Za-z_][A-Za-z0-9_]{0,200}(?:\[[^\]\n]{0,200}\])?\+?=/y;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,200}/;
const REDIRECT = /(\d{1,3}|\{[A-Za-z_][A-Za-z0-9_]{0,60}\})?(&>>|&>|>>|>&|>\||>|<<<|<<-|<<|<&|<>|<)/y;

const isNameStart = (code: number): boolean => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95; // a-z A-Z _

interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  stripTabs: boolean;
}

export interface ParseResult {
  script: Script;
  /** The parser stopped early (nesting or size limit); the script holds what was parsed before. */
  truncated: boolean;
}

/**
 * The parser not in use, kept for the next text. Besides saving an object per line, a live parser keeps V8's hidden
 * class of parsers alive: when the last parser died, a memory-reducing full GC threw away the optimised code of every
 * parser method with it, and the lines after ran unoptimised until V8 compiled them again (small commands cost
 * several times more after each such GC; measured with the bench's forced GCs).
 */
let idleParser: Parser | null = null;

function takeParser(text: string): Parser {
  const parser = idleParser ?? new Parser('');
  idleParser = null; // a nested call (none today) gets its own
  parser.reset(text);
  return parser;
}

function releaseParser(parser: Parser): void {
  parser.reset('');
  idleParser = parser;
}

/** Runs of plain words are read in one scan (readPlainWords); off only to show that this changes nothing (tests). */
let plainWordRuns = true;

/** parseShell reading every word on its own: the reference the one-scan word runs are tested against. */
export function parseShellWordByWord(source: string): ParseResult {
  plainWordRuns = false;
  try {
    return parseShell(source);
  } finally {
    plainWordRuns = true;
  }
}

export function parseShell(source: string): ParseResult {
  const parser = takeParser(source);
  const items: Script['items'] = [];
  try {
    parser.parseScriptInto(items, 'eof');
    return { script: { items }, truncated: false };
  } catch (err) {
    if (err instanceof ParseLimit) return { script: { items }, truncated: true };
    throw err;
  } finally {
    releaseParser(parser);
  }
}

/** Parses a word on its own (e.g. the default value of `${x:-word}`), as if it appeared in double quotes or not. */
export function parseWordText(text: string, quoted: boolean): Word {
  const parser = takeParser(text);
  try {
    const parts = quoted ? parser.readDoubleQuotedUntil(null) : parser.readWord().parts;
    return { parts, raw: text };
  } catch (err) {
    if (err instanceof ParseLimit) return { parts: [{ kind: 'lit', value: text, quoted: true }], raw: text };
    throw err;
  } finally {
    releaseParser(parser);
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  private nodes = 0;
  /** A run of plain words would have exhausted the node budget: the rest is read word by word (see readPlainWords). */
  private budgetShort = false;
  private pending: PendingHeredoc[] = [];
  /** `src.length`, read once (see text.ts for why the hot loops avoid looking things up on the string). */
  private length: number;

  constructor(private src: string) {
    this.length = src.length;
  }

  /** Starts over on another text, with fresh budgets. */
  reset(src: string): void {
    this.src = src;
    this.length = src.length;
    this.pos = 0;
    this.depth = 0;
    this.nodes = 0;
    this.budgetShort = false;
    if (this.pending.length > 0) this.pending = [];
  }

  private peek(offset = 0): string {
    return charAtIndex(this.src, this.pos + offset);
  }

  /** The char code at the position (NaN past the end): for the hot loops, which compare numbers, not strings. */
  private code(offset = 0): number {
    return codeAt(this.src, this.pos + offset);
  }

  /** True at the end of the text or before a character that ends an unquoted word. */
  private atWordEnd(offset = 0): boolean {
    return this.pos + offset >= this.length || isClass(this.code(offset), WORD_END);
  }

  private atEnd(): boolean {
    return this.pos >= this.length;
  }

  private tick(): void {
    if (++this.nodes > MAX_NODES) throw new ParseLimit();
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ParseLimit();
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.code();
      if (c === 0x20 || c === 0x09 || c === 0x0d)
        this.pos++; // space, tab, carriage return
      else if (c === 0x5c && this.code(1) === 0x0a)
        this.pos += 2; // backslash-newline
      else return;
    }
  }

  private skipComment(): void {
    while (!this.atEnd() && this.peek() !== '\n') this.pos++;
  }

  /** True when the next unquoted word is exactly `word`, followed by a delimiter. */
  private nextIsReserved(word: string): boolean {
    return this.src.startsWith(word, this.pos) && this.atWordEnd(word.length);
  }

  /** Parses list items until the terminator: `)` `}` `` ` `` or end of input. Consumes no terminator. */
  parseScriptInto(items: Script['items'], terminator: ')' | '}' | 'eof'): void {
    this.enter();
    for (;;) {
      this.tick();
      this.skipSeparators();
      if (this.atEnd()) break;
      if (terminator === ')' && this.peek() === ')') break;
      if (terminator === '}' && this.nextIsReserved('}')) break;
      if (terminator !== ')' && this.peek() === ')') {
        this.pos++; // stray `)`, e.g. a case pattern: skip it
        continue;
      }
      const start = this.pos;
      const pipeline = this.parsePipeline();
      const op = this.readListOperator();
      if (pipeline.commands.length > 0) items.push({ pipeline, op });
      if (this.pos === start) this.pos++; // always make progress on input we do not understand
    }
    this.depth--;
  }

  private skipSeparators(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === '\n') {
        this.pos++;
        this.readPendingHeredocs();
      } else if (c === ';') this.pos++;
      else if (c === '#') this.skipComment();
      else return;
    }
  }

  private readListOperator(): string {
    this.skipBlanks();
    const c = this.peek();
    const next = this.peek(1);
    if ((c === '&' || c === '|') && next === c) {
      this.pos += 2;
      return c === '&' ? '&&' : '||';
    }
    if (c === ';' && (next === ';' || next === '&')) {
      this.pos += 2;
      return ';';
    }
    if (c === ';' || c === '&') {
      this.pos++;
      return c;
    }
    if (c === '\n') {
      this.pos++;
      this.readPendingHeredocs();
      return ';';
    }
    return '';
  }

  private parsePipeline(): Pipeline {
    const commands: Command[] = [];
    let negated = false;
    this.skipBlanks();
    if (this.peek() === '!' && this.atWordEnd(1)) {
      negated = true;
      this.pos++;
    }
    for (;;) {
      this.tick();
      const command = this.parseCommand();
      if (command) commands.push(command);
      this.skipBlanks();
      if (this.peek() === '|' && this.peek(1) !== '|') {
        this.pos += this.peek(1) === '&' ? 2 : 1;
        while (this.peek() === '\n' || this.peek() === ' ' || this.peek() === '\t') this.pos++;
        continue;
      }
      return { commands, negated };
    }
  }

  private parseCommand(): Command | null {
    this.skipBlanks();
    const c = this.peek();
    if (c === '(' && this.peek(1) === '(') return this.skipArithmeticCommand();
    if (c === '(') {
      this.pos++;
      const items: Script['items'] = [];
      this.parseScriptInto(items, ')');
      if (this.peek() === ')') this.pos++;
      return { type: 'group', subshell: true, body: { items }, redirects: this.readTrailingRedirects() };
    }
    if (this.nextIsReserved('{')) {
      this.pos++;
      const items: Script['items'] = [];
      this.parseScriptInto(items, '}');
      if (this.nextIsReserved('}')) this.pos++;
      return { type: 'group', subshell: false, body: { items }, redirects: this.readTrailingRedirects() };
    }
    return this.parseSimpleCommand();
  }

  private skipArithmeticCommand(): Command | null {
    let depth = 0;
    while (!this.atEnd()) {
      const ch = this.src[this.pos++];
      if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) break;
    }
    return null;
  }

  private readTrailingRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      const r = this.tryRedirect();
      if (!r) return redirects;
      redirects.push(r);
    }
  }

  private parseSimpleCommand(): Command | null {
    const cmd: SimpleCommand = { type: 'simple', assigns: [], words: [], redirects: [] };
    for (;;) {
      this.tick();
      this.skipBlanks();
      if (this.atEnd()) break;
      const c = this.peek();
      if (c === '#' && cmd.words.length === 0 && cmd.assigns.length === 0) {
        this.skipComment();
        break;
      }
      const redirect = this.tryRedirect();
      if (redirect) {
        cmd.redirects.push(redirect);
        continue;
      }
      if (c === '|' || c === ';' || c === '\n' || c === ')' || (c === '&' && this.peek(1) !== '>')) break;
      if (c === '(' && cmd.words.length === 1 && this.peek(1) === ')') return this.parseFunctionBody(cmd.words[0]!.raw);
      if (c === '(' && cmd.words.length > 0) break;
      if (cmd.words.length === 0) {
        const assignment = this.matchAssignment();
        if (assignment) {
          cmd.assigns.push(this.readAssignment(assignment));
          continue;
        }
        const special = this.handleReservedWord(cmd);
        if (special === 'stop') break;
        if (special !== 'none') return special;
      }
      const before = this.pos;
      const word = this.readWord();
      if (this.pos === before) {
        this.pos++;
        continue;
      }
      cmd.words.push(word);
      if (plainWordRuns) this.readPlainWords(cmd.words);
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirects.length === 0) return null;
    return cmd;
  }

  /**
   * The run of plain words after a word of a command, read with one regular-expression scan instead of word by word
   * (arguments are mostly such words: a pasted command can hold thousands). Each word comes out as readPlainWord
   * makes it and costs the node budget what the general loop would charge; the last word is left to that loop when
   * something other than a blank follows it (`2>file`, `a$x`). When the run would exhaust the budget, the rest of
   * the text is read word by word, so the limit stops the parse where it always did (and no run is scanned twice).
   */
  private readPlainWords(words: Word[]): void {
    if (this.budgetShort || !isBlank(this.code())) return;
    PLAIN_WORDS.lastIndex = this.pos;
    PLAIN_WORDS.test(this.src);
    let end = PLAIN_WORDS.lastIndex;
    if (end < this.length && !isBlank(codeAt(this.src, end))) {
      end = Math.max(this.src.lastIndexOf(' ', end - 1), this.src.lastIndexOf('\t', end - 1));
    }
    if (end <= this.pos) return;
    const run = sliceText(this.src, this.pos, end);
    const texts = run.includes('\t') ? run.split(/[ \t]+/) : run.split(' ');
    let count = 0;
    for (const text of texts) if (text) count++;
    // per word: the loop's tick and readPlainWord's, and one for the delimiter unless the word ends the text
    const ticks = 3 * count - (end === this.length && !isBlank(codeAt(this.src, end - 1)) ? 1 : 0);
    if (this.nodes + ticks > MAX_NODES) {
      this.budgetShort = true;
      return;
    }
    this.nodes += ticks;
    for (const text of texts) {
      if (text) words.push({ parts: [{ kind: 'lit', value: text, quoted: false }], raw: text, plain: true });
    }
    this.pos = end;
  }

  /** `NAME=`, `NAME+=` or `NAME[index]=` at the position, or null. */
  private matchAssignment(): string | null {
    if (!isNameStart(this.code())) return null;
    ASSIGNMENT.lastIndex = this.pos;
    return ASSIGNMENT.exec(this.src)?.[0] ?? null;
  }

  /** The unquoted word at the position when it is short enough to be a reserved word (no slice otherwise). */
  private reservedCandidate(): string | null {
    let end = this.pos;
    while (end < this.length && !isClass(codeAt(this.src, end), WORD_END)) {
      if (++end - this.pos > LONGEST_RESERVED) return null;
    }
    return end === this.pos ? null : sliceText(this.src, this.pos, end);
  }

  /** Compound-command keywords are flattened: their inner commands are analysed in sequence. */
  private handleReservedWord(cmd: SimpleCommand): 'none' | 'stop' | Command | null {
    if (cmd.assigns.length > 0) return 'none';
    const word = this.reservedCandidate();
    if (word === null) return 'none';
    if (SKIPPED_RESERVED.has(word) || word === '}') {
      this.pos += word.length;
      return 'stop';
    }
    if (word === 'for' || word === 'select') {
      this.skipUntilWord(['do']);
      return 'stop';
    }
    if (word === '[[') {
      this.skipUntilWord([']]']);
      return 'stop';
    }
    if (word === 'case') return this.parseCase();
    if (word === 'function') {
      this.pos += 'function'.length;
      this.skipBlanks();
      const name = NAME.exec(this.src.slice(this.pos, this.pos + 220))?.[0];
      if (!name) return 'stop';
      this.pos += name.length;
      this.skipBlanks();
      return this.parseFunctionBody(name);
    }
    return 'none';
  }

  private skipUntilWord(words: string[]): void {
    while (!this.atEnd()) {
      this.skipBlanks();
      for (const w of words) {
        if (this.nextIsReserved(w)) {
          this.pos += w.length;
          return;
        }
      }
      const c = this.peek();
      if (c === ';' || c === '\n' || c === '|' || c === '&' || c === '<' || c === '>' || c === '(' || c === ')') {
        this.pos++;
        continue;
      }
      const before = this.pos;
      this.readWord();
      if (this.pos === before) this.pos++;
    }
  }

  /** `case WORD in pattern) commands ;; … esac`: patterns are skipped, each branch's commands are kept. */
  private parseCase(): Command | null {
    this.pos += 'case'.length;
    this.skipUntilWord(['in']);
    const items: Script['items'] = [];
    for (;;) {
      this.tick();
      this.skipSeparators();
      if (this.atEnd()) break;
      if (this.nextIsReserved('esac')) {
        this.pos += 4;
        break;
      }
      // the pattern, up to its closing parenthesis
      while (!this.atEnd() && this.peek() !== ')') {
        if (this.peek() === '\\') this.pos++;
        this.pos++;
      }
      this.pos++;
      for (;;) {
        this.tick();
        this.skipSeparators();
        if (this.atEnd() || this.nextIsReserved('esac')) break;
        const before = this.pos;
        const pipeline = this.parsePipeline();
        if (pipeline.commands.length > 0) items.push({ pipeline, op: ';' });
        this.skipBlanks();
        if (this.src.startsWith(';;', this.pos) || this.src.startsWith(';&', this.pos)) {
          this.pos += this.peek(2) === '&' ? 3 : 2;
          break;
        }
        this.readListOperator();
        if (this.pos === before) this.pos++;
      }
    }
    return { type: 'group', subshell: false, body: { items }, redirects: [] };
  }

  private parseFunctionBody(name: string): Command | null {
    if (this.peek() === '(') {
      this.pos++;
      this.skipBlanks();
      if (this.peek() === ')') this.pos++;
    }
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\n') this.pos++;
    const start = this.pos;
    const body = this.parseCommand();
    const source = this.src.slice(start, this.pos);
    const items: Script['items'] = body ? [{ pipeline: { commands: [body], negated: false }, op: '' }] : [];
    return { type: 'function', name, source, body: { items } };
  }

  private readAssignment(prefix: string): Assignment {
    const append = prefix.endsWith('+=');
    const name = NAME.exec(prefix)![0];
    this.pos += prefix.length;
    if (this.peek() === '(') {
      // array assignment: keep the text between the parentheses as the value
      const start = ++this.pos;
      let depth = 1;
      while (!this.atEnd() && depth > 0) {
        const ch = this.src[this.pos++];
        if (ch === '(') depth++;
        else if (ch === ')') depth--;
      }
      const raw = this.src.slice(start, Math.max(start, this.pos - 1));
      return { name, append, value: { parts: [{ kind: 'lit', value: raw, quoted: true }], raw } };
    }
    const value = this.atWordEnd() ? { parts: [], raw: '' } : this.readWord();
    return { name, append, value };
  }

  private tryRedirect(): Redirect | null {
    if (this.atEnd() || !isClass(this.code(), REDIRECT_START)) return null; // most words: no regular expression
    REDIRECT.lastIndex = this.pos;
    const m = REDIRECT.exec(this.src);
    if (!m) return null;
    const op = m[2]!;
    // `<(` and `>(` start a process substitution, which is a word
    if ((op === '<' || op === '>') && this.peek(m[0].length) === '(' && !m[1]) return null;
    this.pos += m[0].length;
    const fd = m[1] && /^\d+$/.test(m[1]) ? Number(m[1]) : null;
    this.skipBlanks();
    const target = this.readWord();
    const redirect: Redirect = { op, fd, target };
    if (op === '<<' || op === '<<-') {
      const delimiter = target.parts.map((p) => (p.kind === 'lit' ? p.value : '')).join('');
      this.pending.push({ redirect, delimiter, stripTabs: op === '<<-' });
    }
    return redirect;
  }

  private readPendingHeredocs(): void {
    if (this.pending.length === 0) return;
    for (const doc of this.pending) {
      const lines: string[] = [];
      while (!this.atEnd()) {
        const nl = this.src.indexOf('\n', this.pos);
        const end = nl === -1 ? this.length : nl;
        let line = this.src.slice(this.pos, end);
        this.pos = nl === -1 ? end : end + 1;
        if (doc.stripTabs) line = line.replace(/^\t+/, '');
        if (line === doc.delimiter) break;
        lines.push(line);
      }
      doc.redirect.heredoc = lines.join('\n') + (lines.length ? '\n' : '');
    }
    this.pending = [];
  }

  /** Reads one unquoted word up to a delimiter. */
  readWord(): Word {
    this.enter();
    const plain = this.readPlainWord();
    if (plain) {
      this.depth--;
      return plain;
    }
    const start = this.pos;
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ kind: 'lit', value: lit, quoted: false });
      lit = '';
    };
    while (!this.atEnd()) {
      this.tick();
      const c = this.peek();
      if ((c === '<' || c === '>') && this.peek(1) === '(') {
        flush();
        parts.push(this.readProcessSubstitution());
        continue;
      }
      if (isClass(this.code(), WORD_END)) break;
      if (c === '\\') {
        const next = this.peek(1);
        this.pos += 2;
        if (next === '\n' || next === '') continue;
        flush();
        parts.push({ kind: 'lit', value: next, quoted: true });
      } else if (c === "'") {
        flush();
        const end = this.src.indexOf("'", this.pos + 1);
        const stop = end === -1 ? this.length : end;
        parts.push({ kind: 'lit', value: this.src.slice(this.pos + 1, stop), quoted: true });
        this.pos = stop + 1;
      } else if (c === '"') {
        flush();
        this.pos++;
        parts.push(...this.readDoubleQuotedUntil('"'));
      } else if (c === '$' && this.peek(1) === "'") {
        flush();
        parts.push({ kind: 'lit', value: this.readAnsiC(), quoted: true });
      } else if (c === '$' && this.peek(1) === '"') {
        flush();
        this.pos += 2;
        parts.push(...this.readDoubleQuotedUntil('"'));
      } else if (c === '$' || c === '`') {
        const part = this.readDollarOrBacktick(false);
        if (part) {
          flush();
          parts.push(part);
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += this.readRun(WORD_SPECIAL);
      }
    }
    flush();
    this.depth--;
    return { parts, raw: this.src.slice(start, this.pos) };
  }

  /**
   * Fast path of readWord for a word of plain characters only, the most common kind: one scan and one slice, counting
   * the nodes the general loop would (the run, then the delimiter). Null, having read nothing, for any other word.
   */
  private readPlainWord(): Word | null {
    const { src, length } = this;
    const start = this.pos;
    let end = start;
    let classes = 0; // of the word's characters
    let delimiter = Number.NaN; // the character after it
    for (; end < length; end++) {
      const code = codeAt(src, end);
      const found = code < 128 ? CHAR_CLASS[code]! : 0;
      if (found & WORD_SPECIAL) {
        delimiter = code;
        break;
      }
      classes |= found;
    }
    if (end === start) return null;
    const atEnd = end === length;
    if (!atEnd) {
      const processSubstitution = (delimiter === 0x3c || delimiter === 0x3e) && codeAt(src, end + 1) === 0x28; // <( >(
      if (!isClass(delimiter, WORD_END) || processSubstitution) return null;
    }
    this.tick();
    if (!atEnd) this.tick();
    const value = sliceText(src, start, end);
    this.pos = end;
    const parts: WordPart[] = [{ kind: 'lit', value, quoted: false }];
    return classes & GLOB_OR_BRACE ? { parts, raw: value } : { parts, raw: value, plain: true };
  }

  /** Reads the inside of a double-quoted string up to `close` (or the end of input when `close` is null). */
  readDoubleQuotedUntil(close: '"' | null): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ kind: 'lit', value: lit, quoted: true });
      lit = '';
    };
    while (!this.atEnd()) {
      this.tick();
      const c = this.peek();
      if (close && c === close) {
        this.pos++;
        break;
      }
      if (c === '\\') {
        const next = this.peek(1);
        this.pos += 2;
        if (next === '\n') continue;
        if (next === '$' || next === '`' || next === '"' || next === '\\') lit += next;
        else lit += `\\${next}`;
      } else if (c === '$' || c === '`') {
        const part = this.readDollarOrBacktick(true);
        if (part) {
          flush();
          parts.push(part);
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += this.readRun(QUOTED_SPECIAL);
      }
    }
    flush();
    return parts;
  }

  /**
   * Plain characters from here up to the next one of the `special` class (at least one character). The run is one node
   * (the caller's tick()): its cost is one slice, bounded by the line length, so a long word of padding cannot use
   * up the node budget and hide the commands after it.
   */
  private readRun(special: number): string {
    const { src, length } = this;
    let end = this.pos + 1;
    while (end < length && !isClass(codeAt(src, end), special)) end++;
    const run = sliceText(src, this.pos, end);
    this.pos = end;
    return run;
  }

  private readAnsiC(): string {
    // $'…': backslash escapes are decoded; \' does not end the string
    let i = this.pos + 2;
    while (i < this.length && this.src[i] !== "'") i += this.src[i] === '\\' ? 2 : 1;
    const body = this.src.slice(this.pos + 2, Math.min(i, this.length));
    this.pos = i + 1;
    return decodeAnsiC(body);
  }

  private readDollarOrBacktick(quoted: boolean): WordPart | null {
    const c = this.peek();
    if (c === '`') {
      let i = this.pos + 1;
      let inner = '';
      while (i < this.length && this.src[i] !== '`') {
        if (this.src[i] === '\\' && '`$\\'.includes(this.src[i + 1] ?? '')) i++;
        inner += this.src[i];
        i++;
      }
      this.pos = i + 1;
      return { kind: 'cmdsub', body: this.subScript(inner), quoted };
    }
    const next = this.peek(1);
    if (next === '(' && this.peek(2) === '(') {
      const start = this.pos + 3;
      let depth = 2;
      let i = start;
      while (i < this.length && depth > 0) {
        if (this.src[i] === '(') depth++;
        else if (this.src[i] === ')') depth--;
        i++;
      }
      this.pos = i;
      return { kind: 'arith', expr: this.src.slice(start, Math.max(start, i - 2)), quoted };
    }
    if (next === '(') {
      this.pos += 2;
      const items: Script['items'] = [];
      this.parseScriptInto(items, ')');
      if (this.peek() === ')') this.pos++;
      return { kind: 'cmdsub', body: { items }, quoted };
    }
    if (next === '{') return this.readBraceParameter(quoted);
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]{0,200}|[0-9@*#?$!-])/.exec(this.src.slice(this.pos + 1, this.pos + 203));
    if (!name) return null;
    this.pos += 1 + name[0].length;
    return { kind: 'param', name: name[0], op: '', arg: '', quoted };
  }

  private readBraceParameter(quoted: boolean): WordPart {
    const start = this.pos + 2;
    let i = start;
    let depth = 1;
    while (i < this.length) {
      const ch = this.src[i];
      if (ch === '\\') i++;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) break;
      i++;
    }
    const body = this.src.slice(start, Math.min(i, this.length));
    this.pos = i + 1;
    let prefix = '';
    let rest = body;
    if ((rest.startsWith('#') || rest.startsWith('!')) && rest.length > 1) {
      prefix = rest[0]!;
      rest = rest.slice(1);
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]{0,200}|[0-9]{1,3}|[@*#?$!-])/.exec(rest)?.[0] ?? '';
    let op = rest.slice(name.length);
    if (op.startsWith('[')) op = op.slice(op.indexOf(']') + 1); // array index: treated as the variable itself
    return { kind: 'param', name, op: prefix ? prefix + op : op, arg: '', quoted };
  }

  private readProcessSubstitution(): WordPart {
    const direction = this.peek() as '<' | '>';
    this.pos += 2;
    const items: Script['items'] = [];
    this.parseScriptInto(items, ')');
    if (this.peek() === ')') this.pos++;
    return { kind: 'procsub', direction, body: { items } };
  }

  private subScript(text: string): Script {
    const inner = new Parser(text);
    inner.depth = this.depth;
    inner.nodes = this.nodes;
    const items: Script['items'] = [];
    inner.parseScriptInto(items, 'eof');
    this.nodes = inner.nodes;
    return { items };
  }
}
