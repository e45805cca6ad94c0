/** A shell prompt found at the start of a line, and what it tells about the shell. */
export interface Prompt {
  /** The prompt text exactly as shown (including its trailing space). */
  text: string;
  user: string | null;
  host: string | null;
  cwd: string | null;
  root: boolean;
}

interface Shape {
  pattern: RegExp;
  read(m: RegExpExecArray): Omit<Prompt, 'text'>;
}

const USER = '([a-z_][\\w.-]{0,31})';
const HOST = '([A-Za-z0-9][\\w.-]{0,63})';
const rootBy = (user: string | null | undefined, sign: string | undefined) => sign === '#' || user === 'root';

/**
 * Prompt shapes of common hosts, tried in order. Every pattern is anchored (sticky) and bounded, so matching a
 * line costs at most a few hundred steps whatever the line holds.
 */
const SHAPES: Shape[] = [
  {
    // [root@ip-10-0-1-23 ~]#   (Amazon Linux, RHEL)
    pattern: new RegExp(`\\[${USER}@${HOST} ([^\\]\\n]{0,255})\\]([$#]) `, 'y'),
    read: (m) => ({ user: m[1]!, host: m[2]!, cwd: m[3]!, root: rootBy(m[1], m[4]) }),
  },
  {
    // ubuntu@host:~$ , root@host:/var/log#   (Debian, Ubuntu)
    pattern: new RegExp(`${USER}@${HOST}:([~/][^$#\\n]{0,1023}?|)([$#]) `, 'y'),
    read: (m) => ({ user: m[1]!, host: m[2]!, cwd: m[3] || null, root: rootBy(m[1], m[4]) }),
  },
  {
    // alice@host ~/src %   (zsh)
    pattern: new RegExp(`${USER}@${HOST} ([~/][^%#$\\n]{0,1023}?) ?([%#$]) `, 'y'),
    read: (m) => ({ user: m[1]!, host: m[2]!, cwd: m[3]!, root: rootBy(m[1], m[4]) }),
  },
  {
    // sh-5.2$ , bash-4.2# , sh$
    pattern: /(?:ba|da|k|z)?sh(?:-\d{1,2}(?:\.\d{1,3}){0,2})?([$#]) /y,
    read: (m) => ({ user: null, host: null, cwd: null, root: m[1] === '#' }),
  },
  {
    // $ , # , %   (dash, busybox, minimal PS1)
    pattern: /([$#%]) /y,
    read: (m) => ({ user: null, host: null, cwd: null, root: m[1] === '#' }),
  },
];

/** Any prompt-like prefix ending in a usual terminator; only trusted where the shell marked a prompt. */
const GENERIC: Shape = {
  pattern: /[^\n]{0,160}?([$#%>❯»λ→➜]) /uy,
  read: (m) => ({ user: null, host: null, cwd: null, root: m[1] === '#' }),
};

const PROMPT_CHARACTER = /[$#%>\u276f\u00bb\u03bb\u2192\u279c]/;

/** The secondary prompt (PS2) bash prints for continuation lines and here-documents. */
export const CONTINUATION_PROMPT = '> ';

/**
 * Finds prompts in lines. It remembers every prompt it has found, so a custom PS1 seen once at a marked prompt is
 * recognised exactly afterwards, and learns prompts that fit no known shape from their repetition.
 */
export interface PromptFinderSnapshot {
  known: Prompt[];
  unexplained: string[];
}

export class PromptFinder {
  private readonly known = new Map<string, Prompt>();
  private readonly unexplained: string[] = [];
  /** How many known prompts lack the usual terminator characters. */
  private unusual = 0;

  /** What it has learned, as plain data (the streaming path keeps it between deliveries). */
  snapshot(): PromptFinderSnapshot {
    return { known: [...this.known.values()], unexplained: [...this.unexplained] };
  }

  static restore(s: PromptFinderSnapshot): PromptFinder {
    const finder = new PromptFinder();
    for (const p of s.known) finder.remember(p);
    finder.unexplained.push(...s.unexplained);
    return finder;
  }

  /**
   * The prompt starting at offset `at` of `text`. `marked` says the shell marked a prompt there (bracketed paste
   * switched on), which allows generic shapes; unmarked lines need a known prompt or a common host shape.
   */
  find(text: string, at: number, marked: boolean): Prompt | null {
    const knownMatch = this.findKnown(text, at);
    if (knownMatch) return knownMatch;
    const shaped = matchShape(SHAPES, text, at);
    if (!marked) return shaped;
    if (shaped) return this.remember(shaped);
    return this.learnFromRepetition(text.slice(at)) ?? matchShape([GENERIC], text, at);
  }

  /** Remembers a prompt seen on a line a shell marked, so it is recognised on unmarked lines too. */
  private remember(prompt: Prompt): Prompt {
    if (prompt.text !== CONTINUATION_PROMPT && !this.known.has(prompt.text)) {
      if (this.known.size >= 256) this.forget(this.known.keys().next().value!);
      this.known.set(prompt.text, prompt);
      if (!PROMPT_CHARACTER.test(prompt.text)) this.unusual++;
    }
    return prompt;
  }

  /**
   * A cheap test before any matching: every prompt shape (and the continuation prompt) holds a terminator
   * character; a learned prompt without one is checked by its first character.
   */
  mayStartPrompt(text: string): boolean {
    if (PROMPT_CHARACTER.test(text.length > 512 ? text.slice(0, 512) : text)) return true;
    if (this.unusual === 0) return false;
    for (const p of this.known.keys()) if (!PROMPT_CHARACTER.test(p) && text.startsWith(p)) return true;
    return false;
  }

  /** A learned prompt without any of the usual terminators is known (so plain output may hold prompts). */
  hasUnusualPrompt(): boolean {
    return this.unusual > 0;
  }

  private forget(text: string): void {
    this.known.delete(text);
    if (!PROMPT_CHARACTER.test(text)) this.unusual--;
  }

  /** A prompt seen before, exactly, at `at`. */
  isKnown(text: string, at: number): boolean {
    return this.findKnown(text, at) !== null;
  }

  findKnown(text: string, at: number): Prompt | null {
    let best: Prompt | null = null;
    for (const [p, prompt] of this.known) {
      if ((!best || p.length > best.text.length) && text.startsWith(p, at)) best = prompt;
    }
    return best;
  }

  /**
   * A marked line no shape explains: the prompt is the longest common prefix (cut after a space) of such lines.
   * Until a second such line is seen, a generic shape guesses.
   */
  private learnFromRepetition(line: string): Prompt | null {
    this.unexplained.push(line);
    if (this.unexplained.length > 8) this.unexplained.shift();
    if (this.unexplained.length < 2) return null;
    let prefix = this.unexplained[0]!;
    for (const l of this.unexplained) {
      let i = 0;
      while (i < prefix.length && i < l.length && prefix[i] === l[i]) i++;
      prefix = prefix.slice(0, i);
    }
    const cut = prefix.lastIndexOf(' ');
    if (cut < 1) return null;
    const text = prefix.slice(0, cut + 1);
    return this.remember({ text, user: null, host: null, cwd: null, root: /#\s*$/.test(text) });
  }
}

function matchShape(shapes: Shape[], text: string, at: number): Prompt | null {
  for (const shape of shapes) {
    shape.pattern.lastIndex = at;
    const m = shape.pattern.exec(text);
    if (m) return { text: m[0], ...shape.read(m) };
  }
  return null;
}

/** user@host:/path (the terminal title bash and Ubuntu's PS1 set) as prompt facts. */
export function parseTitle(title: string): Pick<Prompt, 'user' | 'host' | 'cwd'> | null {
  const m = /^([a-z_][\w.-]{0,31})@([A-Za-z0-9][\w.-]{0,63}):\s?([~/][^\n]{0,1023})$/.exec(title);
  return m ? { user: m[1]!, host: m[2]!, cwd: m[3]! } : null;
}
