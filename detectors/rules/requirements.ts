/**
 * What a rule's `match:` requires of every command it can match, so the engine can index rules and a command meets
 * only the rules that can match it. A condition is summarised as routes (one way in: the program is one of a set and
 * the command shows some facets, e.g. "rm with an argument" or "any program that writes a file") and the programs it
 * excludes (`not: {program: …}`). Everything here is a necessary condition: a rule that does not pass its index could
 * not have matched.
 */
import { hasWildcard } from '../match/glob.js';
import { Facet } from './facts.js';
import type { ConditionInput } from './schema.js';

export interface Route {
  /** Lowercase program names; null: any program. */
  programs: ReadonlySet<string> | null;
  /** Facet bits (facts.ts) the command must all show. */
  facets: number;
}

export interface Requirements {
  /** A matching command takes one of these routes; null when nothing narrower than "any command" is known. */
  routes: Route[] | null;
  /** Programs the condition never matches. */
  excluded: ReadonlySet<string>;
}

/** Combining the alternatives of several `any:` lists multiplies routes; past this many, one list is left out. */
const MAX_ROUTES = 32;

/** The facet each field of a condition requires when present. */
function fieldFacets(cond: ConditionInput): number {
  let facets = 0;
  if (
    cond.url_scheme !== undefined ||
    cond.url_regex !== undefined ||
    cond.host !== undefined ||
    cond.port !== undefined ||
    cond.ioc !== undefined
  )
    facets |= Facet.destination;
  if (cond.redirect_to !== undefined) facets |= Facet.writes;
  if (cond.files !== undefined) facets |= Facet.namesFiles;
  if (
    cond.flags !== undefined ||
    cond.flags_all !== undefined ||
    cond.args !== undefined ||
    cond.args_all !== undefined ||
    cond.first_arg !== undefined ||
    cond.arg_regex !== undefined ||
    (cond.min_args ?? 0) > 0
  )
    facets |= Facet.args;
  if (cond.assigns !== undefined) facets |= Facet.assigns;
  if (cond.pipe_from !== undefined) facets |= Facet.pipeFrom;
  if (cond.pipe_to !== undefined) facets |= Facet.pipeTo;
  if (cond.runs_downloaded === true) facets |= Facet.runsDownloaded;
  if (cond.decoded === true) facets |= Facet.decoded;
  if (cond.elevated === true) facets |= Facet.elevated;
  if (cond.interactive === true) facets |= Facet.interactive;
  return facets;
}

/** The exact program names of a `program:` list, or null when a pattern makes it open-ended. */
function exactPrograms(list: string[] | undefined): Set<string> | null {
  if (!list || list.some(hasWildcard)) return null;
  return new Set(list.map((p) => p.toLowerCase()));
}

/** Routes that satisfy both lists of routes (a command must take a route of each). */
function both(a: Route[], b: Route[]): Route[] {
  const out: Route[] = [];
  for (const x of a) {
    for (const y of b) {
      const programs =
        x.programs === null ? y.programs : y.programs === null ? x.programs : intersect(x.programs, y.programs);
      if (programs !== null && programs.size === 0) continue; // no program can take both routes
      out.push({ programs, facets: x.facets | y.facets });
    }
  }
  return out;
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  return new Set([...a].filter((p) => b.has(p)));
}

/**
 * Programs that make the condition true whatever else the command does (`program: [a, b]` alone, or any of such);
 * patterns left out.
 */
function programsThatMatch(cond: ConditionInput): Set<string> | null {
  const keys = Object.keys(cond);
  if (keys.length === 1 && keys[0] === 'program')
    return new Set(cond.program!.filter((p) => !hasWildcard(p)).map((p) => p.toLowerCase()));
  if (keys.length === 1 && keys[0] === 'any') {
    const out = new Set<string>();
    for (const alt of cond.any!) for (const p of programsThatMatch(alt) ?? []) out.add(p);
    return out;
  }
  return null;
}

export function requirementsOf(cond: ConditionInput): Requirements {
  let routes: Route[] = [{ programs: exactPrograms(cond.program), facets: fieldFacets(cond) }];
  const excluded = new Set<string>();
  const add = (more: Route[] | null) => {
    if (more === null) return;
    const combined = both(routes, more);
    if (combined.length <= MAX_ROUTES) routes = combined;
  };
  for (const child of cond.all ?? []) {
    const r = requirementsOf(child);
    add(r.routes);
    for (const p of r.excluded) excluded.add(p);
  }
  if (cond.any) {
    const alternatives = cond.any.map(requirementsOf);
    add(alternatives.some((a) => a.routes === null) ? null : alternatives.flatMap((a) => a.routes!));
    const [first, ...rest] = alternatives;
    for (const p of first!.excluded) if (rest.every((a) => a.excluded.has(p))) excluded.add(p);
  }
  if (cond.not) for (const p of programsThatMatch(cond.not) ?? []) excluded.add(p);
  routes = routes
    .map((r) => (r.programs ? { ...r, programs: new Set([...r.programs].filter((p) => !excluded.has(p))) } : r))
    .filter((r) => r.programs === null || r.programs.size > 0);
  const open = routes.some((r) => r.programs === null && r.facets === 0);
  return { routes: open ? null : routes, excluded };
}

/** Every route names its programs: the rule matches only commands running one of them. */
export function programsOnly(req: Requirements): ReadonlySet<string> | null {
  if (!req.routes?.every((r) => r.programs !== null)) return null;
  return new Set(req.routes.flatMap((r) => [...r.programs!]));
}

export function requiresFacet(req: Requirements, facet: number): boolean {
  return req.routes?.every((r) => (r.facets & facet) !== 0) ?? false;
}
