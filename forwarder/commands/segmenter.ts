import type { LineEvent, TerminalLine } from '../terminal/terminal.js';
import type { AcceptedLine, CommandAssembler } from './assembler.js';
import { openness } from './continuation.js';
import { CONTINUATION_PROMPT, type Prompt, type PromptFinder, parseTitle } from './prompt.js';

/** The line readline is editing: from the bracketed-paste marker that opened it until it is accepted. */
interface InputLine {
  line: TerminalLine;
  promptAt: number;
  prompt: Prompt | null;
}

export interface SegmenterSnapshot {
  marked: boolean;
  unmarkedShell: boolean;
  heldPlain: HeldPlain | null;
  input?: InputLine | null;
  deferred?: { input: InputLine; cancelled: boolean; waited: number }[];
}

/** A plain-mode command held until the next prompt shows whether it was a completion listing. */
interface HeldPlain {
  accepted: AcceptedLine;
  promptText: string;
  /** The line ended in a bell: a completion attempt, perhaps followed by a listing and a redraw. */
  bellAtEnd: boolean;
}

/**
 * After these, the next prompts may come without readline's markers: a shell without line editing was started,
 * or the marked shell ended and its parent (dash, older bash) prompts again.
 */
const LEAVES_MARKED_SHELL =
  /^(?:exit|logout)\b|^(?:sudo\s+(?:-\S+\s+)*)?(?:\S*\/)?(?:sh|dash|ash|ksh|mksh|busybox\s+sh|bash\s+--noediting)(?:\s|$)/;

const NO_EVENTS: readonly LineEvent[] = [];
const isPasteMarker = (e: LineEvent) => e.kind === 'paste-on' || e.kind === 'paste-off';

/**
 * Splits replayed terminal lines into the lines the shell accepted.
 *
 * With bracketed paste (bash 5.1+, readline 8.1+), readline switches paste mode on where it draws a prompt and
 * off when the line is accepted: a prompt is wherever the marker was, and a line counts only once accepted.
 * Without markers (dash, older bash, the streaming format), prompts are recognised by their shape.
 */
export class CommandSegmenter {
  private input: InputLine | null = null;
  /** The line readline last left unaccepted; marking it again (bash does after Ctrl-C) opens nothing new. */
  private closedLine: TerminalLine | null = null;
  private marked = false;
  /** Unmarked prompts of any shape are trusted again (see LEAVES_MARKED_SHELL). */
  private unmarkedShell = false;
  private heldPlain: HeldPlain | null = null;
  /** Marked lines whose prompt is not known yet, waiting for the prompt to be learned from repetition. */
  private deferred: { input: InputLine; cancelled: boolean; waited: number }[] = [];

  constructor(
    private readonly prompts: PromptFinder,
    private readonly assembler: CommandAssembler,
  ) {}

  /** The state between streamed lines, as plain data (marked input lines never span deliveries: see streamLine). */
  snapshot(): SegmenterSnapshot {
    return structuredClone({
      marked: this.marked,
      unmarkedShell: this.unmarkedShell,
      heldPlain: this.heldPlain,
      input: this.input,
      deferred: this.deferred,
    });
  }

  restore(s: SegmenterSnapshot): void {
    const c = structuredClone(s);
    this.marked = c.marked;
    this.unmarkedShell = c.unmarkedShell;
    this.heldPlain = c.heldPlain;
    this.input = c.input ?? null;
    this.deferred = c.deferred ?? [];
  }

  /**
   * Whether plain output lines without prompt characters would be ignored now: nothing is being edited, and no
   * prompt learned so far lacks the usual terminators.
   */
  ignoresPlainOutput(): boolean {
    return this.input === null && !this.prompts.hasUnusualPrompt();
  }

  /**
   * A line of the streaming format: markers survive only on lines the agent kept raw, and the line that accepts
   * an input is never the one that opened it, so prompts go by shape, starting where a marker says when one does.
   */
  streamLine(line: TerminalLine, incomplete: boolean): void {
    const marker = line.events.findLast((e) => e.kind === 'paste-on');
    if (line.alt && !(marker && this.prompts.find(line.text, marker.offset, true))) return;
    this.plain(line, incomplete, marker?.offset, true);
  }

  line(line: TerminalLine): void {
    const markers = line.events.length === 0 ? NO_EVENTS : line.events.filter(isPasteMarker);
    if (line.alt && !this.promptOnAltScreen(line, markers)) return; // a full-screen program's screen
    if (markers.length > 0) {
      this.marked = true;
      this.unmarkedShell = false;
      this.releasePlain();
      for (const e of markers) {
        if (e.kind === 'paste-on') this.open(line, e);
        else this.close(line);
      }
      if (line.endedOpen) this.end();
      return;
    }
    if (this.input) this.redraw(line);
    else this.plain(line, false);
  }

  end(): void {
    const input = this.input;
    this.input = null;
    // the transcript stops while a line is being typed (the session was killed): it never ran
    if (input && input.line.text.length > input.promptAt + (input.prompt?.text.length ?? 0)) {
      this.acceptMarked(input, true);
    }
    this.flushDeferred(true);
    this.releasePlain();
    this.assembler.release();
  }

  // ---- marked prompts

  private open(line: TerminalLine, marker: LineEvent): void {
    if (this.input?.line === line || this.closedLine === line) return;
    this.input = { line, promptAt: marker.offset, prompt: this.prompts.find(line.text, marker.offset, true) };
    if (this.input.prompt) this.flushDeferred(false);
  }

  private close(line: TerminalLine): void {
    const input = this.input;
    if (!input) return;
    this.input = null;
    this.closedLine = input.line === line ? line : null;
    if (input.line !== line) this.acceptMarked(input, false);
    else if (line.events.some((e) => e.kind === 'interrupt')) this.acceptMarked(input, true);
    else this.unmarkedShell = true; // readline gave up the line without Ctrl-C: end of file, the shell exits
  }

  /**
   * An unmarked line while readline edits: its own redraw of the prompt (after a completion listing) replaces the
   * line; a line under a prompt that held no input is where a multi-line prompt ends. Anything else is output
   * printed during editing (the completion listing itself).
   */
  private redraw(line: TerminalLine): void {
    const input = this.input!;
    const promptText = input.prompt?.text;
    if (promptText && line.text.startsWith(promptText)) {
      this.input = { line, promptAt: 0, prompt: input.prompt };
    } else if (!promptText || input.line.text.length <= input.promptAt + promptText.length) {
      this.input = { line, promptAt: 0, prompt: this.prompts.find(line.text, 0, true) };
    }
  }

  /**
   * A program that switched to the alternate screen and never back (binary output can do that) leaves the shell
   * prompting there: a marked line that starts with a prompt seen before is the shell's, not the program's.
   */
  private promptOnAltScreen(line: TerminalLine, markers: readonly LineEvent[]): boolean {
    const on = markers.find((e) => e.kind === 'paste-on');
    if (on) return this.prompts.isKnown(line.text, on.offset);
    return this.input !== null && markers.some((e) => e.kind === 'paste-off');
  }

  private acceptMarked(input: InputLine, cancelled: boolean): void {
    if (!input.prompt || this.deferred.length > 0) {
      this.deferred.push({ input, cancelled, waited: 0 });
      return;
    }
    this.acceptInput(input, cancelled, false);
  }

  private acceptInput(input: InputLine, cancelled: boolean, incomplete: boolean): void {
    const accepted = this.accepted(input.line, input.promptAt, input.prompt, cancelled, incomplete);
    this.assembler.accept(accepted);
    if (!cancelled && LEAVES_MARKED_SHELL.test(accepted.command)) this.unmarkedShell = true;
  }

  /**
   * Retries deferred lines with what has been learned since. A line still unexplained after two more prompts
   * (or at the end) is emitted as it stands, marked incomplete.
   */
  private flushDeferred(final: boolean): void {
    for (const d of this.deferred) d.waited++;
    while (this.deferred.length > 0) {
      const { input, cancelled, waited } = this.deferred[0]!;
      const prompt = input.prompt ?? this.prompts.findKnown(input.line.text, input.promptAt);
      if (!prompt && !final && waited < 3) return;
      this.deferred.shift();
      this.acceptInput({ ...input, prompt }, cancelled, !prompt);
    }
  }

  // ---- unmarked prompts

  private plain(line: TerminalLine, incomplete: boolean, markedAt?: number, stream = false): void {
    if (markedAt === undefined && !this.prompts.mayStartPrompt(line.text)) return;
    // once a session shows markers, unmarked lines need a prompt already seen, unless the marked shell was left
    const anyShape = !this.marked || this.unmarkedShell;
    const start = markedAt ?? 0;
    const prompt =
      (markedAt !== undefined
        ? this.prompts.find(line.text, start, true)
        : anyShape
          ? this.prompts.find(line.text, 0, false)
          : this.prompts.findKnown(line.text, 0)) ?? this.continuationPrompt(line.text);
    if (!prompt) return;
    let at = start + prompt.text.length;
    // Amazon Linux 2 streams often repeat the first prompt: "sh-4.2$ sh-4.2$ date"
    while (line.text.startsWith(prompt.text, at)) at += prompt.text.length;
    // a reverse search accepted: the stream shows the search, then the prompt drawn again with the line
    if (/^\((?:reverse-|bck-)?i-search\)/.test(line.text.slice(at))) {
      const redrawn = line.text.lastIndexOf(prompt.text);
      if (redrawn >= at) {
        at = redrawn + prompt.text.length;
        incomplete = true;
      }
    }
    const cancelled = line.events.some((e) => e.kind === 'interrupt') || line.text.endsWith('^C') || line.endedOpen;
    const accepted = this.accepted(line, at - prompt.text.length, prompt, cancelled, incomplete);
    if (stream) undoubleHighlightedPaste(accepted);
    if (prompt.text === CONTINUATION_PROMPT) {
      this.releasePlain();
      this.assembler.accept(accepted);
      return;
    }
    const last = line.events.at(-1);
    const bellAtEnd = last?.kind === 'bell' && last.offset >= line.text.trimEnd().length;
    // bash without markers lists completions below the line, then draws prompt and line again: no command ran
    if (this.heldPlain?.bellAtEnd && this.heldPlain.promptText === prompt.text) this.heldPlain = null;
    this.releasePlain();
    this.heldPlain = { accepted, promptText: prompt.text, bellAtEnd };
  }

  /** Without markers, `> ` is a prompt only where the shell is waiting for the rest of a command. */
  private continuationPrompt(text: string): Prompt | null {
    if (!text.startsWith(CONTINUATION_PROMPT)) return null;
    const held = this.heldPlain?.accepted.command;
    const waiting =
      (held !== undefined && openness(held.split('\n')) !== 'complete') || this.assembler.awaitingContinuation();
    return waiting ? { text: CONTINUATION_PROMPT, user: null, host: null, cwd: null, root: false } : null;
  }

  private releasePlain(): void {
    const held = this.heldPlain;
    this.heldPlain = null;
    if (held) this.assembler.accept(held.accepted);
  }

  // ---- both

  private accepted(
    line: TerminalLine,
    promptAt: number,
    prompt: Prompt | null,
    cancelled: boolean,
    incomplete: boolean,
  ): AcceptedLine {
    let command = line.text.slice(promptAt + (prompt?.text.length ?? 0));
    if (cancelled && command.endsWith('^C')) command = command.slice(0, -2);
    const title = lastTitle(line);
    const fromTitle = title && (!prompt?.user || prompt.user === title.user) ? title : null;
    return {
      command,
      prompt,
      user: prompt?.user ?? fromTitle?.user ?? null,
      host: prompt?.host ?? fromTitle?.host ?? null,
      cwd: fromTitle?.cwd ?? prompt?.cwd ?? null,
      time: line.time,
      cancelled,
      incomplete: incomplete || line.truncated,
      offset: line.offset,
    };
  }
}

/** readline draws a paste highlighted, then again plain over it: without the `\r` the stream has it twice. */
function undoubleHighlightedPaste(accepted: AcceptedLine): void {
  const c = accepted.command;
  const half = c.length / 2;
  if (half > 0 && Number.isInteger(half) && c.slice(0, half) === c.slice(half)) {
    accepted.command = c.slice(0, half);
    accepted.incomplete = true;
  }
}

function lastTitle(line: TerminalLine) {
  for (let i = line.events.length - 1; i >= 0; i--) {
    const e = line.events[i]!;
    if (e.kind === 'title') return parseTitle(e.text);
  }
  return null;
}
