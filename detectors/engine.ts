/**
 * The detection engine: loads rules (built-in YAML, user YAML, Sigma) and IOC sets, indexes rules by the programs
 * and destinations they need, and analyses each command record of a session with the session's shell state.
 */
import type { CommandRecord } from '../forwarder/commands/record.js';
import { analyzeLine } from './analyze/analyzer.js';
import { type SessionSnapshot, SessionState } from './analyze/session-state.js';
import type { AnalysedCommand } from './analyze/types.js';
import { BUILTIN_IOCS, BUILTIN_RULES } from './builtin/bundle.generated.js';
import { loadIocText } from './ioc/load.js';
import { IocRegistry } from './ioc/registry.js';
import { compileGlob } from './match/glob.js';
import type { Category, Detection, Evidence, Severity } from './model.js';
import type { LoadProblem } from './problems.js';
import type { AttackTag } from './rules/attack.js';
import { compileCondition, type MatchEnv, type Predicate } from './rules/compile.js';
import { CommandFacts } from './rules/facts.js';
import { parseRuleText, parseRuleValue } from './rules/parse-rule.js';
import { type Requirements, requirementsOf } from './rules/requirements.js';
import { RuleIndex } from './rules/rule-index.js';
import type { ExceptionInput } from './rules/schema.js';
import { compileSigmaText } from './sigma/sigma.js';

export interface SessionContext {
  sessionId: string;
  instanceId?: string | null;
  account?: string | null;
  principalArn?: string | null;
}

export interface EngineOptions {
  /** Load the built-in rules (default true). */
  builtin?: boolean;
  /** Load the built-in IOC data sets such as `mining-pools` (default true). */
  builtinIocs?: boolean;
  ruleTexts?: { name: string; text: string }[];
  sigmaTexts?: { name: string; text: string }[];
  iocTexts?: { name: string; text: string }[];
}

export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  source: string;
}

export interface CompiledRule extends RuleInfo {
  description?: string;
  attack: AttackTag[];
  references: string[];
  predicate: Predicate;
  /** What every command the rule can match shows (programs, facets): the engine's index. */
  requirements: Requirements;
  exceptions: ((context: SessionContext, command: string) => boolean)[];
  onCancelled: boolean;
  /** Sigma rules match every process event, wrappers included. */
  kind: 'rule' | 'sigma';
}

export interface SessionAnalyzer {
  analyze(record: CommandRecord): Detection[];
  snapshot(): SessionSnapshot;
}

export interface Engine {
  readonly rules: ReadonlyArray<RuleInfo>;
  readonly iocs: IocRegistry;
  session(context: SessionContext, snapshot?: SessionSnapshot): SessionAnalyzer;
}

function compileExceptions(list: ExceptionInput[]): CompiledRule['exceptions'] {
  return list.map((e) => {
    const g = (patterns?: string[]) => patterns?.map((p) => compileGlob(p, { caseInsensitive: true }));
    const [principal, instance, account, command] = [g(e.principal), g(e.instance), g(e.account), g(e.command)];
    const ok = (globs: ReturnType<typeof g>, value: string | null | undefined) =>
      !globs || (value != null && globs.some((x) => x.test(value)));
    return (context, cmd) =>
      ok(principal, context.principalArn) &&
      ok(instance, context.instanceId) &&
      ok(account, context.account) &&
      ok(command, cmd.trim());
  });
}

/** Compiles YAML rule texts (read already when `value` is given); problems are added to `problems`. */
export function compileRuleTexts(
  texts: { name: string; text: string; value?: unknown }[],
  problems: LoadProblem[],
): CompiledRule[] {
  const rules: CompiledRule[] = [];
  for (const { name, text, value } of texts) {
    let { parsed, problems: found } = value === undefined ? parseRuleText(name, text) : parseRuleValue(name, value);
    // problems are told with their lines, which only the text has
    if (found.length > 0 && value !== undefined) ({ parsed, problems: found } = parseRuleText(name, text));
    problems.push(...found);
    if (!parsed) continue;
    const { rule } = parsed;
    rules.push({
      id: rule.id,
      title: rule.title,
      description: rule.description,
      severity: rule.severity,
      category: rule.category,
      source: name,
      attack: parsed.attack,
      references: rule.references,
      predicate: compileCondition(rule.match),
      requirements: requirementsOf(rule.match),
      exceptions: compileExceptions(rule.exceptions),
      onCancelled: rule.on_cancelled,
      kind: 'rule',
    });
  }
  return rules;
}

export function loadIocs(
  registry: IocRegistry,
  texts: { name: string; text: string }[],
  problems: LoadProblem[],
  purpose?: 'intel' | 'reference',
): void {
  for (const { name, text } of texts) {
    const setName = name.replace(/^.*[\\/]/, '').replace(/\.(txt|csv|json|list)$/i, '');
    const reference =
      purpose ?? (BUILTIN_IOCS.some((b) => b.name === setName && b.purpose === 'reference') ? 'reference' : 'intel');
    const { set, problems: found } = loadIocText(setName, text, { purpose: reference });
    problems.push(...found.map((p) => ({ ...p, source: name })));
    registry.add(set);
  }
}

export function createEngine(options: EngineOptions = {}): { engine: Engine; problems: LoadProblem[] } {
  const problems: LoadProblem[] = [];
  const iocs = new IocRegistry();
  if (options.builtinIocs !== false) {
    for (const b of BUILTIN_IOCS) loadIocs(iocs, [{ name: b.name, text: b.text }], problems, b.purpose);
  }
  loadIocs(iocs, options.iocTexts ?? [], problems);

  const builtin = options.builtin === false ? [] : compileRuleTexts(BUILTIN_RULES, problems);
  const user = compileRuleTexts(options.ruleTexts ?? [], problems);
  const byId = new Map<string, CompiledRule>();
  for (const r of builtin) byId.set(r.id, r);
  const userIds = new Set<string>();
  for (const r of user) {
    if (userIds.has(r.id))
      problems.push({ source: r.source, message: `duplicate rule id ${r.id}; the later file wins` });
    userIds.add(r.id);
    byId.set(r.id, r); // a user rule with a built-in id replaces the built-in
  }
  for (const { name, text } of options.sigmaTexts ?? []) {
    const result = compileSigmaText(name, text);
    if ('problem' in result) problems.push({ source: name, message: result.problem });
    else if (byId.has(result.rule.id)) problems.push({ source: name, message: `duplicate rule id ${result.rule.id}` });
    else byId.set(result.rule.id, result.rule);
  }
  return { engine: new DetectionEngine([...byId.values()], iocs), problems };
}

class DetectionEngine implements Engine {
  readonly rules: RuleInfo[];
  readonly index: RuleIndex<CompiledRule>;
  readonly hasCancelledRules: boolean;

  constructor(
    readonly compiled: CompiledRule[],
    readonly iocs: IocRegistry,
  ) {
    this.rules = compiled.map(({ id, title, severity, category, source }) => ({
      id,
      title,
      severity,
      category,
      source,
    }));
    this.index = new RuleIndex(compiled);
    this.hasCancelledRules = compiled.some((r) => r.onCancelled);
  }

  session(context: SessionContext, snapshot?: SessionSnapshot): SessionAnalyzer {
    return new Session(this, context, new SessionState(snapshot));
  }
}

function describe(cmd: AnalysedCommand): string {
  const parts: string[] = [];
  if (cmd.origin !== 'typed') parts.push(`via ${cmd.origin} (layer ${cmd.layer})`);
  if (cmd.wrappers.length) parts.push(`wrapped by ${cmd.wrappers.map((w) => w.name).join(' → ')}`);
  if (cmd.implied) parts.push(`started by ${cmd.implied}`);
  if (cmd.elevated) parts.push(`as ${cmd.runAs ?? 'root'}`);
  return parts.join('; ') || 'typed';
}

/**
 * A rule's detection. One object literal per combination of the optional fields, rather than spreads, so detections
 * keep a few fixed hidden classes (and the engine's optimised code with them) across garbage collections.
 */
function detection(rule: CompiledRule, evidence: Evidence[]): Detection {
  const { id: ruleId, title, description, severity, category, references } = rule;
  const attack = rule.attack.map((a) => a.id);
  if (description && references.length)
    return { ruleId, title, description, severity, category, attack, references, evidence };
  if (description) return { ruleId, title, description, severity, category, attack, evidence };
  if (references.length) return { ruleId, title, severity, category, attack, references, evidence };
  return { ruleId, title, severity, category, attack, evidence };
}

class Session implements SessionAnalyzer {
  constructor(
    private readonly engine: DetectionEngine,
    private readonly context: SessionContext,
    private state: SessionState,
  ) {}

  analyze(record: CommandRecord): Detection[] {
    if (record.cancelled && !this.engine.hasCancelledRules) return [];
    // A cancelled line never ran: it must not change what the session remembers.
    const state = record.cancelled ? this.state.clone() : this.state;
    const analysis = analyzeLine(record.command, state, { knownPrograms: this.engine.index.knownPrograms });
    const env: MatchEnv = {
      iocs: this.engine.iocs,
      lines: [record.command, ...analysis.decoded],
      record: { user: record.user, cwd: record.cwd, root: record.root },
    };
    const fired = new Map<string, Detection>();
    const evidence: Evidence[] = []; // a predicate that fails leaves it as it was
    for (const cmd of analysis.commands) {
      const facts = new CommandFacts(cmd);
      for (const rule of this.engine.index.candidates(facts)) {
        if (fired.has(rule.id) || (record.cancelled && !rule.onCancelled)) continue;
        if (evidence.length > 0) evidence.length = 0;
        if (!rule.predicate(facts, env, evidence)) continue;
        if (rule.exceptions.length > 0 && rule.exceptions.some((e) => e(this.context, record.command))) continue;
        fired.set(
          rule.id,
          detection(rule, [{ kind: 'program', value: cmd.text.slice(0, 300), detail: describe(cmd) }, ...evidence]),
        );
      }
    }
    return [...fired.values()];
  }

  snapshot(): SessionSnapshot {
    return this.state.snapshot();
  }
}
