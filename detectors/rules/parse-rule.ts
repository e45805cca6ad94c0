/**
 * Reads one YAML rule: YAML syntax, the zod schema, ATT&CK ids and regex safety, with every problem naming the
 * file and the line it is on.
 */

import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { regexProblem } from '../match/safe-regex.js';
import type { LoadProblem } from '../problems.js';
import { describeIssue, issuePath, type SchemaIssue } from '../schema-issues.js';
import { type AttackTag, attackTag } from './attack.js';
import { type ConditionInput, type RuleInput, ruleSchema } from './schema.js';

export interface ParsedRule {
  rule: RuleInput;
  attack: AttackTag[];
  source: string;
}

const REGEX_FIELDS = ['arg_regex', 'text_regex', 'line_regex', 'url_regex'] as const;

function lineOf(doc: Document, counter: LineCounter, path: (string | number)[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

function* regexesIn(
  cond: ConditionInput,
  path: (string | number)[],
): Generator<{ pattern: string; path: (string | number)[] }> {
  for (const field of REGEX_FIELDS) {
    const pattern = cond[field];
    if (pattern) yield { pattern, path: [...path, field] };
  }
  for (const key of ['all', 'any'] as const) {
    for (const [i, child] of (cond[key] ?? []).entries()) yield* regexesIn(child, [...path, key, i]);
  }
  if (cond.not) yield* regexesIn(cond.not, [...path, 'not']);
}

export function parseRuleText(source: string, text: string): { parsed: ParsedRule | null; problems: LoadProblem[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  const problems: LoadProblem[] = [];
  for (const err of doc.errors) {
    problems.push({ source, line: err.linePos?.[0]?.line, message: `YAML: ${err.message.split('\n')[0]}` });
  }
  if (problems.length > 0) return { parsed: null, problems };
  return parseRuleValue(source, doc.toJS(), (path) => lineOf(doc, counter, path));
}

/**
 * A rule already read from YAML (the built-in rules are, when the bundle is generated): the schema, ATT&CK ids and
 * regex safety. `lineAt` places a problem in the rule's text, when there is one.
 */
export function parseRuleValue(
  source: string,
  value: unknown,
  lineAt: (path: (string | number)[]) => number | undefined = () => undefined,
): { parsed: ParsedRule | null; problems: LoadProblem[] } {
  const problems: LoadProblem[] = [];
  const result = ruleSchema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues as SchemaIssue[]) {
      const path = issuePath(issue);
      const where = path.length ? `${path.join('.')}: ` : '';
      problems.push({ source, line: lineAt(path), message: `${where}${describeIssue(issue)}` });
    }
    return { parsed: null, problems };
  }
  const rule = result.data;
  const attack: AttackTag[] = [];
  rule.attack.forEach((raw, i) => {
    const tag = attackTag(raw);
    if (!tag)
      problems.push({
        source,
        line: lineAt(['attack', i]),
        message: `attack: unknown ATT&CK technique id ${raw} (neither v18 nor v19)`,
      });
    else if (rule.attack_version && !tag.versions.includes(rule.attack_version)) {
      problems.push({
        source,
        line: lineAt(['attack', i]),
        message: `attack: ${tag.id} is not an ATT&CK v${rule.attack_version} id`,
      });
    } else attack.push(rule.attack_version ? { id: tag.id, versions: [rule.attack_version] } : tag);
  });
  for (const { pattern, path } of regexesIn(rule.match, ['match'])) {
    const problem = regexProblem(pattern, 'i');
    if (problem) problems.push({ source, line: lineAt(path), message: `${path.join('.')}: ${problem}: ${pattern}` });
  }
  if (problems.length > 0) return { parsed: null, problems };
  return { parsed: { rule, attack, source }, problems };
}
