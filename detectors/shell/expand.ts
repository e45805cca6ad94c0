/**
 * Word expansion as bash performs it, statically: parameter expansion (with the common operators), command
 * substitution through a callback, field splitting of unquoted expansions on IFS, brace expansion, tilde.
 * Values are bounded so a hostile line cannot make expansion explode.
 */

import { globMatch } from '../match/glob.js';
import type { Script, Word, WordPart } from './ast.js';
import { parseWordText } from './parse.js';
import { codeAt } from './text.js';

export const MAX_VALUE_LENGTH = 8192;
const MAX_BRACE_RESULTS = 64;

export interface ExpandEnv {
  /** Shell variables known at this point of the session. Mutated by `${x:=w}`. */
  vars: Map<string, string>;
  /** Value of a command substitution, or null when it cannot be known statically. */
  commandSubstitution(body: Script): string | null;
  /** Called for every process substitution met, which gets a `/dev/fd/N` path as its value. */
  processSubstitution?(body: Script, direction: '<' | '>'): void;
}

export interface ExpandedWord {
  fields: string[];
  /** Some part of the word depends on something we could not compute (command output, unknown variable). */
  dynamic: boolean;
  /** An unquoted `*`, `?` or `[` remained: the shell would glob this word. */
  glob: boolean;
}

const SPECIAL_DEFAULTS: Record<string, string> = {
  IFS: ' \t\n',
  HOME: '/home/ssm-user',
  SHELL: '/bin/bash',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  '0': 'bash',
  '?': '0',
  '#': '0',
  $: '4242',
  '!': '4243',
  '-': 'himBH',
  '@': '',
  '*': '',
  RANDOM: '4242',
};

/** The value bash gives a variable nobody set, if any (own entries only: `$constructor` is not special). */
function specialDefault(name: string): string | undefined {
  return Object.hasOwn(SPECIAL_DEFAULTS, name) ? SPECIAL_DEFAULTS[name] : undefined;
}

function lookup(env: ExpandEnv, name: string): { value: string; known: boolean } {
  const v = env.vars.get(name);
  if (v !== undefined) return { value: v, known: true };
  const d = specialDefault(name);
  if (d !== undefined) return { value: d, known: true };
  return { value: '', known: /^[0-9]$/.test(name) };
}

const cap = (s: string) => (s.length > MAX_VALUE_LENGTH ? s.slice(0, MAX_VALUE_LENGTH) : s);

function expandInner(text: string, env: ExpandEnv, state: { dynamic: boolean }): string {
  const word = parseWordText(text, true);
  const r = expandWord(word, env, { split: false });
  if (r.dynamic) state.dynamic = true;
  return r.fields.join(' ');
}

function applyOperator(name: string, op: string, env: ExpandEnv, state: { dynamic: boolean }): string {
  if (op.startsWith('#') && op.length === 1) return String(lookup(env, name).value.length);
  if (op.startsWith('!')) {
    const target = lookup(env, name).value;
    return applyOperator(target, op.slice(1), env, state);
  }
  const { value } = lookup(env, name);
  const set = env.vars.has(name) || specialDefault(name) !== undefined;
  if (op === '') return value;
  let m = /^(:?)([-=+?])([\s\S]*)$/.exec(op);
  if (m) {
    const colon = m[1] === ':';
    const empty = colon ? value === '' : !set;
    const word = () => expandInner(m![3]!, env, state);
    switch (m[2]) {
      case '-':
        return empty ? word() : value;
      case '=': {
        if (!empty) return value;
        const w = word();
        env.vars.set(name, w);
        return w;
      }
      case '+':
        return empty ? '' : word();
      default:
        return value;
    }
  }
  m = /^:\s*(-?\d+)(?::\s*(-?\d+))?$/.exec(op);
  if (m) {
    const chars = [...value];
    let off = Number(m[1]);
    if (off < 0) off = Math.max(0, chars.length + off);
    let len = m[2] === undefined ? chars.length : Number(m[2]);
    if (len < 0) len = Math.max(0, chars.length - off + len);
    return chars.slice(off, off + len).join('');
  }
  m = /^(##?|%%?)([\s\S]*)$/.exec(op);
  if (m) {
    const pattern = expandInner(m[2]!, env, state);
    const longest = m[1]!.length === 2;
    if (m[1]![0] === '#') {
      for (let i = longest ? value.length : 0; longest ? i >= 0 : i <= value.length; i += longest ? -1 : 1) {
        if (globMatch(pattern, value.slice(0, i))) return value.slice(i);
      }
    } else {
      for (let i = longest ? 0 : value.length; longest ? i <= value.length : i >= 0; i += longest ? 1 : -1) {
        if (globMatch(pattern, value.slice(i))) return value.slice(0, i);
      }
    }
    return value;
  }
  m = /^\/([/#%]?)((?:\\.|[^/\\])*)(?:\/([\s\S]*))?$/.exec(op);
  if (m) {
    const pattern = expandInner(m[2]!, env, state);
    const replacement = m[3] === undefined ? '' : expandInner(m[3], env, state);
    return replacePattern(value, pattern, replacement, m[1]!);
  }
  if (op === '^^') return value.toUpperCase();
  if (op === ',,') return value.toLowerCase();
  if (op === '^') return value.charAt(0).toUpperCase() + value.slice(1);
  if (op === ',') return value.charAt(0).toLowerCase() + value.slice(1);
  if (op === '~~') return [...value].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  if (op.startsWith('@')) return value;
  state.dynamic = true;
  return value;
}

function replacePattern(value: string, pattern: string, replacement: string, mode: string): string {
  if (pattern === '') return value;
  const findAt = (start: number): [number, number] | null => {
    for (let i = start; i <= value.length; i++) {
      if (mode === '#' && i > 0) return null;
      for (let j = value.length; j > i; j--) {
        if (mode === '%' && j !== value.length) continue;
        if (globMatch(pattern, value.slice(i, j))) return [i, j];
      }
    }
    return null;
  };
  let out = '';
  let pos = 0;
  for (let n = 0; n < 256; n++) {
    const hit = findAt(pos);
    if (!hit) break;
    out += value.slice(pos, hit[0]) + replacement;
    pos = hit[1];
    if (mode !== '/') break;
  }
  return out + value.slice(pos);
}

function expandPart(part: WordPart, env: ExpandEnv, state: { dynamic: boolean }): string {
  switch (part.kind) {
    case 'lit':
      return part.value;
    case 'param': {
      if (!env.vars.has(part.name) && specialDefault(part.name) === undefined && !/^[0-9]$/.test(part.name)) {
        if (!/^:?[-=+]/.test(part.op)) state.dynamic = true;
      }
      return cap(applyOperator(part.name, part.op, env, state));
    }
    case 'cmdsub': {
      const out = env.commandSubstitution(part.body);
      if (out === null) {
        state.dynamic = true;
        return '';
      }
      return cap(out.replace(/\n+$/, ''));
    }
    case 'arith':
      state.dynamic = true;
      return evaluateArithmetic(part.expr, env) ?? '0';
    case 'procsub':
      env.processSubstitution?.(part.body, part.direction);
      return part.direction === '<' ? '/dev/fd/63' : '/dev/fd/62';
  }
}

function evaluateArithmetic(expr: string, env: ExpandEnv): string | null {
  const substituted = expr.replace(/\$?\b([A-Za-z_][A-Za-z0-9_]*)\b/g, (_m, n: string) => env.vars.get(n) ?? '0');
  if (!/^[\d\s+\-*/%()]{1,200}$/.test(substituted)) return null;
  const tokens = substituted.match(/\d+|[+\-*/%()]/g) ?? [];
  let i = 0;
  const primary = (): number => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      i++;
      return v;
    }
    if (t === '-') return -primary();
    return Number(t ?? 0);
  };
  const product = (): number => {
    let v = primary();
    while (tokens[i] === '*' || tokens[i] === '/' || tokens[i] === '%') {
      const op = tokens[i++];
      const r = primary();
      v = op === '*' ? v * r : r === 0 ? 0 : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  return Number.isFinite(v) ? String(v) : null;
}

const GLOB_CHARS = 1;
const BRACE_CHARS = 2;

/** Whether unquoted literal text holds characters the shell globs (`*?[`) or brace-expands (`{`). */
function globAndBraceChars(text: string): number {
  let found = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = codeAt(text, i);
    if (c === 0x2a || c === 0x3f || c === 0x5b)
      found |= GLOB_CHARS; // * ? [
    else if (c === 0x7b) found |= BRACE_CHARS; // {
  }
  return found;
}

/**
 * The one field of a word that needs no expansion, or null: a single literal part, quoted or free of glob and brace
 * characters (most words typed: `ls`, `-la`, `/var/log`, `'a b'`). Its field is the text itself.
 */
export function plainLiteral(word: Word): string | null {
  if (word.plain) return cap(word.raw);
  if (word.parts.length !== 1) return null;
  const part = word.parts[0]!;
  if (part.kind !== 'lit' || (!part.quoted && globAndBraceChars(part.value) !== 0)) return null;
  return cap(part.value);
}

/** Expands one word into fields. `split: false` for contexts without field splitting (assignments, here-strings). */
export function expandWord(word: Word, env: ExpandEnv, options: { split?: boolean } = {}): ExpandedWord {
  const plain = plainLiteral(word);
  if (plain !== null) return { fields: [plain], dynamic: false, glob: false };
  const split = options.split ?? true;
  const state = { dynamic: false };
  const ifs = env.vars.get('IFS') ?? ' \t\n';
  const fields: string[] = [];
  let current = '';
  let started = false;
  let glob = false;
  let braces = false;
  for (const part of word.parts) {
    const value = expandPart(part, env, state);
    const splittable = split && part.kind !== 'lit' && part.kind !== 'procsub' && !part.quoted;
    if (part.kind === 'lit' && !part.quoted) {
      const found = globAndBraceChars(part.value);
      if (found & GLOB_CHARS) glob = true;
      if (found & BRACE_CHARS) braces = true;
    }
    if (!splittable) {
      current += value;
      started = true;
      continue;
    }
    for (const ch of value) {
      if (ifs.includes(ch)) {
        if (current || started) fields.push(current);
        current = '';
        started = false;
      } else {
        current += ch;
        started = true;
      }
    }
  }
  if (current || started) fields.push(current);
  if (fields.length === 0 && word.parts.length === 0) fields.push('');
  let result = fields.map(cap);
  if (braces) result = result.flatMap((f) => expandBraces(f));
  return { fields: result.slice(0, MAX_BRACE_RESULTS * 4), dynamic: state.dynamic, glob };
}

/** `{a,b}c` → `ac bc`; `{1..3}` → `1 2 3`. Bounded to a few dozen results. */
export function expandBraces(text: string, budget = { left: MAX_BRACE_RESULTS }): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      const body = text.slice(open + 1, i);
      const alternatives = splitTopLevel(body);
      let items: string[] | null = null;
      if (alternatives.length > 1) items = alternatives;
      else {
        const range = /^(-?\d{1,6}|[A-Za-z])\.\.(-?\d{1,6}|[A-Za-z])$/.exec(body);
        if (range) items = expandRange(range[1]!, range[2]!);
      }
      if (!items) continue;
      const prefix = text.slice(0, open);
      const suffixes = expandBraces(text.slice(i + 1), budget);
      const out: string[] = [];
      for (const item of items) {
        for (const expandedItem of expandBraces(item, budget)) {
          for (const suffix of suffixes) {
            if (budget.left-- <= 0) return out.length ? out : [text];
            out.push(prefix + expandedItem + suffix);
          }
        }
      }
      return out;
    }
  }
  return [text];
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

function expandRange(a: string, b: string): string[] {
  const numeric = /\d/.test(a) && /\d/.test(b);
  const from = numeric ? Number(a) : a.charCodeAt(0);
  const to = numeric ? Number(b) : b.charCodeAt(0);
  const out: string[] = [];
  const step = from <= to ? 1 : -1;
  for (let v = from; step > 0 ? v <= to : v >= to; v += step) {
    out.push(numeric ? String(v) : String.fromCharCode(v));
    if (out.length >= MAX_BRACE_RESULTS) break;
  }
  return out;
}
