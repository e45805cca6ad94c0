/** A table column: a header, and how it gives way when the terminal is narrow. */
export interface Column {
  header: string;
  /** Values longer than this are cut. */
  max?: number;
  /** `middle` keeps both ends (session ids: the name and the end of the suffix), else the start is kept. */
  cut?: 'end' | 'middle';
  /** When the terminal is too narrow, columns with a drop rank go, highest rank first. */
  drop?: number;
}

/** Styles a padded cell (colour); `row` is -1 for the header. Applied after layout, so widths stay right. */
export type CellStyle = (row: number, column: number, text: string) => string;

/** Room the last column (the command) keeps before other columns are dropped. */
const LAST_MIN = 40;

/**
 * Plain text tables for terminals: columns padded, long values cut (ids in the middle), optional columns dropped on
 * narrow terminals, and the last column (the command, the thing read) cut to the terminal width.
 */
export function renderTable(
  columns: (string | Column)[],
  rows: string[][],
  width = 160,
  style: CellStyle = (_r, _c, t) => t,
): string {
  const specs = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const natural = specs.map((s, i) =>
    Math.min(
      s.max ?? Number.POSITIVE_INFINITY,
      Math.max(displayLength(s.header), ...rows.map((r) => displayLength(r[i] ?? ''))),
    ),
  );
  const shown = specs.map((_, i) => i);
  const fixedWidth = () => shown.slice(0, -1).reduce((sum, i) => sum + natural[i]! + 2, 0);
  for (;;) {
    if (fixedWidth() + LAST_MIN <= width) break;
    const droppable = shown.slice(0, -1).filter((i) => specs[i]!.drop !== undefined);
    if (droppable.length === 0) break;
    const victim = droppable.reduce((a, b) => (specs[b]!.drop! > specs[a]!.drop! ? b : a));
    shown.splice(shown.indexOf(victim), 1);
  }
  const lastIndex = shown.at(-1)!;
  const widths = [...natural];
  widths[lastIndex] = Math.max(10, Math.min(natural[lastIndex]!, width - fixedWidth()));

  const line = (cells: string[], row: number) =>
    shown
      .map((i) => {
        const spec = specs[i]!;
        const fitted = fitCell(cells[i] ?? '', widths[i]!, spec.cut ?? 'end');
        return style(row, i, i === lastIndex ? fitted : pad(fitted, widths[i]!));
      })
      .join('  ')
      .trimEnd();
  return (
    [
      line(
        specs.map((s) => s.header),
        -1,
      ),
      shown.map((i) => '-'.repeat(widths[i]!)).join('  '),
      ...rows.map((r, n) => line(r, n)),
    ].join('\n') + '\n'
  );
}

/** Control characters shown as visible escapes so a transcript can never drive the reader's terminal. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) =>
    c === '\n' ? '⏎' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

function displayLength(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - displayLength(s)));
}

function fitCell(s: string, w: number, cut: 'end' | 'middle'): string {
  const chars = [...s];
  if (chars.length <= w) return s;
  if (cut === 'middle' && w >= 12) {
    const tail = 6;
    return `${chars.slice(0, w - 1 - tail).join('')}…${chars.slice(-tail).join('')}`;
  }
  return `${chars.slice(0, w - 1).join('')}…`;
}
