/** Syntax tree of one shell command line, as produced by `parseShell`. */

export type WordPart =
  /** Literal text after quote and escape removal. `quoted` parts take no part in globbing or brace expansion. */
  | { kind: 'lit'; value: string; quoted: boolean }
  /** `$x`, `${x}`, `${x:-w}`, `${x:0:1}`, `${#x}`, ... ; `op` is the operator text after the name. */
  | { kind: 'param'; name: string; op: string; arg: string; quoted: boolean }
  /** `$(…)`, `` `…` `` */
  | { kind: 'cmdsub'; body: Script; quoted: boolean }
  /** `$((…))` */
  | { kind: 'arith'; expr: string; quoted: boolean }
  /** `<(…)`, `>(…)` */
  | { kind: 'procsub'; direction: '<' | '>'; body: Script };

export interface Word {
  parts: WordPart[];
  /** The source text of the word, as typed. */
  raw: string;
  /**
   * Set by the parser on a word that is one unquoted literal without glob or brace characters (`*?[{`): it expands
   * to itself. Unset says nothing (expansion finds out).
   */
  plain?: true;
}

export interface Redirect {
  op: string;
  fd: number | null;
  target: Word;
  /** Body of a here-document (`<<EOF`), when the line carries it. */
  heredoc?: string;
}

export interface Assignment {
  name: string;
  value: Word;
  append: boolean;
}

export interface SimpleCommand {
  type: 'simple';
  assigns: Assignment[];
  words: Word[];
  redirects: Redirect[];
}

export interface GroupCommand {
  type: 'group';
  /** `(…)` runs in a subshell; `{ …; }` and compound commands (if, while, for, case) do not. */
  subshell: boolean;
  body: Script;
  redirects: Redirect[];
}

export interface FunctionDefinition {
  type: 'function';
  name: string;
  /** Source text of the body, kept so a session can replay it when the function is called later. */
  source: string;
  body: Script;
}

export type Command = SimpleCommand | GroupCommand | FunctionDefinition;

export interface Pipeline {
  commands: Command[];
  negated: boolean;
}

export interface ListItem {
  pipeline: Pipeline;
  /** The operator after the pipeline: `;`, `&`, `&&`, `||` or `` at the end. */
  op: string;
}

export interface Script {
  items: ListItem[];
}
