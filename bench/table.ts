/** Plain-text tables for the benchmark report. */

export type Cell = string | number | null;

const show = (c: Cell) => (c === null ? '–' : typeof c === 'number' ? format(c) : c);

function format(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Left-aligned first column, right-aligned numbers. */
export function table(title: string, header: string[], rows: Cell[][]): string {
  const text = [header, ...rows.map((r) => r.map(show))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [`\n${title}`, line(text[0]!), rule, ...text.slice(1).map((r) => line(r as string[]))].join('\n');
}

export const percent = (ratio: number) => `${format(ratio * 100)}%`;
