/** Sigma `condition:` expressions: and, or, not, parentheses, `1 of X*`, `all of X*`, `them`. No aggregations. */
import { compileGlob } from '../match/glob.js';

export type ConditionNode =
  | { kind: 'and'; items: ConditionNode[] }
  | { kind: 'or'; items: ConditionNode[] }
  | { kind: 'not'; item: ConditionNode }
  | { kind: 'ref'; name: string }
  | { kind: 'of'; quantifier: 'one' | 'all'; names: string[] };

export function parseSigmaCondition(text: string, selections: string[]): ConditionNode {
  if (text.includes('|')) throw new SyntaxError(`aggregation in condition is not supported: ${text}`);
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();

  const resolve = (pattern: string): string[] => {
    if (pattern === 'them') return selections.filter((s) => !s.startsWith('_'));
    const g = compileGlob(pattern);
    const names = selections.filter((s) => g.test(s));
    if (names.length === 0) throw new SyntaxError(`condition names no selection matching ${pattern}`);
    return names;
  };

  const primary = (): ConditionNode => {
    const t = tokens[i++];
    if (t === undefined) throw new SyntaxError(`condition ends early: ${text}`);
    if (t === '(') {
      const inner = or();
      if (tokens[i++] !== ')') throw new SyntaxError(`unbalanced parenthesis in condition: ${text}`);
      return inner;
    }
    const lower = t.toLowerCase();
    if ((lower === '1' || lower === 'all' || lower === 'any') && tokens[i]?.toLowerCase() === 'of') {
      i++;
      const pattern = tokens[i++];
      if (!pattern) throw new SyntaxError(`"of" without selections: ${text}`);
      return { kind: 'of', quantifier: lower === 'all' ? 'all' : 'one', names: resolve(pattern) };
    }
    if (!selections.includes(t)) throw new SyntaxError(`condition names unknown selection ${t}`);
    return { kind: 'ref', name: t };
  };
  const not = (): ConditionNode => {
    if (peek() === 'not') {
      i++;
      return { kind: 'not', item: not() };
    }
    return primary();
  };
  const and = (): ConditionNode => {
    const items = [not()];
    while (peek() === 'and') {
      i++;
      items.push(not());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const or = (): ConditionNode => {
    const items = [and()];
    while (peek() === 'or') {
      i++;
      items.push(and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const tree = or();
  if (i < tokens.length) throw new SyntaxError(`unexpected ${tokens[i]} in condition: ${text}`);
  return tree;
}
