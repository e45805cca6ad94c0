import { DecodeError } from './events.js';

/** Largest single JSON value accepted (a subscription payload decodes to a few MB at most). */
export const MAX_JSON_VALUE = 16 * 1024 * 1024;

/** A top-level number, `true`, `false` or `null` is short: longer is garbage, not worth holding. */
const MAX_SCALAR = 4096;
const STRING_STOP = /["\\]/g;

/**
 * Splits streaming text into top-level JSON values, holding at most one value: JSON Lines, concatenated or
 * pretty-printed values, or one top-level array (whose elements are yielded one by one). Yields each value's
 * source text, or a DecodeError for text that is not JSON (then it resynchronises at the next line).
 */
export class JsonValueSplitter {
  private buffer = '';
  /** Where the value being read starts in buffer, or -1 between values. */
  private start = -1;
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private inTopArray = false;
  private sawValue = false;
  /** After garbage that is no JSON value: the rest of its line is dropped as it arrives. */
  private skippingLine = false;
  /** The value being read is too large to hold: its text is dropped as it is scanned, only its end is looked for. */
  private dropping = false;
  private out: (string | DecodeError)[] = [];

  constructor(private readonly where: string | null = null) {}

  push(text: string): (string | DecodeError)[] {
    this.buffer += text;
    this.scan(false);
    return this.take();
  }

  end(): (string | DecodeError)[] {
    this.scan(true);
    if (this.start >= 0 && !this.dropping)
      this.out.push(new DecodeError('json', 'input ends inside a JSON value', this.where));
    this.dropping = false;
    this.buffer = '';
    this.start = -1;
    return this.take();
  }

  private take(): (string | DecodeError)[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private scan(final: boolean): void {
    const b = this.buffer;
    let i = this.scanned;
    while (i < b.length) {
      if (this.skippingLine) {
        const nl = b.indexOf('\n', i);
        this.skippingLine = nl < 0;
        i = nl < 0 ? b.length : nl + 1;
        continue;
      }
      if (this.inString) {
        i = this.skipString(b, i);
        if (this.start >= 0) this.capAt(i);
        continue;
      }
      const c = b.charCodeAt(i);
      if (c <= 0x20) {
        i++;
        continue;
      }
      if (this.start < 0) {
        if (c === 0x5b && !this.sawValue && !this.inTopArray) {
          this.inTopArray = true; // one top-level array: its elements are the values
          i++;
          continue;
        }
        if (this.inTopArray && (c === 0x2c || c === 0x5d)) {
          if (c === 0x5d) this.inTopArray = false;
          i++;
          continue;
        }
        this.sawValue = true;
        if (c !== 0x7b && c !== 0x5b && c !== 0x22) {
          const j = scalarEnd(b, i);
          if (j - i > MAX_SCALAR) {
            this.out.push(new DecodeError('json', `not JSON: ${JSON.stringify(b.slice(i, i + 40))}…`, this.where));
            this.skippingLine = true;
            i = j;
            continue;
          }
          if (j === b.length && !final) break;
          const scalar = checkScalar(b.slice(i, j), this.where);
          this.out.push(scalar);
          i = typeof scalar === 'string' ? j : nextLine(b, j);
          continue;
        }
        this.start = i;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) this.depth--;
      i++;
      if (this.depth <= 0 && !this.inString) this.finishValue(b, i);
      else this.capAt(i);
    }
    this.scanned = i;
    this.compact();
  }

  private skipString(b: string, i: number): number {
    if (this.escaped) {
      this.escaped = false;
      return i + 1;
    }
    // the first quote or backslash: one scan, never past it (a string of many escapes must not be rescanned to its end
    // for each of them)
    STRING_STOP.lastIndex = i;
    const stop = STRING_STOP.exec(b)?.index ?? -1;
    if (stop < 0) return b.length;
    if (b.charCodeAt(stop) === 0x5c) {
      if (stop + 1 >= b.length) {
        this.escaped = true;
        return b.length;
      }
      return stop + 2;
    }
    const quote = stop;
    this.inString = false;
    if (this.depth <= 0) this.finishValue(b, quote + 1); // a top-level string
    return quote + 1;
  }

  private finishValue(b: string, end: number): void {
    if (this.dropping) this.dropping = false;
    else this.out.push(b.slice(this.start, end));
    this.start = -1;
    this.depth = 0;
  }

  /**
   * Once the value being read passes the cap at `i`: reports it and drops it up to its end, wherever that is (it may
   * be gigabytes away).
   */
  private capAt(i: number): void {
    if (this.dropping || i - this.start <= MAX_JSON_VALUE) return;
    this.out.push(new DecodeError('too-large', `a JSON value exceeds ${MAX_JSON_VALUE} characters`, this.where));
    this.dropping = true;
  }

  /** Drops consumed text so the buffer holds at most the value being read. */
  private compact(): void {
    const keep = this.start >= 0 && !this.dropping ? this.start : this.scanned;
    if (keep > 0) {
      this.buffer = this.buffer.slice(keep);
      this.scanned -= keep;
      if (this.start >= 0) this.start = 0;
    }
  }
}

function nextLine(b: string, from: number): number {
  const nl = b.indexOf('\n', from);
  return nl < 0 ? b.length : nl + 1;
}

function scalarEnd(b: string, i: number): number {
  let j = i;
  const to = Math.min(b.length, i + MAX_SCALAR + 1);
  while (j < to) {
    const c = b.charCodeAt(j);
    if (c <= 0x20 || c === 0x2c || c === 0x5d || c === 0x7d) break;
    j++;
  }
  return j;
}

function checkScalar(text: string, where: string | null): string | DecodeError {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return new DecodeError('json', `not JSON: ${JSON.stringify(text.slice(0, 40))}`, where);
  }
}
