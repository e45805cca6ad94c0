import { charWidth } from './char-width.js';
import { EscapeParser, type ParserSnapshot, type TerminalActions } from './escape-parser.js';
import { isAsciiPrintable, Row, type RowData, type RowEvent } from './row.js';

/** A logical line (rows joined where the line wrapped) that the cursor has left for good. */
export interface TerminalLine {
  /** Visible text. Trailing spaces are kept: readline's are typed (it erases with ESC[K). */
  text: string;
  /** Markers seen on the line, in order, with their offset in text. */
  events: LineEvent[];
  /** Drawn on the alternate screen (a full-screen program such as vi, less or top). */
  alt: boolean;
  /** The line outgrew the length cap and lost its end. */
  truncated: boolean;
  /** The time given with the input that created the line, when the format has one. */
  time: number | null;
  /** The input ended with the cursor on this line, before any newline (a session cut mid-line). */
  endedOpen: boolean;
  /** Offset in the replayed input just after the last character written to the line (to find it again). */
  offset: number;
}

export type LineEvent = RowEvent & { offset: number };

export interface TerminalOptions {
  onLine(line: TerminalLine): void;
  /**
   * Whether a line's text is shell input being edited. Lets the terminal learn the width from readline's wrap
   * (a space and a carriage return at the last column) in sessions without bracketed-paste markers.
   */
  isInputLine?: (text: string) => boolean;
  /** The terminal width when known; by default it is unknown and learned from readline's wrapping. */
  width?: number;
  /**
   * Whether lines of plain output (printable ASCII without the characters prompts end in, then CR LF) can be passed
   * over without replaying them, because nothing downstream would look at them now. Output such as `cat` of a log
   * file then costs one regex scan.
   */
  ignoresPlainOutput?: () => boolean;
}

/**
 * Lines of printable ASCII ended by carriage returns and a line feed (how a pty prints plain output), none holding a
 * character a prompt ends in ($ # % >), so none can be a prompt.
 */
const PLAIN_OUTPUT = /(?:[\x20-\x22\x26-\x3d\x3f-\x7e]*\r*\n)+/y;
const PLAIN_LINE = /(?:[\x20-\x5d\x5f-\x7e]+\r+|\r*)\n/y;
const MIN_WIDTH = 20;
const MAX_ROWS = 2000;
const MAX_SCREEN_ROWS = 500;
const MAX_LINE_CHARS = 1 << 20;
const MAX_REPEAT = 4096;
const TAB = 8;

type RowRef = { row: number; col: number; saved?: string[] };

/** The emulator between two writes, as plain data: a transcript read in pieces resumes exactly where it stopped. */
export interface TerminalSnapshot {
  parser: ParserSnapshot;
  rows: RowData[];
  row: number;
  col: number;
  screenTop: number | null;
  width: number | null;
  insertMode: boolean;
  autowrap: boolean;
  pasteOn: boolean;
  altScreenCol: number | null;
  savedCursor: { row: number; col: number } | null;
  seq: number;
  lastChar: string;
  lastSpace: RowRef | null;
  wrapCandidate: RowRef | null;
  caretC: RowRef | null;
  caret: RowRef | null;
}

interface Screen {
  rows: Row[];
  row: number;
  col: number;
  screenTop: number | null;
}

/**
 * Replays a terminal byte stream (as decoded text) on an emulated screen and hands over each logical line once the
 * cursor has left it. Unlike a display terminal it does not know its width at first: lines are unbounded until
 * readline's wrapping shows the width, so editing of long commands replays exactly as the user saw it.
 */
export class Terminal implements TerminalActions {
  private readonly parser = new EscapeParser(this);
  private rows: Row[] = [new Row()];
  private row = 0;
  private col = 0;
  /** First row of the virtual screen that absolute cursor positioning addresses; null until a program uses one. */
  private screenTop: number | null = null;
  private width: number;
  private insertMode = false;
  private autowrap = true;
  private pasteOn = false;
  private mainScreen: Screen | null = null;
  private savedCursor: { row: number; col: number } | null = null;
  private seq = 0;
  private time: number | null = null;
  private lastChar = ' ';
  /** Set when the last action printed a run ending in a space: where that space is. */
  private lastSpace: { row: Row; col: number } | null = null;
  /** A carriage return right after such a space: maybe readline's wrap, confirmed by what follows. */
  private wrapCandidate: { row: Row; col: number } | null = null;
  /** "^C" just echoed: where, and what it overwrote (so an interrupted line keeps its text). */
  private caretC: { row: Row; col: number; saved: string[] } | null = null;
  /** A "^" just printed, in case the "C" follows in the next write. */
  private caret: { row: Row; col: number; saved: string[] } | null = null;

  constructor(private readonly options: TerminalOptions) {
    this.width = options.width ?? Number.POSITIVE_INFINITY;
  }

  /** The width in use: learned, given, or Infinity while unknown. */
  get columns(): number {
    return this.width;
  }

  snapshot(): TerminalSnapshot {
    const ref = (r: { row: Row; col: number; saved?: string[] } | null): RowRef | null =>
      r && this.rows.includes(r.row)
        ? { row: this.rows.indexOf(r.row), col: r.col, ...(r.saved ? { saved: [...r.saved] } : {}) }
        : null;
    return {
      parser: this.parser.snapshot(),
      rows: this.rows.map((r) => r.toJSON()),
      row: this.row,
      col: this.col,
      screenTop: this.screenTop,
      width: Number.isFinite(this.width) ? this.width : null,
      insertMode: this.insertMode,
      autowrap: this.autowrap,
      pasteOn: this.pasteOn,
      altScreenCol: this.mainScreen ? this.mainScreen.col : null,
      savedCursor: this.savedCursor && { ...this.savedCursor },
      seq: this.seq,
      lastChar: this.lastChar,
      lastSpace: ref(this.lastSpace),
      wrapCandidate: ref(this.wrapCandidate),
      caretC: ref(this.caretC),
      caret: ref(this.caret),
    };
  }

  static restore(s: TerminalSnapshot, options: TerminalOptions): Terminal {
    const t = new Terminal({ ...options, ...(s.width !== null ? { width: s.width } : {}) });
    t.parser.restore(s.parser);
    t.rows = s.rows.map((r) => Row.from(r));
    t.row = s.row;
    t.col = s.col;
    t.screenTop = s.screenTop;
    t.insertMode = s.insertMode;
    t.autowrap = s.autowrap;
    t.pasteOn = s.pasteOn;
    t.mainScreen = s.altScreenCol === null ? null : { rows: [], row: 0, col: s.altScreenCol, screenTop: null };
    t.savedCursor = s.savedCursor && { ...s.savedCursor };
    t.seq = s.seq;
    t.lastChar = s.lastChar;
    const deref = (r: RowRef | null) =>
      r && t.rows[r.row] ? { row: t.rows[r.row]!, col: r.col, saved: r.saved ?? [] } : null;
    t.lastSpace = deref(s.lastSpace);
    t.wrapCandidate = deref(s.wrapCandidate);
    t.caretC = deref(s.caretC);
    t.caret = deref(s.caret);
    return t;
  }

  /** True when text stands after the cursor on its row: a later erase, if any, would have removed it. */
  cursorBeforeLineEnd(): boolean {
    return this.col < this.current().length;
  }

  write(text: string, time: number | null = null): void {
    this.time = time;
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.atFreshLine()) {
        i = this.plainLines(text, i);
        if (i >= n) break;
      }
      // one line at a time: the next one may start at a fresh line again
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? n : nl + 1;
      this.parser.write(text, i, end);
      i = end;
    }
  }

  /**
   * Whole lines of plain output at a fresh line (most of a transcript's bytes): skipped when nothing downstream
   * would look at them, else written straight into rows, without the parser. Returns where the parser takes over.
   */
  private plainLines(text: string, i: number): number {
    const ignores = this.options.ignoresPlainOutput;
    while (i < text.length) {
      if (ignores?.()) {
        PLAIN_OUTPUT.lastIndex = i;
        if (PLAIN_OUTPUT.test(text)) {
          this.parser.skip(PLAIN_OUTPUT.lastIndex - i);
          i = PLAIN_OUTPUT.lastIndex;
          continue;
        }
      }
      const end = plainLineEnd(text, i);
      if (end < 0) return i;
      const stop = textEnd(text, i, end);
      if (stop > i) this.printPlain(text, i, stop);
      this.col = 0;
      this.lineFeed();
      this.parser.skip(end - i);
      i = end;
    }
    return i;
  }

  /**
   * What print, then carriage returns, then a line feed leave behind, for a run of printable ASCII without `^` at a
   * fresh line: nothing is pending there (no wrap candidate, no caret), and the carriage return clears what the run
   * could have started (a trailing space's wrap candidate is refuted by the line feed).
   */
  private printPlain(text: string, start: number, stop: number): void {
    this.printAscii(text.slice(start, stop));
    this.current().lastWrite = this.parser.offset + (stop - start);
    this.lastChar = text[stop - 1]!;
  }

  /** The cursor waits at the start of an empty last row with nothing pending: see plainLines. */
  private atFreshLine(): boolean {
    if (!this.parser.idle || this.col !== 0 || this.row !== this.rows.length - 1) return false;
    if (this.wrapCandidate || this.caret || this.caretC) return false;
    const row = this.rows[this.row]!;
    return row.length === 0 && !row.events && !row.wrapped;
  }

  /** End of input: every line is final. */
  end(): void {
    this.resolveWrap(true);
    this.leaveAltScreen();
    let start = this.row;
    while (start > 0 && this.rows[start]!.wrapped) start--;
    this.rows[start]!.open = true;
    this.settle(this.rows.length);
    this.rows = [new Row()];
    this.row = 0;
    this.col = 0;
    this.screenTop = null;
  }

  // ---- escape-parser actions

  print(text: string, ascii = isAsciiPrintable(text)): void {
    this.resolveWrap(true);
    const caret = this.caret;
    this.caret = null;
    this.caretC = null;
    if (text === 'C' && caret && caret.row === this.current() && caret.col === this.col - 1) {
      this.printAscii(text);
      this.caretC = caret; // "^" and "C" arrived in separate writes
    } else if (text.endsWith('^C')) {
      this.printText(text.slice(0, -2), ascii);
      this.caretC = this.savedCells(2);
      this.printAscii('^C');
    } else if (text.endsWith('^')) {
      this.printText(text.slice(0, -1), ascii);
      this.caret = this.savedCells(2);
      this.printAscii('^');
    } else {
      this.printText(text, ascii);
    }
    this.current().lastWrite = this.parser.offset;
    this.lastChar = text.at(-1) ?? this.lastChar;
    this.lastSpace = this.lastChar === ' ' ? { row: this.current(), col: this.col - 1 } : null;
  }

  control(code: number): void {
    const lastSpace = this.lastSpace;
    this.lastSpace = null;
    switch (code) {
      case 0x07:
        this.event('bell');
        return;
      case 0x08:
        this.resolveWrap(false);
        this.caretC = null;
        this.eraseEchoedBlank(lastSpace);
        this.col = Math.max(0, Math.min(this.col, this.width - 1) - 1);
        return;
      case 0x09:
        this.resolveWrap(false);
        this.col = Math.min((Math.floor(this.col / TAB) + 1) * TAB, this.width - 1);
        return;
      case 0x0a:
      case 0x0b:
      case 0x0c:
        // a space, carriage returns, then a line feed: a typed trailing space and Enter, not a wrap
        this.resolveWrap(false);
        this.endCaretC(!this.pasteOn);
        this.lineFeed();
        return;
      case 0x0d:
        this.endCaretC(!this.pasteOn);
        if (lastSpace && !this.wrapCandidate) this.considerWrap(lastSpace);
        this.col = 0;
        return;
    }
  }

  csi(final: string, params: number[], prefix: string, intermediates: string): void {
    this.lastSpace = null;
    if (intermediates) return;
    const n = Math.max(1, params[0] ?? 1);
    if (prefix === '?' && (final === 'h' || final === 'l')) {
      for (const p of params) this.privateMode(p, final === 'h');
      return;
    }
    if (prefix) return;
    switch (final) {
      case 'A':
        this.resolveWrap(true);
        this.row = Math.max(0, this.row - n);
        this.clampCol();
        return;
      case 'B':
        this.resolveWrap(true);
        this.moveDown(n);
        return;
      case 'C':
        this.resolveWrap(false);
        this.col = Math.min(this.col + n, this.width - 1);
        return;
      case 'D':
        this.resolveWrap(false);
        this.col = Math.max(0, Math.min(this.col, this.width - 1) - n);
        return;
      case 'E':
      case 'F':
        this.resolveWrap(false);
        if (final === 'E') this.moveDown(n);
        else this.row = Math.max(0, this.row - n);
        this.col = 0;
        return;
      case 'G':
      case '`':
        this.resolveWrap(false);
        this.col = Math.min(n - 1, this.width - 1);
        return;
      case 'H':
      case 'f':
        this.resolveWrap(false);
        this.moveToScreenRow(n - 1);
        this.col = Math.min(Math.max(1, params[1] ?? 1) - 1, this.width - 1);
        return;
      case 'd':
        this.resolveWrap(false);
        this.moveToScreenRow(n - 1);
        return;
      case 'J':
        this.eraseDisplay(params[0] ?? 0);
        return;
      case 'K': {
        const mode = params[0] ?? 0;
        const row = this.current();
        if (mode === 1) row.eraseTo(this.col);
        else {
          if (mode === 0) row.eraseFrom(this.col);
          else row.clear();
          this.unwrapBelow(this.row);
        }
        return;
      }
      case 'P':
        this.resolveWrap(false);
        this.current().deleteChars(this.col, n);
        return;
      case '@':
        this.resolveWrap(false);
        this.current().insertBlanks(this.col, n);
        this.fitRow(this.current());
        return;
      case 'X':
        this.current().eraseChars(this.col, n);
        return;
      case 'L':
        this.rows.splice(this.row, 0, ...Array.from({ length: Math.min(n, MAX_SCREEN_ROWS) }, () => this.newRow()));
        return;
      case 'M':
        this.rows.splice(this.row, Math.min(n, this.rows.length - this.row - 1));
        return;
      case 'b':
        this.print(this.lastChar.repeat(Math.min(n, MAX_REPEAT)));
        return;
      case 'h':
      case 'l':
        if (params.includes(4)) this.insertMode = final === 'h';
        return;
      case 's':
        this.saveCursor();
        return;
      case 'u':
        this.restoreCursor();
        return;
    }
  }

  esc(final: string, intermediates: string): void {
    this.lastSpace = null;
    if (intermediates) return; // charset designations and the like change nothing we keep
    switch (final) {
      case '7':
        this.saveCursor();
        return;
      case '8':
        this.restoreCursor();
        return;
      case 'D':
        this.lineFeed();
        return;
      case 'E':
        this.col = 0;
        this.lineFeed();
        return;
      case 'M':
        this.row = Math.max(0, this.row - 1);
        return;
      case 'c':
        this.reset();
        return;
    }
  }

  osc(text: string): void {
    const m = /^([02]);(.*)$/s.exec(text);
    if (m) this.current().addEvent({ kind: 'title', col: this.col, seq: this.seq++, text: m[2]!.slice(0, 512) });
  }

  // ---- modes

  private privateMode(mode: number, on: boolean): void {
    switch (mode) {
      case 2004:
        this.resolveWrap(!on);
        if (!on) this.endCaretC(true);
        if (!this.mainScreen) this.settleAboveCursorLine();
        this.pasteOn = on;
        this.event(on ? 'paste-on' : 'paste-off');
        return;
      case 1049:
      case 1047:
      case 47:
        if (on) this.enterAltScreen();
        else this.leaveAltScreen();
        return;
      case 7:
        this.autowrap = on;
        return;
    }
  }

  /**
   * A full-screen program takes over. Everything drawn so far is final (the main screen's content comes back when
   * it leaves, but nothing in it changes meanwhile); only the cursor position is kept.
   */
  private enterAltScreen(): void {
    if (this.mainScreen) return;
    this.resolveWrap(false);
    this.settle(this.rows.length);
    this.mainScreen = { rows: [], row: 0, col: this.col, screenTop: null };
    this.rows = [this.newRow()];
    this.row = 0;
    this.col = 0;
    this.screenTop = null;
  }

  private leaveAltScreen(): void {
    const main = this.mainScreen;
    if (!main) return;
    this.settle(this.rows.length);
    this.mainScreen = null;
    this.rows = [this.newRow()];
    this.row = 0;
    this.col = main.col;
    this.screenTop = null;
  }

  private reset(): void {
    this.leaveAltScreen();
    this.settle(this.rows.length);
    this.rows = [this.newRow()];
    this.row = this.col = 0;
    this.screenTop = null;
    this.insertMode = false;
    this.autowrap = true;
    this.pasteOn = false;
  }

  // ---- writing

  /** `ascii` when text is known to be printable ASCII (else it is checked). */
  private printText(text: string, ascii: boolean): void {
    if (!text) return;
    if (ascii || isAsciiPrintable(text)) this.printAscii(text);
    else for (const ch of text) this.printChar(ch, charWidth(ch.codePointAt(0)!));
  }

  private printAscii(s: string): void {
    let rest = s;
    while (rest.length > 0) {
      if (this.col >= this.width && !this.wrapLine()) return;
      const row = this.current();
      const room = Math.min(this.width - this.col, MAX_LINE_CHARS - this.col);
      if (row.truncated || room <= 0) {
        row.truncated = true;
        return;
      }
      const chunk = room >= rest.length ? rest : rest.slice(0, room);
      row.writeAscii(this.col, chunk, this.insertMode);
      if (this.insertMode) this.fitRow(row);
      this.col += chunk.length;
      rest = rest.slice(chunk.length);
    }
  }

  private printChar(ch: string, width: 0 | 1 | 2): void {
    if (width === 0) {
      this.current().writeCell(this.col, ch, 0, false);
      return;
    }
    if (this.col + width > this.width && !this.wrapLine()) return;
    const row = this.current();
    if (row.truncated || this.col >= MAX_LINE_CHARS) {
      row.truncated = true;
      return;
    }
    row.writeCell(this.col, ch, width, this.insertMode);
    if (this.insertMode) this.fitRow(row);
    this.col += width;
  }

  /** Moves to the start of the next row, which continues this line. False when the line is at its length cap. */
  private wrapLine(): boolean {
    if (!this.autowrap) {
      this.col = this.width - 1;
      return true;
    }
    const from = this.current();
    if (from.lineIndex * this.width > MAX_LINE_CHARS) {
      from.truncated = true;
      return false;
    }
    this.row++;
    const row = this.ensureRow(this.row);
    row.wrapped = true;
    row.lineIndex = from.lineIndex + 1;
    this.col = 0;
    return true;
  }

  /** Characters pushed past the right margin by an insertion are lost, as on a real terminal. */
  private fitRow(row: Row): void {
    if (Number.isFinite(this.width) && row.length > this.width) row.eraseFrom(this.width);
  }

  private lineFeed(): void {
    this.clampCol();
    this.moveDown(1);
    if (this.rows.length > MAX_ROWS) this.settleAboveCursorLine();
  }

  private moveDown(n: number): void {
    this.row = Math.min(this.row + n, this.rows.length - 1 + MAX_SCREEN_ROWS);
    this.ensureRow(this.row);
  }

  private clampCol(): void {
    if (this.col >= this.width) this.col = this.width - 1;
  }

  /**
   * Absolute row positioning. The screen's top is unknown (so is its height): a full-screen draw starts a fresh
   * virtual screen below everything kept, and rows above it are final.
   */
  private moveToScreenRow(r: number): void {
    if (this.screenTop === null) this.freshScreen();
    this.row = this.screenTop! + Math.min(r, MAX_SCREEN_ROWS);
    this.ensureRow(this.row);
  }

  /** Everything drawn so far is final; a new screen starts with the cursor at the same height. */
  private freshScreen(): void {
    const offset = this.screenTop === null ? 0 : Math.min(Math.max(0, this.row - this.screenTop), MAX_SCREEN_ROWS);
    this.settle(this.rows.length);
    this.screenTop = 0;
    this.row = offset;
    this.ensureRow(this.row);
  }

  /** Erasing a row's end ends its line there: the next row no longer continues it (xterm does the same). */
  private unwrapBelow(index: number): void {
    const next = this.rows[index + 1];
    if (next?.wrapped) {
      next.wrapped = false;
      next.lineIndex = 0;
    }
  }

  private eraseDisplay(mode: number): void {
    if (mode === 3) return; // scrollback only
    if (mode === 2) {
      this.freshScreen();
      return;
    }
    const row = this.current();
    if (mode === 0) {
      row.eraseFrom(this.col);
      for (let i = this.row + 1; i < this.rows.length; i++) {
        this.rows[i]!.clear();
        this.rows[i]!.wrapped = false;
      }
    } else {
      row.eraseTo(this.col);
      for (let i = this.screenTop ?? this.row; i < this.row; i++) this.rows[i]!.clear();
    }
  }

  private saveCursor(): void {
    this.savedCursor = { row: this.row, col: this.col };
  }

  private restoreCursor(): void {
    if (!this.savedCursor) return;
    this.row = Math.min(this.savedCursor.row, this.rows.length - 1);
    this.col = this.savedCursor.col;
  }

  /**
   * The tty's erase echo is backspace, space, backspace: a blank written at the end of a line and stepped back
   * over is an erased cell, not a typed space (readline erases with ESC[K instead, so its spaces are real).
   */
  private eraseEchoedBlank(lastSpace: { row: Row; col: number } | null): void {
    const row = this.current();
    if (this.pasteOn) return;
    if (lastSpace?.row === row && lastSpace.col === this.col - 1 && row.length === this.col) {
      row.eraseFrom(lastSpace.col);
    }
  }

  // ---- readline's wrap: learning the width

  /**
   * readline, having printed the last column, prints a space and a carriage return so the cursor lands on the next
   * row whatever the terminal's wrapping quirks. Seen in shell input on the first row of a line, it tells the width.
   */
  private considerWrap(space: { row: Row; col: number }): void {
    const row = this.current();
    if (space.row !== row || row.wrapped || space.col < MIN_WIDTH) return;
    if (Number.isFinite(this.width) && space.col === this.width) return;
    if (!this.inputHint(row)) return;
    this.wrapCandidate = space;
  }

  /** The row readline's prompt was drawn on (bracketed paste switched on there), or one that reads as a prompt. */
  private inputHint(row: Row): boolean {
    if (this.pasteOn && !this.mainScreen && row.events?.some((e) => e.kind === 'paste-on')) return true;
    return this.options.isInputLine?.(row.toString()) ?? false;
  }

  /**
   * What follows the carriage return decides: text or a vertical move confirms a wrap; a horizontal move or a line
   * feed (Enter after a trailing space) refutes it.
   */
  private resolveWrap(confirm: boolean): void {
    const candidate = this.wrapCandidate;
    if (!candidate) return;
    this.wrapCandidate = null;
    if (!confirm || candidate.row !== this.current()) return;
    this.width = candidate.col;
    const at = this.row;
    this.rows.splice(at, 1, ...this.splitRow(candidate.row, this.width));
    this.row = at + 1;
    this.col = 0;
  }

  private splitRow(row: Row, width: number): Row[] {
    const cells = row.sliceCells(0);
    const out: Row[] = [];
    for (let start = 0; start < cells.length || out.length === 0; start += width) {
      const piece = out.length === 0 ? row : this.newRow();
      piece.setCells(cells.slice(start, start + width));
      if (out.length > 0) {
        piece.wrapped = true;
        piece.lineIndex = out.length;
      }
      out.push(piece);
    }
    return out;
  }

  // ---- Ctrl-C

  /** The cursor position and the cells about to be overwritten there. */
  private savedCells(n: number): { row: Row; col: number; saved: string[] } {
    const row = this.current();
    return { row, col: this.col, saved: row.sliceCells(this.col, this.col + n) };
  }

  /** An echoed ^C followed by the end of input (or readline giving up) is an interrupt, not typed text. */
  private endCaretC(isInterrupt: boolean): void {
    const c = this.caretC;
    this.caretC = null;
    if (!c || !isInterrupt) return;
    const cells = c.row.sliceCells(0);
    cells.splice(c.col, 2, ...c.saved);
    c.row.setCells(cells);
    c.row.addEvent({ kind: 'interrupt', col: c.col, seq: this.seq++ });
  }

  // ---- rows and settling

  private current(): Row {
    return this.ensureRow(this.row);
  }

  private ensureRow(index: number): Row {
    while (this.rows.length <= index) this.rows.push(this.newRow());
    return this.rows[index]!;
  }

  private newRow(): Row {
    const row = new Row();
    row.alt = this.mainScreen !== null;
    row.time = this.time;
    return row;
  }

  private event(kind: 'paste-on' | 'paste-off' | 'bell'): void {
    this.current().addEvent({ kind, col: this.col, seq: this.seq++ });
  }

  /** Hands over every logical line above the one under the cursor. */
  private settleAboveCursorLine(): void {
    let start = this.row;
    while (start > 0 && this.rows[start]!.wrapped) start--;
    if (start > 0) this.settle(start);
  }

  /** Emits rows[0..count) as logical lines and drops them. */
  private settle(count: number): void {
    if (count <= 0) return;
    const done = this.rows.splice(0, count);
    this.row = Math.max(0, this.row - count);
    if (this.screenTop !== null) this.screenTop = this.screenTop >= count ? this.screenTop - count : null;
    if (this.savedCursor) this.savedCursor.row = Math.max(0, this.savedCursor.row - count);
    if (this.rows.length === 0) this.rows.push(this.newRow());
    let start = 0;
    for (let i = 1; i <= done.length; i++) {
      if (i === done.length || !done[i]!.wrapped) {
        this.options.onLine(toLine(done, start, i));
        start = i;
      }
    }
  }
}

/**
 * Just after the line of plain output starting at i (see printPlain), or -1: printable ASCII without `^` (which
 * may start an echoed `^C`), carriage returns (at least one after any text, so the line feed finds column 0), a
 * line feed.
 */
function plainLineEnd(text: string, i: number): number {
  PLAIN_LINE.lastIndex = i;
  return PLAIN_LINE.test(text) ? PLAIN_LINE.lastIndex : -1;
}

/** Where the text of the plain line [start, end) ends: before its carriage returns and line feed. */
function textEnd(text: string, start: number, end: number): number {
  let stop = end - 1;
  while (stop > start && text.charCodeAt(stop - 1) === 0x0d) stop--;
  return stop;
}

/** The logical line of rows[start, end). */
function toLine(rows: Row[], start: number, end: number): TerminalLine {
  let text = '';
  const events: LineEvent[] = [];
  let rowsWithEvents = 0;
  let truncated = false;
  let offset = 0;
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    offset = Math.max(offset, row.lastWrite);
    if (row.events) {
      rowsWithEvents++;
      for (const e of row.events) events.push(lineEvent(e, text.length + row.textOffset(e.col)));
    }
    text += row.toString();
    truncated ||= row.truncated;
  }
  // each row's events are in order already
  if (rowsWithEvents > 1) events.sort((a, b) => a.seq - b.seq);
  const first = rows[start]!;
  return { text, events, alt: first.alt, truncated, time: first.time, endedOpen: first.open, offset };
}

/** The event with its offset in the line's text (built field by field: an object spread is slow here). */
function lineEvent(e: RowEvent, offset: number): LineEvent {
  return e.kind === 'title'
    ? { kind: e.kind, col: e.col, seq: e.seq, text: e.text, offset }
    : { kind: e.kind, col: e.col, seq: e.seq, offset };
}
