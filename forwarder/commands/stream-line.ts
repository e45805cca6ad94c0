import { charWidth } from '../terminal/char-width.js';
import { Terminal, type TerminalLine } from '../terminal/terminal.js';

/** The narrowest terminal readline could have wrapped a streamed line on (see FORMATS.md, streaming). */
const NARROWEST_LIKELY_WIDTH = 80;

export interface ReplayedStreamLine {
  /** Usually one; a line the agent kept raw can hold cursor positioning that splits it. */
  lines: TerminalLine[];
  /** The line was edited (backspaces), so stripped erases or cursor moves may have changed it. */
  residue: boolean;
  /** Long enough that readline may have wrapped it: the wrap's space stays in the stream, its `\r` does not. */
  mayHoldWrap: boolean;
}

/**
 * Replays one line of the streaming format. The agent removed `\r`, CSI sequences (erase, cursor moves) and C1
 * bytes but kept backspaces, BEL and, on lines its stripper rejected, every escape. Backspaces are replayed as
 * cursor moves; what the stripped sequences did is lost, and the result says when that may matter.
 */
export function replayStreamLine(text: string): ReplayedStreamLine {
  if (isPlainStreamLine(text)) return plainLine(text);
  const lines: TerminalLine[] = [];
  const terminal = new Terminal({ onLine: (l) => lines.push(l) });
  terminal.write(text);
  const residue = terminal.cursorBeforeLineEnd();
  terminal.write('\r\n');
  terminal.end();
  const kept = lines.filter((l) => l.text !== '' || l.events.length > 0);
  return {
    lines: kept,
    // a backspace in readline's output moved the cursor; what the stripped sequences did there is unknown.
    // U+FFFD: the agent's C1 stripping cut a multi-byte character
    residue: residue || text.includes('\b') || text.includes('\uFFFD'),
    mayHoldWrap: kept.some((l) => displayWidth(l.text) > NARROWEST_LIKELY_WIDTH),
  };
}

/**
 * Printable ASCII without `^` (which may start an echoed `^C`): the replay would print it on one row and change
 * nothing else, so the line is built directly (most streamed lines are command output like this).
 */
const PLAIN_LINE = /^[\x20-\x5d\x5f-\x7e]*$/;

/** The line replays to itself, on one row, with no events (see PLAIN_LINE). */
export const isPlainStreamLine = (text: string): boolean => PLAIN_LINE.test(text);

function plainLine(text: string): ReplayedStreamLine {
  const line: TerminalLine = {
    text,
    events: [],
    alt: false,
    truncated: false,
    time: null,
    endedOpen: false,
    offset: text.length,
  };
  return { lines: text === '' ? [] : [line], residue: false, mayHoldWrap: text.length > NARROWEST_LIKELY_WIDTH };
}

function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch.codePointAt(0)!);
  return w;
}
