const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,6})([smhd])$/;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** `90s`, `15m`, `2h`, `1d` → milliseconds. Throws DurationError naming the bad value. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = DURATION.exec(text.trim());
  if (!m)
    throw new DurationError(
      `${what} must be a number followed by s, m, h or d (e.g. 15m), not ${JSON.stringify(text)}`,
    );
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** 900000 → `15m` (the largest unit that divides it). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) if (ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
