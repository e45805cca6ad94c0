/**
 * Compiles a rule's `match:` into a predicate over one analysed command, plus what the engine needs to index the
 * rule (the programs it can only match, whether it needs a network destination) so that not every rule runs on
 * every command.
 */
import type { AnalysedCommand } from '../analyze/types.js';
import { IocSet } from '../ioc/ioc-set.js';
import type { IocRegistry } from '../ioc/registry.js';
import { type CompiledGlob, compileGlob, hasWildcard } from '../match/glob.js';
import { compileSafeRegex, type SafeRegex } from '../match/safe-regex.js';
import type { Evidence } from '../model.js';
import type { ConditionInput } from './schema.js';

export interface MatchEnv {
  iocs: IocRegistry;
  /** The typed line and any decoded layers, for `line_regex`. */
  lines: readonly string[];
  /** What the transcript tells about the command line (for Sigma's User and CurrentDirectory). */
  record?: { user: string | null; cwd: string | null; root: boolean };
}

export type Predicate = (cmd: AnalysedCommand, env: MatchEnv, evidence: Evidence[]) => boolean;

export interface IndexHint {
  /** The rule can only match commands running one of these programs (null: any program). */
  programs: Set<string> | null;
  /** The rule can only match commands that name a network destination. */
  needsDestination: boolean;
}

const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);
const globs = (patterns: string[]) => patterns.map((p) => compileGlob(p, { caseInsensitive: true }));
const anyGlob = (gs: CompiledGlob[], value: string) => gs.some((g) => g.test(value));

function regex(pattern: string): SafeRegex {
  const r = compileSafeRegex(pattern, 'i');
  if (typeof r === 'string') throw new Error(`${pattern}: ${r}`);
  return r;
}

export function isFlag(arg: string): boolean {
  return arg.startsWith('-') && arg.length > 1 && !/^-\d+$/.test(arg);
}

export function operands(cmd: AnalysedCommand): string[] {
  return cmd.argv.slice(1).filter((a) => !isFlag(a));
}

/** `--name`, `--name=value`, `-x` (also inside a bundle such as `-xzf`), or an exact multi-letter `-name`. */
export function hasFlag(args: readonly string[], flag: string): boolean {
  const lower = flag.toLowerCase();
  for (const a of args) {
    const al = a.toLowerCase();
    if (al === lower) return true;
    if (lower.startsWith('--')) {
      if (al.startsWith(`${lower}=`)) return true;
    } else if (lower.length === 2 && a.startsWith('-') && !a.startsWith('--')) {
      const letters = /^-([A-Za-z]+)/.exec(a)?.[1] ?? '';
      if (letters.includes(flag[1]!)) return true;
    }
  }
  return false;
}

/** Files a command writes: redirections, tee, dd of=, the destination of cp/mv/install/ln, sed -i, truncate. */
export function writtenFiles(cmd: AnalysedCommand): string[] {
  const out = cmd.redirects.filter((r) => WRITE_OPS.has(r.op)).map((r) => r.target);
  const ops = operands(cmd);
  switch (cmd.program) {
    case 'tee':
    case 'truncate':
    case 'shred':
    case 'touch':
      out.push(...ops);
      break;
    case 'cp':
    case 'mv':
    case 'install':
    case 'ln':
    case 'rsync':
      if (ops.length >= 2) out.push(ops[ops.length - 1]!);
      break;
    case 'sed':
    case 'perl':
      if (cmd.argv.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith('--in-place'))) out.push(...ops.slice(1));
      break;
    case 'dd':
      for (const a of ops) if (a.startsWith('of=')) out.push(a.slice(3));
      break;
  }
  return out;
}

/** Every path the command names: operands, option values like `if=`, redirection targets. */
export function namedFiles(cmd: AnalysedCommand): string[] {
  const out = [...operands(cmd), ...cmd.redirects.map((r) => r.target), ...writtenFiles(cmd)];
  for (const a of cmd.argv.slice(1)) {
    const eq = a.indexOf('=');
    if (eq > 0 && a[eq + 1] === '/') out.push(a.slice(eq + 1));
  }
  return out;
}

const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

export function compileCondition(cond: ConditionInput): Predicate {
  const checks: Predicate[] = [];
  if (cond.program) {
    const exact = new Set(cond.program.filter((p) => !hasWildcard(p)).map((p) => p.toLowerCase()));
    const patterns = globs(cond.program.filter(hasWildcard));
    checks.push((c) => exact.has(c.program) || anyGlob(patterns, c.program));
  }
  if (cond.path) {
    const g = globs(cond.path);
    checks.push((c) => anyGlob(g, c.path));
  }
  if (cond.elevated !== undefined) checks.push((c) => c.elevated === cond.elevated);
  if (cond.interactive !== undefined) checks.push((c) => c.interactive === cond.interactive);
  if (cond.via) {
    const names = new Set(cond.via);
    checks.push((c) => c.wrappers.some((w) => names.has(w.name)));
  }
  if (cond.run_as) {
    const users = new Set(cond.run_as);
    checks.push((c) => c.runAs !== null && users.has(c.runAs));
  }
  if (cond.origin) {
    const origins = new Set(cond.origin);
    checks.push((c) => origins.has(c.origin));
  }
  if (cond.decoded !== undefined) {
    checks.push((c, _env, ev) => {
      const decoded = c.origin === 'decoded';
      if (decoded && cond.decoded)
        ev.push({ kind: 'decoded', value: short(c.text), detail: 'ran from a decoded payload' });
      return decoded === cond.decoded;
    });
  }
  if (cond.flags) {
    const flags = cond.flags;
    checks.push((c, _env, ev) => {
      const args = c.argv.slice(1);
      const hit = flags.find((f) => hasFlag(args, f));
      if (hit) ev.push({ kind: 'argv', value: hit });
      return hit !== undefined;
    });
  }
  if (cond.flags_all) {
    const flags = cond.flags_all;
    checks.push((c) => flags.every((f) => hasFlag(c.argv.slice(1), f)));
  }
  if (cond.args) {
    const g = globs(cond.args);
    checks.push((c, _env, ev) => {
      const hit = c.argv.slice(1).find((a) => anyGlob(g, a));
      if (hit !== undefined) ev.push({ kind: 'argv', value: short(hit) });
      return hit !== undefined;
    });
  }
  if (cond.args_all) {
    const g = globs(cond.args_all);
    checks.push((c) => g.every((one) => c.argv.slice(1).some((a) => one.test(a))));
  }
  if (cond.first_arg) {
    const g = globs(cond.first_arg);
    checks.push((c) => {
      const first = operands(c)[0];
      return first !== undefined && anyGlob(g, first);
    });
  }
  if (cond.max_args !== undefined) {
    const max = cond.max_args;
    checks.push((c) => operands(c).length <= max);
  }
  if (cond.min_args !== undefined) {
    const min = cond.min_args;
    checks.push((c) => operands(c).length >= min);
  }
  if (cond.arg_regex) {
    const r = regex(cond.arg_regex);
    checks.push((c, _env, ev) => {
      const hit = c.argv.slice(1).find((a) => r.test(a));
      if (hit !== undefined) ev.push({ kind: 'pattern', value: short(hit) });
      return hit !== undefined;
    });
  }
  if (cond.text_regex) {
    const r = regex(cond.text_regex);
    checks.push((c) => r.test(c.text));
  }
  if (cond.text_contains) {
    const needles = cond.text_contains.map((n) => n.toLowerCase());
    checks.push((c) => {
      const text = c.text.toLowerCase();
      return needles.some((n) => text.includes(n));
    });
  }
  if (cond.redirect_to) {
    const g = globs(cond.redirect_to);
    checks.push((c, _env, ev) => {
      const hit = writtenFiles(c).find((f) => anyGlob(g, f));
      if (hit !== undefined) ev.push({ kind: 'argv', value: hit, detail: 'written' });
      return hit !== undefined;
    });
  }
  if (cond.files) {
    const g = globs(cond.files);
    checks.push((c, _env, ev) => {
      const hit = namedFiles(c).find((f) => anyGlob(g, f));
      if (hit !== undefined) ev.push({ kind: 'argv', value: hit, detail: 'file' });
      return hit !== undefined;
    });
  }
  if (cond.assigns) {
    const names = new Set(cond.assigns);
    checks.push((c, _env, ev) => {
      const hit = c.assigns.find((a) => names.has(a.name));
      if (hit) ev.push({ kind: 'other', value: `${hit.name}=${hit.value}`, detail: 'variable assigned' });
      return hit !== undefined;
    });
  }
  if (cond.pipe_from) {
    const names = new Set(cond.pipe_from);
    checks.push((c, _env, ev) => {
      const hit = c.pipeFrom.find((p) => names.has(p));
      if (hit) ev.push({ kind: 'program', value: hit, detail: 'reads the output of' });
      return hit !== undefined;
    });
  }
  if (cond.pipe_to) {
    const names = new Set(cond.pipe_to);
    checks.push((c) => c.pipeTo.some((p) => names.has(p)));
  }
  if (cond.url_scheme) {
    const schemes = new Set(cond.url_scheme.map((s) => s.toLowerCase()));
    checks.push((c, _env, ev) => {
      const hit = c.destinations.find((d) => d.scheme !== null && d.url !== null && schemes.has(d.scheme));
      if (hit) ev.push({ kind: 'url', value: hit.url ?? hit.source });
      return hit !== undefined;
    });
  }
  if (cond.url_regex) {
    const r = regex(cond.url_regex);
    checks.push((c, _env, ev) => {
      const hit = c.destinations.find((d) => d.url !== null && r.test(d.url));
      if (hit) ev.push({ kind: 'url', value: hit.url! });
      return hit !== undefined;
    });
  }
  if (cond.host) {
    const set = new IocSet('rule');
    for (const h of cond.host) set.addDomain(h.replace(/^\*\./, ''));
    checks.push((c, _env, ev) => {
      const hit = c.destinations.find((d) => set.lookupHost(d.host, d.kind));
      if (hit) ev.push({ kind: 'host', value: hit.host });
      return hit !== undefined;
    });
  }
  if (cond.port) {
    const ports = new Set(cond.port);
    checks.push((c) => c.destinations.some((d) => d.port !== null && ports.has(d.port)));
  }
  if (cond.ioc !== undefined) {
    const selector = cond.ioc;
    checks.push((c, env, ev) => {
      for (const d of c.destinations) {
        const hit = env.iocs.lookup(d, selector);
        if (hit) {
          ev.push({ kind: 'ioc', value: d.url ?? d.host, detail: `${hit.set}: ${hit.indicator}` });
          return true;
        }
      }
      return false;
    });
  }
  if (cond.runs_downloaded !== undefined) {
    checks.push((c, _env, ev) => {
      if (c.runsDownloaded) ev.push({ kind: 'argv', value: c.runsDownloaded, detail: 'downloaded earlier' });
      return (c.runsDownloaded !== null) === cond.runs_downloaded;
    });
  }
  if (cond.line_regex) {
    const r = regex(cond.line_regex);
    checks.push((_c, env) => env.lines.some((l) => r.test(l)));
  }
  if (cond.all) {
    const parts = cond.all.map(compileCondition);
    checks.push((c, env, ev) => parts.every((p) => p(c, env, ev)));
  }
  if (cond.any) {
    const parts = cond.any.map(compileCondition);
    checks.push((c, env, ev) => parts.some((p) => p(c, env, ev)));
  }
  if (cond.not) {
    const inner = compileCondition(cond.not);
    checks.push((c, env) => !inner(c, env, []));
  }
  return (c, env, ev) => {
    const mark = ev.length;
    for (const check of checks) {
      if (!check(c, env, ev)) {
        ev.length = mark;
        return false;
      }
    }
    return true;
  };
}

/** What a condition requires of every command it can match, for indexing. */
export function indexHint(cond: ConditionInput): IndexHint {
  const needsDestination =
    cond.ioc !== undefined ||
    cond.host !== undefined ||
    cond.url_scheme !== undefined ||
    cond.port !== undefined ||
    cond.url_regex !== undefined;
  if (cond.program && !cond.program.some(hasWildcard)) {
    return { programs: new Set(cond.program.map((p) => p.toLowerCase())), needsDestination };
  }
  const children = cond.all?.map(indexHint) ?? [];
  const constrained = children.find((h) => h.programs !== null);
  const childNeeds = children.some((h) => h.needsDestination);
  if (constrained) return { programs: constrained.programs, needsDestination: needsDestination || childNeeds };
  if (cond.any) {
    const alternatives = cond.any.map(indexHint);
    if (alternatives.every((h) => h.programs !== null)) {
      return {
        programs: new Set(alternatives.flatMap((h) => [...h.programs!])),
        needsDestination: needsDestination || childNeeds,
      };
    }
    if (alternatives.every((h) => h.needsDestination)) return { programs: null, needsDestination: true };
  }
  return { programs: null, needsDestination: needsDestination || childNeeds };
}
