/**
 * Import of SigmaHQ rules for Linux `process_creation`. Each analysed simple command is presented as a process
 * event: Image (the program path), CommandLine (its argv joined), ParentImage/ParentCommandLine (the wrapper, or the
 * shell), User, CurrentDirectory. Pipelines are also matched on the whole typed line, since `curl … | sh` is two
 * processes. Supported: modifiers contains, startswith, endswith, all, re (with i/m/s), windash, base64,
 * base64offset, cased; conditions with and, or, not, parentheses, `1 of`, `all of`, `them`, wildcards.
 * Anything else makes the rule not load, with the reason.
 */
import { parse } from 'yaml';
import type { AnalysedCommand } from '../analyze/types.js';
import type { CompiledRule } from '../engine.js';
import { compileGlobSet } from '../match/glob.js';
import { compileSafeRegex } from '../match/safe-regex.js';
import type { Category, Severity } from '../model.js';
import { type AttackTag, attackTag } from '../rules/attack.js';
import type { MatchEnv } from '../rules/compile.js';
import type { CommandFacts } from '../rules/facts.js';
import { type ConditionNode, parseSigmaCondition } from './condition.js';

type Field = 'CommandLine' | 'Image' | 'ParentImage' | 'ParentCommandLine' | 'User' | 'CurrentDirectory';
const FIELDS = new Set<string>([
  'CommandLine',
  'Image',
  'ParentImage',
  'ParentCommandLine',
  'User',
  'CurrentDirectory',
]);
const MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'windash',
  'base64',
  'base64offset',
  'cased',
  'i',
  'm',
  's',
]);

type Event = Record<Field, string>;
/** A process event and the same fields lowercased (once, for every case-insensitive value of every rule). */
interface Observed {
  event: Event;
  lower: Event;
}
type ValueTest = (value: string, lower: string) => boolean;
type Selection = (seen: Observed) => boolean;

class Unsupported extends Error {}

const LEVELS: Record<string, Severity> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

const TACTIC_CATEGORY: [string, Category][] = [
  ['attack.t1496', 'crypto-mining'],
  ['attack.privilege-escalation', 'privilege-escalation'],
  ['attack.credential-access', 'credential-access'],
  ['attack.persistence', 'persistence'],
  ['attack.lateral-movement', 'lateral-movement'],
  ['attack.defense-evasion', 'defense-evasion'],
  ['attack.stealth', 'defense-evasion'],
  ['attack.defense-impairment', 'defense-evasion'],
  ['attack.discovery', 'discovery'],
  ['attack.command-and-control', 'reverse-shell'],
  ['attack.execution', 'download-execute'],
];

/** Sigma wildcards (`*`, `?`, `\*`, `\?`, `\\`) as our glob syntax, where `[` and other backslashes are literal. */
function sigmaToGlob(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && /[*?\\]/.test(value[i + 1] ?? '')) out += `\\${value[++i]}`;
    else if (c === '\\' || c === '[' || c === ']') out += `\\${c}`;
    else out += c;
  }
  return out;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

function base64Variants(value: string, offsets: boolean): string[] {
  const bytes = Buffer.from(value, 'utf8');
  if (!offsets) return [bytes.toString('base64').replace(/=+$/, '')];
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = [0, 2, 3][shift]!;
    const end = [0, -3, -2][(bytes.length + shift) % 3]!;
    out.push(encoded.slice(start, end === 0 ? undefined : end).replace(/=+$/, ''));
  }
  return out;
}

function valueTest(raw: unknown, modifiers: string[]): ValueTest {
  if (raw === null) return (v) => v === '';
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
    throw new Unsupported(`value of type ${typeof raw}`);
  const value = String(raw);
  if (modifiers.includes('re')) {
    const flags = modifiers.filter((m) => m === 'i' || m === 'm' || m === 's').join('');
    const re = compileSafeRegex(value, flags);
    if (typeof re === 'string') throw new Unsupported(`regex ${value}: ${re}`);
    return (v) => re.test(v);
  }
  let variants = [value];
  if (modifiers.includes('windash')) {
    variants = variants.flatMap((v) =>
      /^-/.test(v) || v.includes(' -') ? DASHES.map((d) => v.replace(/(^|\s)-/g, `$1${d}`)) : [v],
    );
  }
  const encoded = modifiers.includes('base64') || modifiers.includes('base64offset');
  if (encoded) variants = variants.flatMap((v) => base64Variants(v, modifiers.includes('base64offset')));
  const contains = modifiers.includes('contains') || modifiers.includes('base64offset');
  const starts = modifiers.includes('startswith');
  const ends = modifiers.includes('endswith');
  const ci = !modifiers.includes('cased') && !encoded;
  const globs = variants.map((v) => {
    const g = encoded ? v.replace(/[*?[\]\\]/g, '\\$&') : sigmaToGlob(v);
    return `${contains || ends ? '*' : ''}${g}${contains || starts ? '*' : ''}`;
  });
  const set = compileGlobSet(globs, { caseInsensitive: ci });
  return ci ? (v, lower) => set.test(v, lower) : (v) => set.test(v);
}

function fieldMatcher(key: string, raw: unknown): Selection {
  const [field, ...modifiers] = key.split('|');
  if (!field || !FIELDS.has(field)) throw new Unsupported(`field ${field} is not available for typed commands`);
  for (const m of modifiers) if (!MODIFIERS.has(m)) throw new Unsupported(`modifier ${m}`);
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw new Unsupported(`empty value list for ${key}`);
  const tests = values.map((v) => valueTest(v, modifiers));
  const all = modifiers.includes('all');
  const name = field as Field;
  return ({ event, lower }) => {
    const v = event[name];
    const l = lower[name];
    return all ? tests.every((t) => t(v, l)) : tests.some((t) => t(v, l));
  };
}

function selectionMatcher(name: string, def: unknown): Selection {
  if (Array.isArray(def)) {
    if (def.every((d) => typeof d === 'string' || typeof d === 'number')) {
      const tests = def.map((d) => valueTest(d, ['contains']));
      return ({ event, lower }) => tests.some((t) => t(event.CommandLine, lower.CommandLine));
    }
    const alternatives = def.map((d, i) => selectionMatcher(`${name}[${i}]`, d));
    return (seen) => alternatives.some((a) => a(seen));
  }
  if (def && typeof def === 'object') {
    const parts = Object.entries(def as Record<string, unknown>).map(([k, v]) => fieldMatcher(k, v));
    return (seen) => parts.every((p) => p(seen));
  }
  if (typeof def === 'string') {
    const test = valueTest(def, ['contains']);
    return ({ event, lower }) => test(event.CommandLine, lower.CommandLine);
  }
  throw new Unsupported(`selection ${name} has an unsupported shape`);
}

/**
 * The program names (lowercased basenames) without which a rule cannot match, from its `Image` values (`|endswith:
 * /curl`, or a full path), or null when any program might: most rules name their programs, and a command of another
 * program is then not evaluated at all (120 SigmaHQ rules cost ~150 µs per command evaluated every time).
 */
type Images = Set<string> | null;

function fieldImages(key: string, raw: unknown): Images {
  const [field, ...modifiers] = key.split('|');
  if (field !== 'Image' || modifiers.length > 1 || (modifiers.length === 1 && modifiers[0] !== 'endswith')) return null;
  const out = new Set<string>();
  for (const v of Array.isArray(raw) ? raw : [raw]) {
    // `/name` at the end, or a whole path: the name is what follows the last slash, with no wildcard in it
    if (typeof v !== 'string' || !v.startsWith('/') || /[*?\\]/.test(v)) return null;
    if (modifiers.length === 1 && v.lastIndexOf('/') !== 0) return null;
    out.add(v.slice(v.lastIndexOf('/') + 1).toLowerCase());
  }
  return out.size > 0 ? out : null;
}

function selectionImages(def: unknown): Images {
  if (Array.isArray(def)) {
    if (def.every((d) => typeof d === 'string' || typeof d === 'number')) return null;
    return unionOf(def.map(selectionImages));
  }
  if (!def || typeof def !== 'object') return null;
  return smallestOf(Object.entries(def as Record<string, unknown>).map(([k, v]) => fieldImages(k, v)));
}

/** Every alternative names its programs: one of them is needed. */
function unionOf(sets: Images[]): Images {
  if (sets.length === 0 || sets.some((s) => s === null)) return null;
  return new Set(sets.flatMap((s) => [...s!]));
}

/** All are needed: the smallest named set is enough to check. */
function smallestOf(sets: Images[]): Images {
  let best: Images = null;
  for (const s of sets) if (s && (!best || s.size < best.size)) best = s;
  return best;
}

function conditionImages(node: ConditionNode, selections: Map<string, Images>): Images {
  switch (node.kind) {
    case 'and':
      return smallestOf(node.items.map((n) => conditionImages(n, selections)));
    case 'or':
      return unionOf(node.items.map((n) => conditionImages(n, selections)));
    case 'not':
      return null;
    case 'ref':
      return selections.get(node.name) ?? null;
    case 'of': {
      const sets = node.names.map((n) => selections.get(n) ?? null);
      return node.quantifier === 'all' ? smallestOf(sets) : unionOf(sets);
    }
  }
}

/** Rules compile with the Image prefilter; off only to show that it changes no result (tests). */
let imagePrefilter = true;

/** Runs `fn` (which compiles rules) with the prefilter off: the reference the prefilter is tested against. */
export function withoutImagePrefilter<T>(fn: () => T): T {
  imagePrefilter = false;
  try {
    return fn();
  } finally {
    imagePrefilter = true;
  }
}

function evaluate(node: ConditionNode, selections: Map<string, Selection>, event: Observed): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, selections, event));
    case 'or':
      return node.items.some((n) => evaluate(n, selections, event));
    case 'not':
      return !evaluate(node.item, selections, event);
    case 'ref':
      return selections.get(node.name)!(event);
    case 'of': {
      const names = node.names;
      return node.quantifier === 'all'
        ? names.every((n) => selections.get(n)!(event))
        : names.some((n) => selections.get(n)!(event));
    }
  }
}

function programPath(name: string): string {
  return name.includes('/') ? name : `/usr/bin/${name}`;
}

/**
 * The command last asked about, as the rules see it: every Sigma rule asks about the same command in turn. The name
 * of its Image comes first (the prefilter); its events are built when a rule is evaluated.
 */
interface CommandView {
  facts: CommandFacts;
  env: MatchEnv;
  imageName: string;
  events: Observed[] | null;
}
let lastView: CommandView | null = null;

function viewOf(facts: CommandFacts, env: MatchEnv): CommandView {
  if (lastView?.facts !== facts || lastView.env !== env) {
    const image = imageOf(facts.cmd);
    lastView = { facts, env, imageName: image.slice(image.lastIndexOf('/') + 1).toLowerCase(), events: null };
  }
  return lastView;
}

function eventsOf(view: CommandView): Observed[] {
  view.events ??= processEvents(view.facts.cmd, view.env).map((event) => ({ event, lower: lowercased(event) }));
  return view.events;
}

const imageOf = (cmd: AnalysedCommand) => programPath(cmd.path || cmd.program);

function lowercased(event: Event): Event {
  return {
    Image: event.Image.toLowerCase(),
    CommandLine: event.CommandLine.toLowerCase(),
    ParentImage: event.ParentImage.toLowerCase(),
    ParentCommandLine: event.ParentCommandLine.toLowerCase(),
    User: event.User.toLowerCase(),
    CurrentDirectory: event.CurrentDirectory.toLowerCase(),
  };
}

function processEvents(cmd: AnalysedCommand, env: MatchEnv): Event[] {
  const parent = cmd.wrappers[cmd.wrappers.length - 1];
  const base: Event = {
    Image: imageOf(cmd),
    CommandLine: cmd.text,
    ParentImage: parent ? programPath(parent.name) : '/usr/bin/bash',
    ParentCommandLine: parent ? [parent.name, ...parent.options].join(' ') : 'bash',
    User: cmd.runAs ?? env.record?.user ?? (env.record?.root ? 'root' : ''),
    CurrentDirectory: env.record?.cwd ?? '',
  };
  const list = [base];
  if ((cmd.pipeFrom.length > 0 || cmd.pipeTo.length > 0) && cmd.layer === 0 && env.lines[0])
    list.push({ ...base, CommandLine: env.lines[0] });
  return list;
}

function categoryOf(tags: string[]): Category {
  for (const [tag, category] of TACTIC_CATEGORY) if (tags.includes(tag)) return category;
  return 'defense-evasion';
}

export function compileSigmaText(source: string, text: string): { rule: CompiledRule } | { problem: string } {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    return { problem: `YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  if (!doc || typeof doc !== 'object') return { problem: 'not a Sigma rule (no YAML mapping)' };
  const logsource = (doc.logsource ?? {}) as Record<string, unknown>;
  if (logsource.product !== 'linux' || logsource.category !== 'process_creation') {
    return {
      problem: `logsource ${String(logsource.product)}/${String(logsource.category ?? logsource.service)} is not linux/process_creation`,
    };
  }
  const detection = doc.detection as Record<string, unknown> | undefined;
  if (!detection || typeof detection !== 'object') return { problem: 'no detection section' };
  try {
    const selections = new Map<string, Selection>();
    const imagesBySelection = new Map<string, Images>();
    for (const [name, def] of Object.entries(detection)) {
      if (name === 'condition' || name === 'timeframe') continue;
      selections.set(name, selectionMatcher(name, def));
      imagesBySelection.set(name, selectionImages(def));
    }
    const conditions = Array.isArray(detection.condition) ? detection.condition : [detection.condition];
    const trees = conditions.map((c) => {
      if (typeof c !== 'string') throw new Unsupported('condition is not a string');
      return parseSigmaCondition(c, [...selections.keys()]);
    });
    const images = imagePrefilter ? unionOf(trees.map((t) => conditionImages(t, imagesBySelection))) : null;
    const tags = Array.isArray(doc.tags) ? doc.tags.map((t) => String(t).toLowerCase()) : [];
    const attack = tags
      .map((t) => (t.startsWith('attack.t') ? attackTag(t) : null))
      .filter((t): t is AttackTag => t !== null);
    const id = `sigma-${String(doc.id ?? source.replace(/^.*\//, '').replace(/\.ya?ml$/, ''))}`;
    const title = String(doc.title ?? id);
    const rule: CompiledRule = {
      id,
      title,
      description: typeof doc.description === 'string' ? doc.description.trim() : undefined,
      severity: LEVELS[String(doc.level)] ?? 'medium',
      category: categoryOf(tags),
      source,
      attack,
      references: Array.isArray(doc.references) ? doc.references.map(String) : [],
      predicate: (facts, env, evidence) => {
        const view = viewOf(facts, env);
        if (images !== null && !images.has(view.imageName)) return false;
        for (const seen of eventsOf(view)) {
          if (trees.some((t) => evaluate(t, selections, seen))) {
            evidence.push({
              kind: 'sigma',
              value: title,
              detail: `${source}: ${seen.event.CommandLine.slice(0, 200)}`,
            });
            return true;
          }
        }
        return false;
      },
      requirements: { routes: null, excluded: new Set() },
      exceptions: [],
      onCancelled: false,
      kind: 'sigma',
    };
    return { rule };
  } catch (err) {
    if (err instanceof Unsupported || err instanceof SyntaxError) return { problem: err.message };
    throw err;
  }
}
