import { Terminal, type TerminalSnapshot } from '../terminal/terminal.js';
import { ScriptFramer } from '../transcript/script-framer.js';
import { type AssemblerSnapshot, CommandAssembler } from './assembler.js';
import { keepOneAlive } from './keep-alive.js';
import { PromptFinder, type PromptFinderSnapshot } from './prompt.js';
import type { CommandRecord, SessionInfo, TranscriptSource } from './record.js';
import { CommandSegmenter, type SegmenterSnapshot } from './segmenter.js';
import { emptySessionInfo, noteTime } from './session-info.js';

/** A terminal session's reconstruction between two pieces of its text, as plain data. */
export interface TerminalSessionSnapshot {
  info: SessionInfo;
  terminal: TerminalSnapshot;
  framer: { headerDone: boolean; head: string; tail: string };
  prompts: PromptFinderSnapshot;
  segmenter: SegmenterSnapshot;
  assembler: AssemblerSnapshot;
  lastTextEndedLine: boolean;
}

/**
 * Rebuilds the commands of one session from terminal text (the S3 object, end-of-session CloudWatch events):
 * `script` framing, the terminal replay, then the segmenter.
 */
export class TerminalSession {
  readonly info: SessionInfo;
  private readonly prompts: PromptFinder;
  private readonly assembler: CommandAssembler;
  private readonly segmenter: CommandSegmenter;
  private readonly terminal: Terminal;
  private readonly framer: ScriptFramer;
  private lastTextEndedLine = true;

  constructor(
    sessionId: string,
    source: TranscriptSource,
    emit: (record: CommandRecord, session: SessionInfo) => void,
    onText?: (text: string) => void,
    snapshot?: TerminalSessionSnapshot,
  ) {
    keepIdleSession();
    this.info = snapshot ? { ...snapshot.info } : emptySessionInfo(sessionId, source);
    this.prompts = snapshot ? PromptFinder.restore(snapshot.prompts) : new PromptFinder();
    this.assembler = new CommandAssembler(this.info, (record) => {
      record.instanceId = this.info.instanceId;
      emit(record, this.info);
    });
    this.segmenter = new CommandSegmenter(this.prompts, this.assembler);
    const terminalOptions = {
      onLine: (line: Parameters<CommandSegmenter['line']>[0]) => this.segmenter.line(line),
      isInputLine: (line: string) => this.prompts.find(line, 0, false) !== null,
      ignoresPlainOutput: () => this.segmenter.ignoresPlainOutput(),
    };
    this.terminal = snapshot ? Terminal.restore(snapshot.terminal, terminalOptions) : new Terminal(terminalOptions);
    if (snapshot) {
      this.assembler.restore(snapshot.assembler);
      this.segmenter.restore(snapshot.segmenter);
      this.lastTextEndedLine = snapshot.lastTextEndedLine;
    }
    this.framer = new ScriptFramer({
      header: (h) => {
        this.info.instanceId ??= h.instanceId;
        this.info.start ??= h.start;
      },
      // an end-of-session event carries the upload time, not when anything was typed: lines get no time
      body: (body) => {
        onText?.(body);
        this.terminal.write(body, null);
      },
      footer: (f) => {
        this.info.end ??= f.end;
      },
    });
    if (snapshot) this.framer.restore(snapshot.framer);
  }

  snapshot(): TerminalSessionSnapshot {
    return {
      info: { ...this.info },
      terminal: this.terminal.snapshot(),
      framer: this.framer.snapshot(),
      prompts: this.prompts.snapshot(),
      segmenter: this.segmenter.snapshot(),
      assembler: this.assembler.snapshot(),
      lastTextEndedLine: this.lastTextEndedLine,
    };
  }

  push(text: string, time: number | null): void {
    // end-of-session CloudWatch events are cut on line boundaries, each losing its final newline
    if (!this.lastTextEndedLine) this.framer.push('\n');
    this.framer.push(text);
    this.lastTextEndedLine = this.info.source !== 'cloudwatch' || text.endsWith('\n');
    if (time !== null) noteTime(this.info, time);
  }

  end(): void {
    this.framer.end();
    this.terminal.end();
    this.segmenter.end();
  }
}

/**
 * An idle session, with a command left open so the prompt's and the continuation scanner's classes stay alive too.
 * Measured without it: 30-80 ms instead of 3-5 ms for each of the next few 350 KB transcripts after a full GC.
 */
const keepIdleSession = keepOneAlive(() => {
  const session = new TerminalSession('idle', 's3', () => {});
  const openCommand = ['sh-5.2$ echo "', '> ', '> '].map((line) => `\x1b[?2004h${line}\r\r\n\x1b[?2004l\r`).join('');
  // the script framer holds back the text's end (it may be the footer): blanks after it push the command through
  session.push(openCommand + ' '.repeat(1024), null);
  return session;
});
