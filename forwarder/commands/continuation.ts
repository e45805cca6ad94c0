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

export function openness(lines: string[]): Openness {
  const heredocs: { delimiter: string; stripTabs: boolean }[] = [];
  let quote: "'" | '"' | '`' | null = null;
  let depth = 0;
  let parens = 0;
  let last = '';
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    if (heredocs.length > 0 && !quote) {
      const h = heredocs[0]!;
      if ((h.stripTabs ? line.replace(/^\t+/, '') : line) === h.delimiter) heredocs.shift();
      continue;
    }
    let word = '';
    let wordQuoted = false;
    let commandPosition = !quote;
    const endWord = () => {
      if (word && !wordQuoted && commandPosition) {
        if (OPENERS.has(word)) depth++;
        else if (CLOSERS.has(word)) depth = Math.max(0, depth - 1);
        commandPosition = OPENERS.has(word) || CLOSERS.has(word) || COMMAND_STARTERS.has(word);
        // `for x in ...` / `case x in`: the words up to the list are not commands
        if (word === 'for' || word === 'case' || word === 'select') commandPosition = false;
      } else if (word) {
        commandPosition = false;
      }
      word = '';
      wordQuoted = false;
    };
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quote === "'") {
        if (c === "'") quote = null;
        continue;
      }
      if (c === '\\') {
        if (i === line.length - 1 && li === lines.length - 1) return 'escaped-newline';
        i++;
        word += 'x';
        continue;
      }
      if (quote) {
        if (c === quote) quote = null;
        continue;
      }
      if (c === "'" || c === '"' || c === '`') {
        quote = c;
        wordQuoted = true;
        word += 'x';
        continue;
      }
      if (c === '#' && word === '' && (i === 0 || /\s/.test(line[i - 1]!))) break;
      if (c === '<' && line[i + 1] === '<' && line[i + 2] !== '<') {
        const m = /^<<(-?)\s*(['"]?)([A-Za-z0-9_.-]{1,64})\2/.exec(line.slice(i));
        if (m) {
          heredocs.push({ delimiter: m[3]!, stripTabs: m[1] === '-' });
          i += m[0].length - 1;
          last = 'x';
          continue;
        }
      }
      if (/[\s;&|()]/.test(c)) {
        endWord();
        if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') commandPosition = true;
        if (c === '(') parens++;
        else if (c === ')') parens = Math.max(0, parens - 1);
      } else {
        word += c;
      }
      if (!/\s/.test(c)) last = c === '&' && line[i - 1] === '&' ? '&&' : c === '|' && line[i - 1] === '|' ? '||' : c;
    }
    endWord();
  }
  if (quote || heredocs.length > 0 || depth > 0 || parens > 0) return 'open';
  if (last === '|' || last === '&&' || last === '||') return 'open';
  return 'complete';
}

/** Joins a continuation line to the command as the shell reads it: an escaped newline disappears. */
export function joinContinuation(command: string, next: string): string {
  return openness(command.split('\n')) === 'escaped-newline' ? command.slice(0, -1) + next : `${command}\n${next}`;
}
