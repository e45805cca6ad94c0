import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import { describeIssues, type SchemaIssue } from '../../../detectors/schema-issues.js';
import type { Alert } from '../alert.js';
import { globMatch } from './glob.js';

const patterns = z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(2048))).check(z.minLength(1)));

/** One suppression: every field given must match (AND); within a field, any pattern (OR). `*` and `?` are globs. */
const SuppressionSchema = z
  .strictObject({
    id: z.string().check(z.minLength(1), z.maxLength(128)),
    reason: z.string().check(z.minLength(1), z.maxLength(1000)),
    rules: patterns,
    /** Matched against the actor's principal ARN, name and e-mail. */
    principals: patterns,
    instances: patterns,
    accounts: patterns,
    /** Last day the suppression applies (inclusive, UTC), e.g. 2026-12-31. */
    expires: z.optional(z.iso.date()),
  })
  .check(
    z.refine((s) => Boolean(s.rules || s.principals || s.instances || s.accounts), {
      message: 'a suppression needs at least one of rules, principals, instances, accounts',
    }),
  );

const FileSchema = z.strictObject({ suppressions: z.array(SuppressionSchema) });

export type Suppression = z.infer<typeof SuppressionSchema>;

export class SuppressionFileError extends Error {
  override name = 'SuppressionFileError';
}

/** Parses a suppression file (YAML or JSON; JSON is YAML). Throws SuppressionFileError naming what is wrong. */
export function parseSuppressions(text: string, source = 'suppressions'): Suppression[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new SuppressionFileError(`${source}: not valid YAML/JSON: ${(error as Error).message}`);
  }
  const result = z.safeParse(FileSchema, data);
  if (!result.success)
    throw new SuppressionFileError(`${source}: ${describeIssues(result.error.issues as SchemaIssue[])}`);
  const ids = new Set<string>();
  for (const s of result.data.suppressions) {
    if (ids.has(s.id)) throw new SuppressionFileError(`${source}: duplicate suppression id ${s.id}`);
    ids.add(s.id);
  }
  return result.data.suppressions;
}

const any = (list: string[] | undefined, values: (string | null | undefined)[]) =>
  !list || list.some((p) => values.some((v) => v != null && globMatch(p, v)));

export function suppressionMatches(s: Suppression, alert: Alert, now: Date = new Date()): boolean {
  if (s.expires && now.toISOString().slice(0, 10) > s.expires) return false;
  return (
    any(s.rules, [alert.ruleId]) &&
    any(s.principals, [alert.actor?.principalArn, alert.actor?.name, alert.actor?.email]) &&
    any(s.instances, [alert.instanceId]) &&
    any(s.accounts, [alert.account ?? alert.actor?.account])
  );
}

export interface SuppressionResult {
  kept: Alert[];
  suppressed: { alert: Alert; suppressionId: string }[];
}

export function applySuppressions(
  alerts: readonly Alert[],
  suppressions: readonly Suppression[],
  now = new Date(),
): SuppressionResult {
  const result: SuppressionResult = { kept: [], suppressed: [] };
  for (const alert of alerts) {
    const by = suppressions.find((s) => suppressionMatches(s, alert, now));
    if (by) result.suppressed.push({ alert, suppressionId: by.id });
    else result.kept.push(alert);
  }
  return result;
}
