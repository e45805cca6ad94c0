/** Plain text tables for terminals: columns padded, the last one cut to the terminal width. */
export function renderTable(headers: string[], rows: string[][], width = 160): string {
  const widths = headers.map((h, i) => Math.max(displayLength(h), ...rows.map((r) => displayLength(r[i] ?? ''))));
  const fixed = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
  widths[widths.length - 1] = Math.max(10, Math.min(widths.at(-1)!, width - fixed));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? cut(c, widths[i]!) : pad(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
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

function cut(s: string, w: number): string {
  const chars = [...s];
  return chars.length <= w ? s : `${chars.slice(0, w - 1).join('')}…`;
}
