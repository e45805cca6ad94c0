/**
 * Compiles a rule's `match:` into a predicate over one analysed command (through its CommandFacts, shared by every
 * rule that runs on the command). The tests of a condition run cheapest first, except that those which add evidence
 * keep the rule's order, so a detection's evidence reads the same whatever the costs. What the engine indexes rules by
 * is in requirements.ts.
 */
import { IocSet } from '../ioc/ioc-set.js';
import type { IocRegistry } from '../ioc/registry.js';
import { compileGlobSet, type GlobSet, hasWildcard } from '../match/glob.js';
import { compileSafeRegex, type SafeRegex } from '../match/safe-regex.js';
import type { Evidence } from '../model.js';
import type { CommandFacts } from './facts.js';
import type { ConditionInput } from './schema.js';

export interface MatchEnv {
  iocs: IocRegistry;
  /** The typed line and any decoded layers, for `line_regex`. */
  lines: readonly string[];
  /** What the transcript tells about the command line (for Sigma's User and CurrentDirectory). */
  record?: { user: string | null; cwd: string | null; root: boolean };
}

/** True when the command matches; then (and only then) it may have appended evidence. */
export type Predicate = (facts: CommandFacts, env: MatchEnv, evidence: Evidence[]) => boolean;

/** One test of a condition, with what ordering the tests needs. */
interface Check {
  test: Predicate;
  /**
   * Relative cost: 0 a field or two of the command, 1 a few items (options, written files, destinations),
   * 2 every argument or the whole text, 3 regexes over the typed line and IOC lookups.
   */
  cost: number;
  /** Adds evidence when it passes. */
  evidence: boolean;
}

const globs = (patterns: string[]) => compileGlobSet(patterns, { caseInsensitive: true });

function regex(pattern: string): SafeRegex {
  const r = compileSafeRegex(pattern, 'i');
  if (typeof r === 'string') throw new Error(`${pattern}: ${r}`);
  return r;
}

const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

/**
 * `--name`, `--name=value`, `-x` (also inside a bundle such as `-xzf`; the letter's case counts: `dpkg -P` purges,
 * `dpkg -p` prints), or the exact argument (lowercased) for anything else, such as `-name`.
 */
function flagTest(flag: string): (facts: CommandFacts) => boolean {
  const lower = flag.toLowerCase();
  const long = lower.startsWith('--');
  const withValue = `${lower}=`;
  const letter = /^-[A-Za-z]$/.test(flag) ? flag[1]! : null;
  // an option spelled with a leading dash can only be an argument with one, and most commands have few of those
  const dashOnly = lower.startsWith('-');
  return (facts) => {
    if (!dashOnly && facts.lowerArgs.includes(lower)) return true;
    const dashed = facts.lowerDashArgs;
    for (let i = 0; i < dashed.length; i++) {
      const arg = dashed[i]!;
      if (arg === lower && letter === null) return true;
      if (long) {
        if (arg.startsWith(withValue)) return true;
      } else if (letter !== null && facts.bundles[i]!.includes(letter)) return true;
    }
    return false;
  };
}

/** The first of the command's arguments or files (`items`) that one of the globs matches. */
function find(
  facts: CommandFacts,
  items: (facts: CommandFacts) => readonly string[],
  set: GlobSet,
): string | undefined {
  if (set.needle !== null && !facts.mayContain(set.needle)) return undefined;
  for (const item of items(facts)) if (set.test(item)) return item;
  return undefined;
}

const argsOf = (f: CommandFacts) => f.args;
const writtenBy = (f: CommandFacts) => f.written;
const namedBy = (f: CommandFacts) => f.named;

/** The regex can only match a text that starts with this (ASCII) character. */
function startsOnlyWith(r: SafeRegex, code: number): boolean {
  for (let c = 0; c <= 128; c++) if (c !== code && r.canStartWith(c)) return false; // 128: any non-ASCII one
  return true;
}

/** Cheap tests first; a test that adds evidence waits for those before it in the rule. */
function ordered(checks: Check[]): Check[] {
  const pure = checks.filter((c) => !c.evidence).sort((a, b) => a.cost - b.cost);
  const out: Check[] = [];
  let next = 0;
  for (const check of checks) {
    if (!check.evidence) continue;
    while (next < pure.length && pure[next]!.cost <= check.cost) out.push(pure[next++]!);
    out.push(check);
  }
  out.push(...pure.slice(next));
  return out;
}

function conjunction(checks: Check[]): Check {
  const tests = ordered(checks).map((c) => c.test);
  const cost = Math.max(0, ...checks.map((c) => c.cost));
  const evidence = checks.some((c) => c.evidence);
  if (tests.length === 1) return { test: tests[0]!, cost, evidence };
  return {
    cost,
    evidence,
    test: (facts, env, ev) => {
      const mark = ev.length;
      for (const test of tests) {
        if (!test(facts, env, ev)) {
          if (ev.length !== mark) ev.length = mark;
          return false;
        }
      }
      return true;
    },
  };
}

export function compileCondition(cond: ConditionInput): Predicate {
  return compile(cond).test;
}

function compile(cond: ConditionInput): Check {
  return conjunction(checksOf(cond));
}

/** The tests of one condition, in the order of its fields (`all:` inlined). */
function checksOf(cond: ConditionInput): Check[] {
  const checks: Check[] = [];
  const pure = (cost: number, test: Predicate) => checks.push({ test, cost, evidence: false });
  const withEvidence = (cost: number, test: Predicate) => checks.push({ test, cost, evidence: true });

  if (cond.program) {
    const exact = new Set(cond.program.filter((p) => !hasWildcard(p)).map((p) => p.toLowerCase()));
    const wild = cond.program.filter(hasWildcard);
    const patterns = globs(wild);
    pure(
      0,
      wild.length ? (f) => exact.has(f.cmd.program) || patterns.test(f.cmd.program) : (f) => exact.has(f.cmd.program),
    );
  }
  if (cond.path) {
    const g = globs(cond.path);
    pure(0, (f) => g.test(f.cmd.path));
  }
  if (cond.elevated !== undefined) pure(0, (f) => f.cmd.elevated === cond.elevated);
  if (cond.interactive !== undefined) pure(0, (f) => f.cmd.interactive === cond.interactive);
  if (cond.via) {
    const names = new Set(cond.via);
    pure(0, (f) => f.cmd.wrappers.some((w) => names.has(w.name)));
  }
  if (cond.run_as) {
    const users = new Set(cond.run_as);
    pure(0, (f) => f.cmd.runAs !== null && users.has(f.cmd.runAs));
  }
  if (cond.origin) {
    const origins = new Set(cond.origin);
    pure(0, (f) => origins.has(f.cmd.origin));
  }
  if (cond.decoded === true) {
    withEvidence(0, (f, _env, ev) => {
      if (f.cmd.origin !== 'decoded') return false;
      ev.push({ kind: 'decoded', value: short(f.cmd.text), detail: 'ran from a decoded payload' });
      return true;
    });
  } else if (cond.decoded === false) pure(0, (f) => f.cmd.origin !== 'decoded');
  if (cond.flags) {
    const names = cond.flags;
    const tests = names.map(flagTest);
    withEvidence(1, (f, _env, ev) => {
      for (let i = 0; i < tests.length; i++) {
        if (tests[i]!(f)) {
          ev.push({ kind: 'argv', value: names[i]! });
          return true;
        }
      }
      return false;
    });
  }
  if (cond.flags_all) {
    const tests = cond.flags_all.map(flagTest);
    pure(1, (f) => tests.every((t) => t(f)));
  }
  if (cond.args) {
    const g = globs(cond.args);
    withEvidence(2, (f, _env, ev) => {
      const hit = find(f, argsOf, g);
      if (hit === undefined) return false;
      ev.push({ kind: 'argv', value: short(hit) });
      return true;
    });
  }
  if (cond.args_all) {
    const each = cond.args_all.map((p) => globs([p]));
    pure(2, (f) => each.every((one) => find(f, argsOf, one) !== undefined));
  }
  if (cond.first_arg) {
    const g = globs(cond.first_arg);
    pure(1, (f) => {
      const first = f.firstOperand;
      return first !== undefined && g.test(first);
    });
  }
  if (cond.max_args !== undefined) {
    const max = cond.max_args;
    pure(2, (f) => f.operands.length <= max);
  }
  if (cond.min_args !== undefined) {
    const min = cond.min_args;
    pure(2, (f) => f.operands.length >= min);
  }
  if (cond.arg_regex) {
    const r = regex(cond.arg_regex);
    // a pattern such as `^--algo=…` can only match an argument that starts with a dash: few commands have many
    const dashOnly = startsOnlyWith(r, 45);
    withEvidence(2, (f, _env, ev) => {
      if (f.longestArg < r.minLength) return false;
      const hit = (dashOnly ? f.dashArgs : f.args).find((a) => r.test(a));
      if (hit === undefined) return false;
      ev.push({ kind: 'pattern', value: short(hit) });
      return true;
    });
  }
  if (cond.text_regex) {
    const r = regex(cond.text_regex);
    pure(2, (f) => r.test(f.cmd.text));
  }
  if (cond.text_contains) {
    const needles = cond.text_contains.map((n) => n.toLowerCase());
    pure(2, (f) => {
      const text = f.lowerText;
      return needles.some((n) => text.includes(n));
    });
  }
  if (cond.redirect_to) {
    const g = globs(cond.redirect_to);
    withEvidence(1, (f, _env, ev) => {
      const hit = find(f, writtenBy, g);
      if (hit === undefined) return false;
      ev.push({ kind: 'argv', value: hit, detail: 'written' });
      return true;
    });
  }
  if (cond.files) {
    const g = globs(cond.files);
    withEvidence(2, (f, _env, ev) => {
      const hit = find(f, namedBy, g);
      if (hit === undefined) return false;
      ev.push({ kind: 'argv', value: hit, detail: 'file' });
      return true;
    });
  }
  if (cond.assigns) {
    const names = new Set(cond.assigns);
    withEvidence(0, (f, _env, ev) => {
      const hit = f.cmd.assigns.find((a) => names.has(a.name));
      if (!hit) return false;
      ev.push({ kind: 'other', value: `${hit.name}=${hit.value}`, detail: 'variable assigned' });
      return true;
    });
  }
  if (cond.pipe_from) {
    const names = new Set(cond.pipe_from);
    withEvidence(0, (f, _env, ev) => {
      const hit = f.cmd.pipeFrom.find((p) => names.has(p));
      if (!hit) return false;
      ev.push({ kind: 'program', value: hit, detail: 'reads the output of' });
      return true;
    });
  }
  if (cond.pipe_to) {
    const names = new Set(cond.pipe_to);
    pure(0, (f) => f.cmd.pipeTo.some((p) => names.has(p)));
  }
  if (cond.url_scheme) {
    const schemes = new Set(cond.url_scheme.map((s) => s.toLowerCase()));
    withEvidence(1, (f, _env, ev) => {
      const hit = f.cmd.destinations.find((d) => d.scheme !== null && d.url !== null && schemes.has(d.scheme));
      if (!hit) return false;
      ev.push({ kind: 'url', value: hit.url ?? hit.source });
      return true;
    });
  }
  if (cond.url_regex) {
    const r = regex(cond.url_regex);
    withEvidence(1, (f, _env, ev) => {
      const hit = f.cmd.destinations.find((d) => d.url !== null && r.test(d.url));
      if (!hit) return false;
      ev.push({ kind: 'url', value: hit.url! });
      return true;
    });
  }
  if (cond.host) {
    const set = new IocSet('rule');
    for (const h of cond.host) set.addDomain(h.replace(/^\*\./, ''));
    withEvidence(1, (f, _env, ev) => {
      const hit = f.cmd.destinations.find((d) => set.lookupHost(d.host, d.kind));
      if (!hit) return false;
      ev.push({ kind: 'host', value: hit.host });
      return true;
    });
  }
  if (cond.port) {
    const ports = new Set(cond.port);
    pure(0, (f) => f.cmd.destinations.some((d) => d.port !== null && ports.has(d.port)));
  }
  if (cond.ioc !== undefined) {
    const selector = cond.ioc;
    withEvidence(3, (f, env, ev) => {
      for (const d of f.cmd.destinations) {
        const hit = env.iocs.lookup(d, selector);
        if (hit) {
          ev.push({ kind: 'ioc', value: d.url ?? d.host, detail: `${hit.set}: ${hit.indicator}` });
          return true;
        }
      }
      return false;
    });
  }
  if (cond.runs_downloaded === true) {
    withEvidence(0, (f, _env, ev) => {
      const file = f.cmd.runsDownloaded;
      if (file === null) return false;
      if (file) ev.push({ kind: 'argv', value: file, detail: 'downloaded earlier' });
      return true;
    });
  } else if (cond.runs_downloaded === false) pure(0, (f) => f.cmd.runsDownloaded === null);
  if (cond.line_regex) {
    const r = regex(cond.line_regex);
    pure(3, (_f, env) => env.lines.some((l) => r.test(l)));
  }
  for (const child of cond.all ?? []) checks.push(...checksOf(child));
  if (cond.any) {
    const parts = cond.any.map(compile);
    const tests = parts.map((p) => p.test);
    checks.push({
      cost: Math.max(...parts.map((p) => p.cost)),
      evidence: parts.some((p) => p.evidence),
      test: (f, env, ev) => {
        for (const test of tests) if (test(f, env, ev)) return true;
        return false;
      },
    });
  }
  if (cond.not) {
    const inner = compile(cond.not);
    const test = inner.test;
    pure(inner.cost, (f, env) => !test(f, env, []));
  }
  return checks;
}
