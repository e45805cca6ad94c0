import { mask, redactText } from '../redact/redact.js';
import type { RedactionKind } from '../redact/rules.js';

/** A transcript with its secrets masked, and where each position of the original text went. */
export interface RedactedTranscript {
  text: string;
  /** Secrets masked. */
  masked: number;
  /** The position in `text` of a position of the original (inside a masked secret: just after its mask). */
  at(offset: number): number;
}

/** A stretch of the original text and what became of it: copied as is, or replaced by a mask. */
interface Piece {
  from: number;
  to: number;
  outFrom: number;
  outTo: number;
  copied: boolean;
}

const MASK = /\[REDACTED:[a-z-]{1,40}\]/g;
/** Typed secrets shorter than this are not hunted elsewhere in the transcript: too many false hits. */
const MIN_SECRET = 6;

/**
 * Masks a transcript's secrets as alerts are masked (forwarder/redact), over the whole text so that secrets spread
 * over lines (a pasted key) are seen whole; then masks every other appearance of the secrets the user typed
 * (`knownSecrets`, from {@link typedSecrets}), such as a password echoed back by a later command.
 */
export function redactTranscript(text: string, knownSecrets: readonly TypedSecret[] = []): RedactedTranscript {
  const first = redactText(text);
  const firstPieces = first.total > 0 ? align(text, first.text) : null;
  const second = maskLiterals(first.text, knownSecrets);
  return {
    text: second.text,
    masked: first.total + second.masked,
    at: (offset) => {
      const inFirst = firstPieces ? mapThrough(firstPieces, offset) : offset;
      return second.pieces ? mapThrough(second.pieces, inFirst) : inFirst;
    },
  };
}

export interface TypedSecret {
  value: string;
  kind: RedactionKind;
}

/** The secrets the redactor finds in commands, as typed (so they can be masked wherever else they appear). */
export function typedSecrets(commands: Iterable<string>): TypedSecret[] {
  const found = new Map<string, TypedSecret>();
  for (const command of commands) {
    const redacted = redactText(command);
    if (redacted.total === 0) continue;
    for (const p of align(command, redacted.text)) {
      if (p.copied) continue;
      const kind = /^\[REDACTED:([a-z-]+)\]/.exec(redacted.text.slice(p.outFrom, p.outTo))?.[1] as RedactionKind;
      const value = command.slice(p.from, p.to);
      for (const v of [value, unquote(value)]) {
        if (v.length >= MIN_SECRET && !v.includes('\n')) found.set(v, { value: v, kind });
      }
    }
  }
  return [...found.values()];
}

function unquote(s: string): string {
  return /^(['"]).*\1$/s.test(s) ? s.slice(1, -1) : s;
}

/**
 * Lines up a text with its redacted version. The redacted text is the original with some stretches replaced by
 * masks; masks already in the original are copied through.
 */
function align(original: string, redacted: string): Piece[] {
  const pieces: Piece[] = [];
  // the redacted text as literal runs and masks, alternately: [literal, mask, literal, ..., literal]
  const parts: { text: string; mask: boolean }[] = [];
  let last = 0;
  for (const m of redacted.matchAll(MASK)) {
    parts.push({ text: redacted.slice(last, m.index), mask: false }, { text: m[0], mask: true });
    last = m.index + m[0].length;
  }
  parts.push({ text: redacted.slice(last), mask: false });

  let i = 0; // in original
  let j = 0; // in redacted
  let pending: { from: number; outFrom: number } | null = null; // a replaced stretch whose end is not known yet
  const copy = (length: number) => {
    if (length > 0) pieces.push({ from: i, to: i + length, outFrom: j, outTo: j + length, copied: true });
    i += length;
    j += length;
  };
  for (const [index, part] of parts.entries()) {
    if (part.mask && !pending && original.startsWith(part.text, i)) {
      copy(part.text.length); // a mask that was in the original
      continue;
    }
    if (part.mask) {
      pending ??= { from: i, outFrom: j };
      j += part.text.length;
      continue;
    }
    if (pending) {
      if (!part.text && index < parts.length - 1) continue; // two masks side by side: one replaced stretch
      // the replaced stretch ends where this literal run starts again in the original
      const at = part.text ? findRun(original, part.text, pending.from + 1) : original.length;
      const end = at < 0 ? original.length : at;
      pieces.push({ from: pending.from, to: end, outFrom: pending.outFrom, outTo: j, copied: false });
      i = end;
      pending = null;
      if (at < 0) return pieces; // cannot happen with the redactor's output; positions stay approximate
    }
    copy(part.text.length);
  }
  return pieces;
}

/** Where `run` appears in `text` from `from` on (searched by a short prefix, then checked whole). */
function findRun(text: string, run: string, from: number): number {
  const probe = run.slice(0, 64);
  for (let at = text.indexOf(probe, from); at >= 0; at = text.indexOf(probe, at + 1)) {
    if (probe.length === run.length || text.startsWith(run, at)) return at;
  }
  return -1;
}

function mapThrough(pieces: readonly Piece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = pieces[mid]!;
    if (offset < p.from) hi = mid - 1;
    else if (offset >= p.to) lo = mid + 1;
    else return p.copied ? p.outFrom + (offset - p.from) : p.outTo;
  }
  const before = pieces[hi];
  return before ? before.outTo + Math.max(0, offset - before.to) : offset;
}

/** Masks each literal secret wherever it appears outside the masks already there. */
function maskLiterals(
  text: string,
  secrets: readonly TypedSecret[],
): { text: string; masked: number; pieces: Piece[] | null } {
  const hits: { from: number; to: number; kind: RedactionKind }[] = [];
  for (const s of [...secrets].sort((a, b) => b.value.length - a.value.length)) {
    for (let at = text.indexOf(s.value); at >= 0; at = text.indexOf(s.value, at + s.value.length)) {
      hits.push({ from: at, to: at + s.value.length, kind: s.kind });
    }
  }
  if (hits.length === 0) return { text, masked: 0, pieces: null };
  const masks = [...text.matchAll(MASK)].map((m) => ({ from: m.index, to: m.index + m[0].length }));
  hits.sort((a, b) => a.from - b.from || b.to - a.to);
  // hits and masks in text order: a hit is kept unless it overlaps the last kept hit or a mask
  const kept: typeof hits = [];
  let m = 0;
  for (const h of hits) {
    while (m < masks.length && masks[m]!.to <= h.from) m++;
    if ((kept.at(-1)?.to ?? 0) > h.from || (m < masks.length && masks[m]!.from < h.to)) continue;
    kept.push(h);
  }
  let out = '';
  let cursor = 0;
  const pieces: Piece[] = [];
  for (const h of kept) {
    pieces.push({ from: cursor, to: h.from, outFrom: out.length, outTo: out.length + h.from - cursor, copied: true });
    out += text.slice(cursor, h.from);
    const masked = mask(h.kind);
    pieces.push({ from: h.from, to: h.to, outFrom: out.length, outTo: out.length + masked.length, copied: false });
    out += masked;
    cursor = h.to;
  }
  pieces.push({
    from: cursor,
    to: text.length,
    outFrom: out.length,
    outTo: out.length + text.length - cursor,
    copied: true,
  });
  out += text.slice(cursor);
  return { text: out, masked: kept.length, pieces };
}
