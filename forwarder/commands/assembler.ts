import { isoTime } from '../time/iso-time.js';
import { ContinuationScanner, openness } from './continuation.js';
import { CONTINUATION_PROMPT, type Prompt } from './prompt.js';
import type { CommandRecord, TranscriptSource } from './record.js';

/** A line the shell accepted (or abandoned with Ctrl-C), with what is known of where it was typed. */
export interface AcceptedLine {
  command: string;
  prompt: Prompt | null;
  user: string | null;
  host: string | null;
  cwd: string | null;
  time: number | null;
  cancelled: boolean;
  incomplete: boolean;
  offset: number;
}

export interface AssemblerSnapshot {
  held: { line: AcceptedLine; parts: string[] } | null;
  seq: number;
}

export interface SessionFacts {
  sessionId: string;
  source: TranscriptSource;
  instanceId: string | null;
  runAsUser: string | null;
}

/**
 * Turns accepted lines into command records: joins continuation lines (`> ` after an open command, as the shell
 * joins them), numbers commands, and fills user, host, cwd and root from the prompt.
 */
export class CommandAssembler {
  private held: { line: AcceptedLine; parts: string[] } | null = null;
  /** The held command lexed so far, as lines were added (each line is lexed once, not once per line added). */
  private heldLexers: { parts: ContinuationScanner; command: ContinuationScanner } | null = null;
  private seq = 0;

  snapshot(): AssemblerSnapshot {
    return { held: this.held && structuredClone(this.held), seq: this.seq };
  }

  restore(s: AssemblerSnapshot): void {
    this.held = s.held && structuredClone(s.held);
    this.heldLexers = this.held && lexersOf(this.held.parts, this.held.line.command);
    this.seq = s.seq;
  }

  constructor(
    private readonly facts: SessionFacts,
    private readonly emit: (record: CommandRecord) => void,
  ) {}

  accept(line: AcceptedLine): void {
    const held = this.held;
    const lexers = this.heldLexers;
    if (held && lexers && line.prompt?.text === CONTINUATION_PROMPT) {
      held.parts.push(line.command);
      lexers.parts.pushLine(line.command);
      // as the shell reads it: an escaped newline disappears
      if (lexers.command.openness() === 'escaped-newline') {
        held.line.command = held.line.command.slice(0, -1) + line.command;
        lexers.command.dropLastCharacter();
        lexers.command.append(line.command);
      } else {
        held.line.command = `${held.line.command}\n${line.command}`;
        lexers.command.append(`\n${line.command}`);
      }
      held.line.incomplete ||= line.incomplete;
      if (line.cancelled) held.line.cancelled = true;
      if (line.cancelled || lexers.parts.openness() === 'complete') this.release();
      return;
    }
    this.release();
    if (line.command.trim() === '') return;
    if (line.cancelled || openness([line.command]) === 'complete') {
      this.record(line);
      return;
    }
    this.held = { line, parts: [line.command] };
    this.heldLexers = lexersOf(this.held.parts, line.command);
  }

  /** An open command is waiting for its continuation lines. */
  awaitingContinuation(): boolean {
    return this.held !== null;
  }

  /** End of the transcript (or of a run of continuation lines): what is held is emitted as it stands. */
  release(): void {
    const held = this.held;
    this.held = null;
    this.heldLexers = null;
    if (held) this.record(held.line);
  }

  private record(line: AcceptedLine): void {
    const root = (line.prompt?.root ?? false) || line.user === 'root';
    const user = line.user ?? (root ? 'root' : line.prompt ? this.facts.runAsUser : null);
    this.emit({
      sessionId: this.facts.sessionId,
      seq: ++this.seq,
      command: line.command,
      user,
      host: line.host,
      cwd: line.cwd,
      root,
      time: line.time === null ? null : isoTime(line.time),
      source: this.facts.source,
      cancelled: line.cancelled,
      incomplete: line.incomplete,
      instanceId: this.facts.instanceId,
      offset: line.offset,
    });
  }
}

function lexersOf(parts: string[], command: string): { parts: ContinuationScanner; command: ContinuationScanner } {
  const lexer = new ContinuationScanner();
  for (const part of parts) lexer.pushLine(part);
  return { parts: lexer, command: new ContinuationScanner(command) };
}
