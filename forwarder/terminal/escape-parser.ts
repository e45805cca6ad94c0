/**
 * A VT500-style escape-sequence parser (the state machine of https://vt100.net/emu/dec_ansi_parser, reduced to what
 * a transcript needs). It turns text into calls on a {@link TerminalActions}; printable runs are passed whole.
 *
 * Robustness over fidelity: strings (OSC, DCS, ...) are capped and end at a line feed, so binary garbage printed to
 * the terminal cannot swallow the rest of a session; numeric parameters are capped.
 */
export interface TerminalActions {
  /** A run of printable characters; `ascii` when it holds printable ASCII only. */
  print(text: string, ascii: boolean): void;
  control(code: number): void;
  csi(final: string, params: number[], prefix: string, intermediates: string): void;
  esc(final: string, intermediates: string): void;
  osc(text: string): void;
}

export interface ParserSnapshot {
  state: number;
  params: number[];
  current: number;
  prefix: string;
  intermediates: string;
  stringBuffer: string;
  stringEscape: boolean;
  consumed: number;
}

enum State {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  Osc,
  IgnoredString,
}

const MAX_STRING = 4096;
const MAX_PARAM = 65535;
const MAX_PARAMS = 32;

export class EscapeParser {
  private state = State.Ground;
  private params: number[] = [];
  private current = -1;
  private prefix = '';
  private intermediates = '';
  private stringBuffer = '';
  private stringEscape = false;

  /** Characters consumed before the current write: with the index in it, where in the input an action is. */
  private consumed = 0;
  private index = 0;
  /** Where in its text the current write started. */
  private from = 0;

  constructor(private readonly actions: TerminalActions) {}

  /** The parser between two writes (possibly inside a sequence), as plain data. */
  snapshot(): ParserSnapshot {
    return {
      state: this.state,
      params: [...this.params],
      current: this.current,
      prefix: this.prefix,
      intermediates: this.intermediates,
      stringBuffer: this.stringBuffer,
      stringEscape: this.stringEscape,
      consumed: this.consumed,
    };
  }

  restore(s: ParserSnapshot): void {
    this.state = s.state as State;
    this.params = [...s.params];
    this.current = s.current;
    this.prefix = s.prefix;
    this.intermediates = s.intermediates;
    this.stringBuffer = s.stringBuffer;
    this.stringEscape = s.stringEscape;
    this.consumed = s.consumed;
  }

  /** In the ground state, between sequences: plain text may be skipped over. */
  get idle(): boolean {
    return this.state === State.Ground;
  }

  /** Counts characters the caller consumed without writing them (see Terminal's output fast path). */
  skip(n: number): void {
    this.consumed += n;
  }

  /** Offset in the whole input (all writes) of the character being acted on. */
  get offset(): number {
    return this.consumed + this.index - this.from;
  }

  /** Parses text[from, to). */
  write(text: string, from = 0, to = text.length): void {
    this.from = from;
    let i = from;
    while (i < to) {
      if (this.state === State.Ground) {
        i = this.printRun(text, i, to);
        if (i === to) break;
      }
      this.index = i;
      i = this.step(text, i, to);
    }
    this.consumed += to - from;
    this.index = this.from = 0;
  }

  /** Prints the run of printable characters at i (if any); returns where it ends. */
  private printRun(text: string, i: number, to: number): number {
    // the ASCII first: a short run (most runs in interactive sessions) is scanned here, a long one natively
    const quick = Math.min(to, i + QUICK_SCAN);
    let stop = i;
    while (stop < quick && isAsciiPrintable(text.charCodeAt(stop))) stop++;
    if (stop === quick && stop < to) stop = firstMatch(NOT_ASCII_PRINTABLE, text, stop, to);
    // then, when other printable characters follow, on to the next control
    const ascii = stop === to || isControl(text.charCodeAt(stop));
    if (!ascii) stop = firstMatch(CONTROL, text, stop, to);
    this.index = stop;
    if (stop > i) this.actions.print(text.slice(i, stop), ascii);
    return stop;
  }

  /** Consumes one code unit (or a run inside a string) at i outside the ground fast path; returns the next index. */
  private step(text: string, i: number, to: number): number {
    const ch = text.charCodeAt(i);
    switch (this.state) {
      case State.Ground:
        this.ground(ch);
        return i + 1;
      case State.Escape:
        this.escape(ch);
        return i + 1;
      case State.EscapeIntermediate:
        this.escapeIntermediate(ch);
        return i + 1;
      case State.Csi:
        this.csi(ch);
        return i + 1;
      case State.Osc:
      case State.IgnoredString:
        return this.string(text, i, to);
    }
  }

  private ground(ch: number): void {
    if (ch === 0x1b) this.enter(State.Escape);
    else if (ch === 0x9b) this.enter(State.Csi);
    else if (ch === 0x9d) this.enter(State.Osc);
    else if (ch === 0x90 || ch === 0x98 || ch === 0x9e || ch === 0x9f) this.enter(State.IgnoredString);
    else if (ch < 0x20) this.actions.control(ch);
    // DEL and the remaining C1 controls are ignored, as xterm does in UTF-8 mode.
  }

  private enter(state: State): void {
    this.state = state;
    this.params = [];
    this.current = -1;
    this.prefix = '';
    this.intermediates = '';
    this.stringBuffer = '';
    this.stringEscape = false;
  }

  /** C0 controls inside a sequence are executed (VT behaviour); CAN and SUB abort it; ESC restarts. */
  private interrupt(ch: number): boolean {
    if (ch === 0x1b) {
      this.enter(State.Escape);
      return true;
    }
    if (ch === 0x18 || ch === 0x1a) {
      this.state = State.Ground;
      return true;
    }
    if (ch < 0x20) {
      this.actions.control(ch);
      return true;
    }
    return false;
  }

  private escape(ch: number): void {
    if (this.interrupt(ch)) return;
    const c = String.fromCharCode(ch);
    if (c === '[') this.enter(State.Csi);
    else if (c === ']') this.enter(State.Osc);
    else if (c === 'P' || c === 'X' || c === '^' || c === '_') this.enter(State.IgnoredString);
    else if (ch >= 0x20 && ch <= 0x2f) {
      this.intermediates = c;
      this.state = State.EscapeIntermediate;
    } else {
      this.state = State.Ground;
      if (ch >= 0x30 && ch <= 0x7e) this.actions.esc(c, '');
    }
  }

  private escapeIntermediate(ch: number): void {
    if (this.interrupt(ch)) return;
    if (ch >= 0x20 && ch <= 0x2f) {
      if (this.intermediates.length < 4) this.intermediates += String.fromCharCode(ch);
      return;
    }
    this.state = State.Ground;
    if (ch >= 0x30 && ch <= 0x7e) this.actions.esc(String.fromCharCode(ch), this.intermediates);
  }

  private csi(ch: number): void {
    if (this.interrupt(ch)) return;
    if (ch >= 0x30 && ch <= 0x39) {
      this.current = Math.min(MAX_PARAM, (this.current < 0 ? 0 : this.current * 10) + (ch - 0x30));
    } else if (ch === 0x3b || ch === 0x3a) {
      if (this.params.length < MAX_PARAMS) this.params.push(this.current);
      this.current = -1;
    } else if (ch >= 0x3c && ch <= 0x3f) {
      if (this.prefix.length < 2) this.prefix += String.fromCharCode(ch);
    } else if (ch >= 0x20 && ch <= 0x2f) {
      if (this.intermediates.length < 4) this.intermediates += String.fromCharCode(ch);
    } else if (ch >= 0x40 && ch <= 0x7e) {
      if (this.current >= 0 || this.params.length > 0) this.params.push(this.current);
      this.state = State.Ground;
      this.actions.csi(String.fromCharCode(ch), this.params, this.prefix, this.intermediates);
    } else {
      this.state = State.Ground; // a byte no CSI may hold: drop the sequence
    }
  }

  /** OSC and the ignored strings end at BEL, ST (ESC \ or 0x9c); a line feed or the cap also ends them. */
  private string(text: string, i: number, to: number): number {
    const collect = this.state === State.Osc;
    let start = i; // the string's characters from here to i are not in the buffer yet
    while (i < to) {
      const ch = text.charCodeAt(i);
      if (this.stringEscape) {
        this.stringEscape = false;
        this.finishString();
        if (ch === 0x5c) return i + 1;
        this.enter(State.Escape);
        return i; // reprocess ch as the escape's next byte
      }
      const length = this.stringBuffer.length + (collect ? i - start : 0);
      if (
        ch === 0x07 ||
        ch === 0x9c ||
        ch === 0x1b ||
        ch === 0x0a ||
        ch === 0x18 ||
        ch === 0x1a ||
        length >= MAX_STRING
      ) {
        if (collect) this.stringBuffer += text.slice(start, i);
        start = i + 1;
        if (ch === 0x07 || ch === 0x9c) {
          this.finishString();
          return i + 1;
        }
        if (ch === 0x1b) {
          this.stringEscape = true;
          i++;
          continue;
        }
        this.state = State.Ground;
        return ch === 0x0a ? i : i + 1;
      }
      i++;
    }
    if (collect) this.stringBuffer += text.slice(start, i);
    return i;
  }

  private finishString(): void {
    if (this.state === State.Osc) this.actions.osc(this.stringBuffer);
    this.state = State.Ground;
  }
}

/** C0, DEL and the C1 range: everything that is not printable. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const NOT_ASCII_PRINTABLE = /[^\x20-\x7e]/g;

/** Beyond this many characters a run is scanned with a regular expression (faster on long runs, slower on short). */
const QUICK_SCAN = 32;

const isControl = (ch: number) => ch < 0x20 || (ch >= 0x7f && ch <= 0x9f);
const isAsciiPrintable = (ch: number) => ch >= 0x20 && ch <= 0x7e;

/** Index of the first match of a global single-character pattern in text[from, to), or `to`. */
function firstMatch(pattern: RegExp, text: string, from: number, to: number): number {
  pattern.lastIndex = from;
  // test() rather than exec(): no match object
  return pattern.test(text) ? Math.min(pattern.lastIndex - 1, to) : to;
}
