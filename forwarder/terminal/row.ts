/** A marker the terminal saw while its cursor was on a row, in the order seen (seq is global). */
export type RowEvent =
  | { kind: 'paste-on' | 'paste-off' | 'bell' | 'interrupt'; col: number; seq: number }
  | { kind: 'title'; col: number; seq: number; text: string };

export interface RowData {
  text: string;
  cells: string[] | null;
  wrapped: boolean;
  lineIndex: number;
  alt: boolean;
  truncated: boolean;
  open: boolean;
  events: RowEvent[] | null;
  time: number | null;
  lastWrite: number;
}

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * One screen row. Rows of plain ASCII keep a string (one UTF-16 unit per column, the fast path); a row that ever
 * holds anything else switches to one cell per column, where a wide character's second column is ''.
 */
export class Row {
  text = '';
  cells: string[] | null = null;
  /** This row continues the previous one (the line wrapped into it). */
  wrapped = false;
  /** Position of this row within its logical line (0 for the first row). */
  lineIndex = 0;
  alt = false;
  truncated = false;
  /** The input ended with the cursor on this row's line. */
  open = false;
  events: RowEvent[] | null = null;
  time: number | null = null;
  /** Input offset just after the last character written to this row. */
  lastWrite = 0;

  toJSON(): RowData {
    return {
      text: this.text,
      cells: this.cells,
      wrapped: this.wrapped,
      lineIndex: this.lineIndex,
      alt: this.alt,
      truncated: this.truncated,
      open: this.open,
      events: this.events,
      time: this.time,
      lastWrite: this.lastWrite,
    };
  }

  static from(data: RowData): Row {
    return Object.assign(new Row(), structuredClone(data));
  }

  get length(): number {
    return this.cells ? this.cells.length : this.text.length;
  }

  toString(): string {
    return this.cells ? this.cells.join('') : this.text;
  }

  /** Offset in toString() of the character at column col. */
  textOffset(col: number): number {
    if (!this.cells) return Math.min(col, this.text.length);
    let offset = 0;
    for (let i = 0; i < col && i < this.cells.length; i++) offset += this.cells[i]!.length;
    return offset;
  }

  addEvent(event: RowEvent): void {
    if (!this.events) this.events = [];
    if (this.events.length < 256) this.events.push(event);
  }

  /** Writes printable ASCII at col (overwriting, or inserting when insert is set). */
  writeAscii(col: number, s: string, insert: boolean): void {
    if (this.cells) {
      for (let i = 0; i < s.length; i++) this.writeCell(col + i, s[i]!, 1, insert);
      return;
    }
    const t = this.text;
    const pad = col > t.length ? ' '.repeat(col - t.length) : '';
    if (insert) this.text = t.slice(0, col) + pad + s + t.slice(col);
    else if (col >= t.length) this.text = t + pad + s;
    else this.text = t.slice(0, col) + s + t.slice(col + s.length);
  }

  /** Writes one character of the given width (1 or 2) at col; a width-0 character joins the previous cell. */
  writeCell(col: number, ch: string, width: 0 | 1 | 2, insert: boolean): void {
    const cells = this.toCells();
    if (width === 0) {
      let at = Math.min(col, cells.length) - 1;
      while (at > 0 && cells[at] === '') at--;
      if (at >= 0) cells[at] += ch;
      return;
    }
    while (cells.length < col) cells.push(' ');
    if (insert) {
      cells.splice(col, 0, ...(width === 2 ? [ch, ''] : [ch]));
      return;
    }
    this.clearHalves(col, width);
    cells[col] = ch;
    if (width === 2) cells[col + 1] = '';
  }

  /** Overwriting half of a wide character blanks its other half, as terminals do. */
  private clearHalves(col: number, width: number): void {
    const cells = this.cells!;
    if (cells[col] === '' && col > 0) cells[col - 1] = ' ';
    const end = col + width;
    if (end < cells.length && cells[end] === '') cells[end] = ' ';
  }

  eraseFrom(col: number): void {
    if (this.cells) this.cells.length = Math.min(this.cells.length, col);
    else this.text = this.text.slice(0, col);
  }

  eraseTo(col: number): void {
    const n = Math.min(col + 1, this.length);
    if (this.cells) for (let i = 0; i < n; i++) this.cells[i] = ' ';
    else this.text = ' '.repeat(n) + this.text.slice(n);
  }

  clear(): void {
    this.text = '';
    this.cells = null;
  }

  deleteChars(col: number, n: number): void {
    if (this.cells) this.cells.splice(col, n);
    else this.text = this.text.slice(0, col) + this.text.slice(col + n);
  }

  insertBlanks(col: number, n: number): void {
    if (col >= this.length) return;
    if (this.cells) this.cells.splice(col, 0, ...Array<string>(n).fill(' '));
    else this.text = this.text.slice(0, col) + ' '.repeat(n) + this.text.slice(col);
  }

  eraseChars(col: number, n: number): void {
    const end = Math.min(this.length, col + n);
    if (end <= col) return;
    if (this.cells) for (let i = col; i < end; i++) this.cells[i] = ' ';
    else this.text = this.text.slice(0, col) + ' '.repeat(end - col) + this.text.slice(end);
  }

  /** Cells [from, to) as a list (for reflowing a logical line to another width). */
  sliceCells(from: number, to = this.length): string[] {
    return this.cells ? this.cells.slice(from, to) : Array.from(this.text.slice(from, to));
  }

  setCells(cells: string[]): void {
    if (cells.every((c) => c.length === 1 && ASCII_PRINTABLE.test(c))) {
      this.cells = null;
      this.text = cells.join('');
    } else {
      this.cells = cells;
      this.text = '';
    }
  }

  private toCells(): string[] {
    if (!this.cells) {
      this.cells = Array.from(this.text);
      this.text = '';
    }
    return this.cells;
  }
}

export function isAsciiPrintable(s: string): boolean {
  return ASCII_PRINTABLE.test(s);
}
