/**
 * Compiles a rule's `match:` into a predicate over one analysed command, plus what the engine needs to index the
 * rule (the programs it can only match, whether it needs a network destination) so that not every rule runs on
 * every command.
 */
import type { AnalysedCommand } from '../analyze/types.js';
import { IocSet } from '../ioc/ioc-set.js';
import type { IocRegistry } from '../ioc/registry.js';
import { compileGlobSet, type GlobSet, hasWildcard } from '../match/glob.js';
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
const globs = (patterns: string[]) => compileGlobSet(patterns, { caseInsensitive: true });

function regex(pattern: string): SafeRegex {
  const r = compileSafeRegex(pattern, 'i');
  if (typeof r === 'string') throw new Error(`${pattern}: ${r}`);
  return r;
}

/**
 * What several rules ask of the same command (its arguments lowercased, its operands, the files it names), worked
 * out once: every candidate rule runs on the command in turn.
 */
interface CommandFacts {
  args: string[];
  lowerArgs?: string[];
  /** For each argument, the letters of a short-option bundle (`-xzf`: `xzf`), else ''. */
  bundles?: string[];
  operands?: string[];
  written?: string[];
  named?: string[];
  lowerText?: string;
}

const factsCache = new WeakMap<AnalysedCommand, CommandFacts>();

function factsOf(cmd: AnalysedCommand): CommandFacts {
  let facts = factsCache.get(cmd);
  if (!facts) {
    facts = { args: cmd.argv.slice(1) };
    factsCache.set(cmd, facts);
  }
  return facts;
}

function lowerArgs(f: CommandFacts): string[] {
  if (!f.lowerArgs) f.lowerArgs = f.args.map((a) => a.toLowerCase());
  return f.lowerArgs;
}

function bundles(f: CommandFacts): string[] {
  if (!f.bundles)
    f.bundles = f.args.map((a) =>
      a.startsWith('-') && !a.startsWith('--') ? (/^-([A-Za-z]+)/.exec(a)?.[1] ?? '') : '',
    );
  return f.bundles;
}

export function isFlag(arg: string): boolean {
  return arg.startsWith('-') && arg.length > 1 && !/^-\d+$/.test(arg);
}

export function operands(cmd: AnalysedCommand): readonly string[] {
  const facts = factsOf(cmd);
  if (!facts.operands) facts.operands = facts.args.filter((a) => !isFlag(a));
  return facts.operands;
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

/** hasFlag for one flag, over a command's arguments lowercased and split into bundles once. */
function flagTest(flag: string): (facts: CommandFacts) => boolean {
  const lower = flag.toLowerCase();
  const long = lower.startsWith('--');
  const withValue = `${lower}=`;
  const letter = !long && lower.length === 2 ? flag[1]! : null;
  return (facts) => {
    const args = lowerArgs(facts);
    for (let i = 0; i < args.length; i++) {
      const al = args[i]!;
      if (al === lower) return true;
      if (long) {
        if (al.startsWith(withValue)) return true;
      } else if (letter !== null && bundles(facts)[i]!.includes(letter)) return true;
    }
    return false;
  };
}

function flagTests(flags: string[]): { flag: string; test: (facts: CommandFacts) => boolean }[] {
  return flags.map((flag) => ({ flag, test: flagTest(flag) }));
}

/** The first argument (lowercased once) that one of the globs matches. */
function findArg(facts: CommandFacts, set: GlobSet): string | undefined {
  const lower = lowerArgs(facts);
  const i = facts.args.findIndex((a, k) => set.test(a, lower[k]));
  return i < 0 ? undefined : facts.args[i];
}

/** Files a command writes: redirections, tee, dd of=, the destination of cp/mv/install/ln, sed -i, truncate. */
export function writtenFiles(cmd: AnalysedCommand): readonly string[] {
  const facts = factsOf(cmd);
  if (facts.written) return facts.written;
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
  facts.written = out;
  return out;
}

/** Every path the command names: operands, option values like `if=`, redirection targets. */
export function namedFiles(cmd: AnalysedCommand): readonly string[] {
  const facts = factsOf(cmd);
  if (facts.named) return facts.named;
  const out = [...operands(cmd), ...cmd.redirects.map((r) => r.target), ...writtenFiles(cmd)];
  for (const a of facts.args) {
    const eq = a.indexOf('=');
    if (eq > 0 && a[eq + 1] === '/') out.push(a.slice(eq + 1));
  }
  facts.named = out;
  return out;
}

const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

export function compileCondition(cond: ConditionInput): Predicate {
  const checks: Predicate[] = [];
  if (cond.program) {
    const exact = new Set(cond.program.filter((p) => !hasWildcard(p)).map((p) => p.toLowerCase()));
    const patterns = globs(cond.program.filter(hasWildcard));
    checks.push((c) => exact.has(c.program) || patterns.test(c.program));
  }
  if (cond.path) {
    const g = globs(cond.path);
    checks.push((c) => g.test(c.path));
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
    const flags = flagTests(cond.flags);
    checks.push((c, _env, ev) => {
      const facts = factsOf(c);
      const hit = flags.find((f) => f.test(facts))?.flag;
      if (hit) ev.push({ kind: 'argv', value: hit });
      return hit !== undefined;
    });
  }
  if (cond.flags_all) {
    const flags = flagTests(cond.flags_all);
    checks.push((c) => flags.every((f) => f.test(factsOf(c))));
  }
  if (cond.args) {
    const g = globs(cond.args);
    checks.push((c, _env, ev) => {
      const hit = findArg(factsOf(c), g);
      if (hit !== undefined) ev.push({ kind: 'argv', value: short(hit) });
      return hit !== undefined;
    });
  }
  if (cond.args_all) {
    const each = cond.args_all.map((p) => globs([p]));
    checks.push((c) => each.every((one) => findArg(factsOf(c), one) !== undefined));
  }
  if (cond.first_arg) {
    const g = globs(cond.first_arg);
    checks.push((c) => {
      const first = operands(c)[0];
      return first !== undefined && g.test(first);
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
      const hit = factsOf(c).args.find((a) => r.test(a));
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
      const facts = factsOf(c);
      if (facts.lowerText === undefined) facts.lowerText = c.text.toLowerCase();
      const text = facts.lowerText;
      return needles.some((n) => text.includes(n));
    });
  }
  if (cond.redirect_to) {
    const g = globs(cond.redirect_to);
    checks.push((c, _env, ev) => {
      const hit = writtenFiles(c).find((f) => g.test(f));
      if (hit !== undefined) ev.push({ kind: 'argv', value: hit, detail: 'written' });
      return hit !== undefined;
    });
  }
  if (cond.files) {
    const g = globs(cond.files);
    checks.push((c, _env, ev) => {
      const hit = namedFiles(c).find((f) => g.test(f));
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
