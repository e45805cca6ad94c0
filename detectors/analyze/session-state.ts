/**
 * What a shell session remembers between command lines and what matters for analysis: variables, aliases,
 * functions, recent lines (for `!!`), files downloaded. Bounded, and JSON-serialisable as a snapshot so that a
 * Lambda can resume a session later.
 */

export interface SessionSnapshot {
  v: 1;
  vars: Record<string, string>;
  aliases: Record<string, string>;
  functions: Record<string, string>;
  history: string[];
  downloads: string[];
}

const LIMITS = { vars: 256, aliases: 128, functions: 64, history: 20, downloads: 64, value: 4096, source: 8192 };

/**
 * Snapshots are persisted (the Lambda's state table), so secrets typed in the session stay out of them: values of
 * variables named like secrets, and secret-looking assignments and options in remembered lines, are replaced.
 */
const SECRET_NAME = /secret|token|pass|key|credential|auth|cookie|private/i;
const SECRET_IN_LINE = [
  /(\b[A-Za-z_][A-Za-z0-9_]*(?:secret|token|pass|key|credential|auth|cookie|private)[A-Za-z0-9_]*=)("[^"]*"|'[^']*'|\S+)/gi,
  /(--?(?:password|passwd|pass|token|secret|api-key|auth)[= ])("[^"]*"|'[^']*'|\S+)/gi,
  /(\bsshpass\s+-p\s*)(\S+)/gi,
];
export const REDACTED = '[redacted]';

export function redactLine(line: string): string {
  return SECRET_IN_LINE.reduce((text, re) => text.replace(re, `$1${REDACTED}`), line);
}

/** A Map that forgets its oldest entries beyond a size, and truncates long values. */
class BoundedMap extends Map<string, string> {
  constructor(
    private readonly max: number,
    private readonly maxValue: number,
    entries?: Iterable<[string, string]>,
  ) {
    super();
    for (const [k, v] of entries ?? []) this.set(k, v);
  }

  override set(key: string, value: string): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value.length > this.maxValue ? value.slice(0, this.maxValue) : value);
    while (this.size > this.max) this.delete(this.keys().next().value as string);
    return this;
  }
}

export class SessionState {
  readonly vars: Map<string, string>;
  readonly aliases: Map<string, string>;
  readonly functions: Map<string, string>;
  history: string[];
  readonly downloads: Set<string>;

  constructor(snapshot?: SessionSnapshot) {
    this.vars = new BoundedMap(LIMITS.vars, LIMITS.value, Object.entries(snapshot?.vars ?? {}));
    this.aliases = new BoundedMap(LIMITS.aliases, LIMITS.value, Object.entries(snapshot?.aliases ?? {}));
    this.functions = new BoundedMap(LIMITS.functions, LIMITS.source, Object.entries(snapshot?.functions ?? {}));
    this.history = (snapshot?.history ?? []).slice(-LIMITS.history);
    this.downloads = new Set((snapshot?.downloads ?? []).slice(-LIMITS.downloads));
  }

  remember(line: string): void {
    this.history.push(line.length > LIMITS.value ? line.slice(0, LIMITS.value) : line);
    if (this.history.length > LIMITS.history) this.history.splice(0, this.history.length - LIMITS.history);
  }

  addDownload(path: string): void {
    this.downloads.add(path);
    while (this.downloads.size > LIMITS.downloads)
      this.downloads.delete(this.downloads.values().next().value as string);
  }

  snapshot(): SessionSnapshot {
    return {
      v: 1,
      vars: Object.fromEntries([...this.vars].map(([k, v]) => [k, SECRET_NAME.test(k) ? REDACTED : v])),
      aliases: Object.fromEntries([...this.aliases].map(([k, v]) => [k, redactLine(v)])),
      functions: Object.fromEntries([...this.functions].map(([k, v]) => [k, redactLine(v)])),
      history: this.history.map(redactLine),
      downloads: [...this.downloads],
    };
  }

  /** An in-memory copy (secrets included) for analysing a line that must not change this state. */
  clone(): SessionState {
    const copy = new SessionState();
    for (const [k, v] of this.vars) copy.vars.set(k, v);
    for (const [k, v] of this.aliases) copy.aliases.set(k, v);
    for (const [k, v] of this.functions) copy.functions.set(k, v);
    copy.history = [...this.history];
    for (const d of this.downloads) copy.downloads.add(d);
    return copy;
  }
}

/**
 * Bash history expansion (`!!`, `!-2`, `!$`, `!^`, `!*`, `!prefix`) against the session's earlier lines.
 * Single-quoted text is left alone, as bash does.
 */
export function expandHistory(line: string, history: readonly string[]): { text: string; expanded: boolean } {
  if (!line.includes('!') || history.length === 0) return { text: line, expanded: false };
  const last = history[history.length - 1] ?? '';
  const words = (s: string) => s.trim().split(/\s+/);
  let out = '';
  let expanded = false;
  let inSingle = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") inSingle = !inSingle;
    if (c === '\\' && !inSingle) {
      out += c + (line[i + 1] ?? '');
      i++;
      continue;
    }
    if (c !== '!' || inSingle) {
      out += c;
      continue;
    }
    const rest = line.slice(i + 1);
    const back = /^-(\d{1,2})/.exec(rest);
    const word = /^([A-Za-z_/.][\w./-]{0,100})/.exec(rest);
    let replacement: string | null = null;
    let used = 0;
    if (rest.startsWith('!')) {
      replacement = last;
      used = 1;
    } else if (back) {
      replacement = history[history.length - Number(back[1])] ?? '';
      used = back[0].length;
    } else if (rest.startsWith('$')) {
      replacement = words(last).at(-1) ?? '';
      used = 1;
    } else if (rest.startsWith('^')) {
      replacement = words(last)[1] ?? '';
      used = 1;
    } else if (rest.startsWith('*')) {
      replacement = words(last).slice(1).join(' ');
      used = 1;
    } else if (word) {
      const prefix = word[1]!;
      replacement = [...history].reverse().find((h) => h.startsWith(prefix)) ?? null;
      used = prefix.length;
    }
    if (replacement === null) {
      out += c;
      continue;
    }
    out += replacement;
    expanded = true;
    i += used;
  }
  return { text: out, expanded };
}
