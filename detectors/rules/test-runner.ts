/** Runs the tests embedded in rules (`tests.match`, `tests.no_match`) and lints rule files. */
import type { CommandRecord } from '../../forwarder/commands/record.js';
import { createEngine } from '../engine.js';
import type { LoadProblem } from '../problems.js';
import { parseRuleText } from './parse-rule.js';
import type { TestCaseInput } from './schema.js';

export interface RuleTestFailure {
  expectation: 'match' | 'no_match';
  command: string;
}

export interface RuleTestResult {
  source: string;
  ruleId: string | null;
  passed: number;
  failures: RuleTestFailure[];
  problems: LoadProblem[];
}

export function testRecord(command: string, seq: number, sessionId = 'rule-test', cancelled = false): CommandRecord {
  return {
    sessionId,
    seq,
    command,
    user: 'ssm-user',
    host: null,
    cwd: null,
    root: false,
    time: null,
    source: 'raw',
    cancelled,
    incomplete: false,
    instanceId: null,
  };
}

export function runRuleTests(texts: { name: string; text: string }[]): RuleTestResult[] {
  return texts.map(({ name, text }) => {
    const { parsed, problems } = parseRuleText(name, text);
    if (!parsed) return { source: name, ruleId: null, passed: 0, failures: [], problems };
    const { rule } = parsed;
    const iocTexts = rule.tests.iocs.length ? [{ name: 'test.txt', text: rule.tests.iocs.join('\n') }] : [];
    const { engine, problems: loadProblems } = createEngine({ builtin: false, ruleTexts: [{ name, text }], iocTexts });
    const failures: RuleTestFailure[] = [];
    let passed = 0;
    const run = (c: TestCaseInput, expectation: 'match' | 'no_match') => {
      const t = typeof c === 'string' ? { command: c, before: [], context: undefined, cancelled: false } : c;
      const session = engine.session({
        sessionId: 'rule-test',
        principalArn: t.context?.principal,
        instanceId: t.context?.instance,
        account: t.context?.account,
      });
      let seq = 0;
      for (const line of t.before) session.analyze(testRecord(line, ++seq));
      const fired = session
        .analyze(testRecord(t.command, ++seq, 'rule-test', t.cancelled ?? false))
        .some((d) => d.ruleId === rule.id);
      if (fired === (expectation === 'match')) passed++;
      else failures.push({ expectation, command: t.command });
    };
    for (const c of rule.tests.match) run(c, 'match');
    for (const c of rule.tests.no_match) run(c, 'no_match');
    return { source: name, ruleId: rule.id, passed, failures, problems: loadProblems };
  });
}

/** Schema, ATT&CK ids, regex safety, duplicate ids, and rules shipped without tests. */
export function lintRuleTexts(texts: { name: string; text: string }[]): LoadProblem[] {
  const problems: LoadProblem[] = [];
  const ids = new Map<string, string>();
  for (const { name, text } of texts) {
    const { parsed, problems: found } = parseRuleText(name, text);
    problems.push(...found);
    if (!parsed) continue;
    const { rule } = parsed;
    const previous = ids.get(rule.id);
    if (previous) problems.push({ source: name, message: `duplicate rule id ${rule.id} (also in ${previous})` });
    ids.set(rule.id, name);
    if (rule.tests.match.length === 0) problems.push({ source: name, message: 'no tests.match examples' });
    if (rule.tests.no_match.length === 0) problems.push({ source: name, message: 'no tests.no_match examples' });
  }
  return problems;
}
