/**
 * Whether the shell needs more input after these lines: an escaped newline, an open quote, a here-document
 * waiting for its delimiter, an unfinished compound command, or a trailing pipe or `&&`/`||`.
 * A small lexer, not a parser: it only has to agree with the shell on when the secondary prompt appears.
 */
export type Openness = 'complete' | 'escaped-newline' | 'open';

/** Reserved words that open a compound command, and those that close one (only in command position). */
const OPENERS = new Set(['if', 'case', 'for', 'while', 'until', 'select', '{']);
const CLOSERS = new Set(['fi', 'esac', 'done', '}']);
/** After these reserved words a new command starts. */
const COMMAND_STARTERS = new Set(['then', 'do', 'else', 'elif', '!', 'time']);
/** Longer words are never reserved: only this much of a word is kept. */
const LONGEST_RESERVED = 6;
const HEREDOC = /<<(-?)\s*(['"]?)([A-Za-z0-9_.-]{1,64})\2/y;
/** Characters that can open or continue something: quotes, escapes, here-documents, pipes, lists, groups. */
const MAY_CONTINUE = /[\\'"`<|&(){};]/;
/** A reserved word that opens a compound command, anywhere as a whole word (`\s` is the lexer's blank). */
const OPENER_WORD = /(?:^|\s)(?:if|case|for|while|until|select)(?=\s|$)/;

/** What the lexer carries from one line to the next. */
interface LineState {
  heredocs: { delimiter: string; stripTabs: boolean }[];
  quote: "'" | '"' | '`' | null;
  depth: number;
  parens: number;
  last: string;
}

const initialState = (): LineState => ({ heredocs: [], quote: null, depth: 0, parens: 0, last: '' });
const copyState = (s: LineState): LineState => ({ ...s, heredocs: [...s.heredocs] });

/** `\s` of a regular expression, without a regular expression per character. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x80 &&
      (c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff))
  );
}

/** ASCII characters that never change the lexer's state inside a word (a run of them is taken at once). */
const ORDINARY = new Uint8Array(128).map((_, c) =>
  isSpace(c) || '\\\'"`#<;&|()'.includes(String.fromCharCode(c)) ? 0 : 1,
);
const isOrdinary = (c: number) => (c < 128 ? ORDINARY[c] === 1 : !isSpace(c));

/** Lexes one line at a time, updating the state it is given. */
class LineLexer {
  private s: LineState = initialState();
  /** The current word's length, and its text while it is short enough to be a reserved word. */
  private word = '';
  private wordLength = 0;
  private wordQuoted = false;
  private commandPosition = true;

  /** True when `final` and the line ends in an escaping backslash: the shell waits for the line continuing it. */
  lex(line: string, s: LineState, final: boolean): boolean {
    this.s = s;
    this.word = '';
    this.wordLength = 0;
    this.wordQuoted = false;
    this.commandPosition = !s.quote;
    const n = line.length;
    for (let i = 0; i < n; i++) {
      const code = line.charCodeAt(i);
      if (s.quote === "'") {
        const close = line.indexOf("'", i);
        if (close < 0) break;
        i = close;
        s.quote = null;
        continue;
      }
      if (code === 0x5c) {
        if (i === n - 1 && final) return true;
        i++;
        this.addToWord('x');
        continue;
      }
      if (s.quote) {
        if (line[i] === s.quote) s.quote = null;
        continue;
      }
      if (code === 0x27 || code === 0x22 || code === 0x60) {
        s.quote = line[i] as "'" | '"' | '`';
        this.wordQuoted = true;
        this.addToWord('x');
        continue;
      }
      if (code === 0x23 && this.wordLength === 0 && (i === 0 || isSpace(line.charCodeAt(i - 1)))) break;
      if (code === 0x3c && line.charCodeAt(i + 1) === 0x3c && line[i + 2] !== '<') {
        HEREDOC.lastIndex = i;
        const m = HEREDOC.exec(line);
        if (m) {
          s.heredocs.push({ delimiter: m[3]!, stripTabs: m[1] === '-' });
          i += m[0].length - 1;
          s.last = 'x';
          continue;
        }
      }
      if (code === 0x3b || code === 0x26 || code === 0x7c || code === 0x28 || code === 0x29) {
        this.endWord();
        this.commandPosition = true;
        if (code === 0x28) s.parens++;
        else if (code === 0x29) s.parens = Math.max(0, s.parens - 1);
        const previous = line.charCodeAt(i - 1);
        s.last = code === 0x26 && previous === 0x26 ? '&&' : code === 0x7c && previous === 0x7c ? '||' : line[i]!;
        continue;
      }
      if (isSpace(code)) {
        this.endWord();
        continue;
      }
      // a word character, and the run of ordinary ones after it
      let end = i + 1;
      while (end < n && isOrdinary(line.charCodeAt(end))) end++;
      this.wordLength += end - i;
      if (this.wordLength <= LONGEST_RESERVED) this.word += line.slice(i, end);
      s.last = line[end - 1]!;
      i = end - 1;
    }
    this.endWord();
    return false;
  }

  private addToWord(c: string): void {
    if (++this.wordLength <= LONGEST_RESERVED) this.word += c;
  }

  private endWord(): void {
    if (this.wordLength === 0) return;
    if (!this.wordQuoted && this.commandPosition) {
      const reserved = this.wordLength <= LONGEST_RESERVED ? this.word : '';
      if (OPENERS.has(reserved)) this.s.depth++;
      else if (CLOSERS.has(reserved)) this.s.depth = Math.max(0, this.s.depth - 1);
      this.commandPosition = OPENERS.has(reserved) || CLOSERS.has(reserved) || COMMAND_STARTERS.has(reserved);
      // `for x in ...` / `case x in`: the words up to the list are not commands
      if (reserved === 'for' || reserved === 'case' || reserved === 'select') this.commandPosition = false;
    } else {
      this.commandPosition = false;
    }
    this.word = '';
    this.wordLength = 0;
    this.wordQuoted = false;
  }
}

/**
 * One lexer for every line (it starts each line afresh; lexing never reenters): a lexer made per line would be
 * garbage between sessions, and a full GC then would discard the optimized code built for it.
 */
const lexer = new LineLexer();

/** Lexes one line from state `s` (updated in place); true when it ends in an escaped newline and is `final`. */
function lexLine(line: string, s: LineState, final: boolean): boolean {
  if (s.heredocs.length > 0 && !s.quote) {
    const h = s.heredocs[0]!;
    if ((h.stripTabs ? line.replace(/^\t+/, '') : line) === h.delimiter) s.heredocs.shift();
    return false;
  }
  if (!s.quote && s.depth === 0 && s.parens === 0 && !MAY_CONTINUE.test(line) && !OPENER_WORD.test(line)) {
    // nothing here can leave the line open: skip lexing it (a long pasted line costs one native scan)
    const last = line.trimEnd().at(-1);
    if (last !== undefined) s.last = last;
    return false;
  }
  return lexer.lex(line, s, final);
}

function verdict(s: LineState): Openness {
  if (s.quote || s.heredocs.length > 0 || s.depth > 0 || s.parens > 0) return 'open';
  if (s.last === '|' || s.last === '&&' || s.last === '||') return 'open';
  return 'complete';
}

/**
 * The lexer over a growing text: lines before the last are lexed once; the last line (which a join can still
 * change) is lexed when asked. Gives what `openness` gives for the same lines, without rescanning them.
 */
export class ContinuationScanner {
  private readonly settled = initialState();
  private lastLine: string | null = null;

  constructor(text?: string) {
    if (text !== undefined) this.append(text);
  }

  /** Adds lines: `text` continues the last line up to its first newline. */
  append(text: string): void {
    const lines = text.split('\n');
    if (this.lastLine === null) this.lastLine = lines.shift()!;
    else this.lastLine += lines.shift()!;
    for (const line of lines) this.pushLine(line);
  }

  /** Adds one line (it may contain no newline). */
  pushLine(line: string): void {
    if (this.lastLine !== null) lexLine(this.lastLine, this.settled, false);
    this.lastLine = line;
  }

  /** Removes the last character (the backslash of an escaped newline). */
  dropLastCharacter(): void {
    if (this.lastLine) this.lastLine = this.lastLine.slice(0, -1);
  }

  openness(): Openness {
    if (this.lastLine === null) return verdict(this.settled);
    const s = copyState(this.settled);
    return lexLine(this.lastLine, s, true) ? 'escaped-newline' : verdict(s);
  }
}

export function openness(lines: string[]): Openness {
  const s = initialState();
  for (let li = 0; li < lines.length; li++) {
    if (lexLine(lines[li]!, s, li === lines.length - 1)) return 'escaped-newline';
  }
  return verdict(s);
}

/** Joins a continuation line to the command as the shell reads it: an escaped newline disappears. */
export function joinContinuation(command: string, next: string): string {
  return openness(command.split('\n')) === 'escaped-newline' ? command.slice(0, -1) + next : `${command}\n${next}`;
}
