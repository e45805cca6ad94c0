import type { Evidence } from '../../detectors/model.js';
import type { Alert } from '../alerts/alert.js';
import { type RedactionKind, RULES } from './rules.js';

export type RedactionCounts = Partial<Record<RedactionKind, number>>;

/** Shared between callers (recent results are kept): read-only. */
export interface Redacted {
  readonly text: string;
  readonly counts: Readonly<RedactionCounts>;
  readonly total: number;
}

const MASK_PREFIX = '[REDACTED';
export const mask = (kind: RedactionKind) => `${MASK_PREFIX}:${kind}]`;
const MASKS = /\[REDACTED:[a-z-]{1,40}\]/g;

/** [start, end) of the masks already in `text`. */
function maskRanges(text: string): [number, number][] {
  return text.includes(MASK_PREFIX) ? [...text.matchAll(MASKS)].map((m) => [m.index, m.index + m[0].length]) : [];
}

/**
 * Masks `secret` (found at `at` in `text`) except where it overlaps masks already there, so that a rule never eats
 * into an earlier mask (which would make redaction non-idempotent) yet no unmasked part survives.
 */
function maskAround(
  secret: string,
  at: number,
  ranges: [number, number][],
  kind: RedactionKind,
): { text: string; masked: boolean } {
  const overlapping = ranges.filter(([s, e]) => s < at + secret.length && e > at);
  if (!overlapping.length) return { text: mask(kind), masked: true };
  let out = '';
  let cursor = 0;
  let masked = false;
  for (const [s, e] of overlapping) {
    const from = Math.max(0, s - at);
    const gap = secret.slice(cursor, from);
    if (gap.trim()) {
      out += mask(kind);
      masked = true;
    } else out += gap;
    out += secret.slice(from, Math.min(secret.length, e - at));
    cursor = Math.min(secret.length, e - at);
  }
  const tail = secret.slice(cursor);
  if (tail.trim()) {
    out += mask(kind);
    masked = true;
  } else out += tail;
  return { text: out, masked };
}

/**
 * Results for texts seen lately: an alert's command, working directory and session reason recur across its
 * detections, its session's alerts and the second pass at delivery. Long texts (pastes) are not kept.
 */
const recent = new Map<string, Redacted>();
const RECENT_MAX = 512;
const RECENT_TEXT_MAX = 2048;

/** Masks every secret the rules know in `text`. Idempotent: masks are never matched again. */
export function redactText(text: string): Redacted {
  if (text.length > RECENT_TEXT_MAX) return redactAll(text);
  let r = recent.get(text);
  if (!r) {
    if (recent.size >= RECENT_MAX) recent.clear();
    r = redactAll(text);
    Object.freeze(r.counts);
    recent.set(text, Object.freeze(r));
  }
  return r;
}

function redactAll(text: string): Redacted {
  const counts: RedactionCounts = {};
  let total = 0;
  let out = text;
  let lower: string | null = null;
  for (const rule of RULES) {
    if (rule.needs) {
      lower ??= text.toLowerCase();
      if (!rule.needs.some((literal) => lower!.includes(literal))) continue;
    }
    if (rule.when && !rule.when(text)) continue;
    rule.pattern.lastIndex = 0;
    const ranges = maskRanges(out);
    out = out.replace(rule.pattern, (...args: unknown[]) => {
      const match = args[0] as string;
      const groups = args.at(-1) as Record<string, string | undefined>;
      const offset = args.at(-3) as number;
      const secret = groups.secret;
      if (!secret || (rule.accept && !rule.accept(secret, groups))) return match;
      const pre = groups.pre ?? '';
      const replaced = maskAround(secret, offset + pre.length, ranges, rule.kind);
      if (!replaced.masked) return match;
      counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      total++;
      return pre + replaced.text + match.slice(pre.length + secret.length);
    });
  }
  return { text: out, counts, total };
}

function addCounts(into: RedactionCounts, from: Readonly<RedactionCounts>): void {
  for (const [kind, n] of Object.entries(from) as [RedactionKind, number][]) into[kind] = (into[kind] ?? 0) + n;
}

/**
 * Redacts everything user-typed an alert carries (command, evidence, working directory, session reason) and adds
 * what it masked to `redactions` / `redactionKinds`. Safe to apply twice.
 */
export function redactAlert(alert: Alert): Alert {
  const counts: RedactionCounts = { ...(alert.redactionKinds ?? {}) } as RedactionCounts;
  let total = alert.redactions ?? 0;
  const clean = (value: string): string => {
    const r = redactText(value);
    addCounts(counts, r.counts);
    total += r.total;
    return r.text;
  };
  const cleanOrNull = (value: string | null) => (value === null ? null : clean(value));
  const evidence: Evidence[] = alert.evidence.map((e) => ({
    ...e,
    value: clean(e.value),
    ...(e.detail === undefined ? {} : { detail: clean(e.detail) }),
  }));
  const redacted: Alert = {
    ...alert,
    command: clean(alert.command),
    cwd: cleanOrNull(alert.cwd),
    evidence,
    actor: alert.actor ? { ...alert.actor, reason: cleanOrNull(alert.actor.reason) } : null,
  };
  if (total > 0) {
    redacted.redactions = total;
    redacted.redactionKinds = counts;
  }
  return redacted;
}
