/**
 * Which rules a command meets. Rules are filed by the routes of their requirements (requirements.ts); the rules a
 * program with a given set of facets can match are listed once, in the engine's order, and reused for every command
 * of that shape. The lists are keyed by program (one shared key for programs no rule names) and facet bits, so there
 * are a bounded number of them, and no command text is ever a key.
 */
import { type CommandFacts, Facet } from './facts.js';
import { programsOnly, type Requirements, requiresFacet } from './requirements.js';

export interface IndexedRule {
  requirements: Requirements;
  /** Sigma rules see every process event, wrappers included. */
  kind: 'rule' | 'sigma';
}

/** Stands for every program no rule names (not a possible basename: it contains a NUL). */
const OTHER = '\0other';
/** Lists kept at most; past it (thousands of distinct program × facet shapes) lists are built per command. */
const MAX_LISTS = 4096;

/**
 * The order rules run in, and so the order of a command's detections: rules for named programs first, then rules
 * for any program, Sigma rules, and rules that need a network destination last.
 */
function rank(rule: IndexedRule): number {
  if (rule.kind === 'sigma') return 2;
  if (programsOnly(rule.requirements)) return 0;
  return requiresFacet(rule.requirements, Facet.destination) ? 3 : 1;
}

export class RuleIndex<R extends IndexedRule> {
  private readonly ordered: { rule: R; wrapperToo: boolean }[];
  /** Programs that some rule names or excludes; the others all share the key OTHER. */
  private readonly named = new Set<string>();
  /** Facets that some route asks for: a command's other facets do not change its list. */
  private readonly usedFacets: number;
  private readonly lists = new Map<string, Map<number, readonly R[]>>();
  private listCount = 0;
  /** Programs the program-specific rules are about (given to the analysis to resolve globbed program paths). */
  readonly knownPrograms = new Set<string>();

  constructor(rules: readonly R[]) {
    const ranked = rules.map((rule, i) => ({ rule, i, rank: rank(rule) }));
    ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
    // a wrapper (sudo, env, …) is seen only by rules that name its program, and by Sigma rules
    this.ordered = ranked.map(({ rule, rank }) => ({ rule, wrapperToo: rank === 0 || rank === 2 }));
    let facets = 0;
    for (const { rule } of this.ordered) {
      const { routes, excluded } = rule.requirements;
      for (const p of excluded) this.named.add(p);
      for (const route of routes ?? []) {
        facets |= route.facets;
        for (const p of route.programs ?? []) this.named.add(p);
      }
      if (rule.kind === 'rule') for (const p of programsOnly(rule.requirements) ?? []) this.knownPrograms.add(p);
    }
    this.usedFacets = facets;
  }

  /** The rules that can match this command, in order. */
  candidates(facts: CommandFacts): readonly R[] {
    const cmd = facts.cmd;
    const program = this.named.has(cmd.program) ? cmd.program : OTHER;
    const shape = (facts.facets(this.usedFacets) << 1) | (cmd.wrapper ? 1 : 0);
    const byShape = this.lists.get(program);
    const known = byShape?.get(shape);
    if (known) return known;
    const list = this.build(program, shape >> 1, cmd.wrapper);
    if (this.listCount < MAX_LISTS) {
      if (byShape) byShape.set(shape, list);
      else this.lists.set(program, new Map([[shape, list]]));
      this.listCount++;
    }
    return list;
  }

  private build(program: string, facets: number, wrapper: boolean): R[] {
    const out: R[] = [];
    for (const { rule, wrapperToo } of this.ordered) {
      if (wrapper && !wrapperToo) continue;
      if (rule.kind === 'sigma' || mayMatch(rule.requirements, program, facets)) out.push(rule);
    }
    return out;
  }
}

function mayMatch({ routes, excluded }: Requirements, program: string, facets: number): boolean {
  if (excluded.has(program)) return false;
  if (routes === null) return true;
  return routes.some((r) => (r.programs === null || r.programs.has(program)) && (r.facets & facets) === r.facets);
}
