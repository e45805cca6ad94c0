import { type AssemblerSnapshot, CommandAssembler } from './assembler.js';
import { keepOneAlive } from './keep-alive.js';
import { PromptFinder, type PromptFinderSnapshot } from './prompt.js';
import type { CommandRecord, SessionInfo } from './record.js';
import { CommandSegmenter, type SegmenterSnapshot } from './segmenter.js';
import { emptySessionInfo, noteTime } from './session-info.js';
import { isPlainStreamLine, replayStreamLine } from './stream-line.js';

/** How many earlier commands a streamed line is compared with to spot history recall edited in place. */
const RECENT_COMMANDS = 32;
/**
 * Longer commands are not kept for that comparison: they would make every delivery's saved state carry them (a
 * 50 KB paste was most of a state item), and a recalled command that long is rarely edited in place.
 */
const RECALLED_CHARS = 1024;

/** Everything a streaming session's reconstruction carries from one delivery to the next, as plain data. */
export interface StreamSessionSnapshot {
  info: SessionInfo;
  prompts: PromptFinderSnapshot;
  segmenter: SegmenterSnapshot;
  assembler: AssemblerSnapshot;
  lineCount: number;
  recent: string[];
  /** The start of a line the agent cut at its buffer size; the next event continues it. */
  partial: string | null;
}

export interface StreamLines {
  lines: string[];
  time: number | null;
  /** The last line may continue in the next event (see decodeLogEvent). */
  endsMidLine?: boolean;
}

/**
 * Rebuilds the commands of one session from the streaming format, one event at a time, and can stop and resume
 * between events: the Lambda keeps the snapshot in DynamoDB, the CLI keeps the object.
 */
export class StreamSession {
  readonly info: SessionInfo;
  private readonly prompts: PromptFinder;
  private readonly assembler: CommandAssembler;
  private readonly segmenter: CommandSegmenter;
  private lineCount = 0;
  private recent: string[] = [];
  private partial: string | null = null;

  constructor(
    sessionId: string,
    private readonly emit: (record: CommandRecord, session: SessionInfo) => void,
    snapshot?: StreamSessionSnapshot,
    private readonly onLine?: (line: string, time: number | null) => void,
  ) {
    keepIdleSession();
    this.info = snapshot ? { ...snapshot.info } : emptySessionInfo(sessionId, 'cloudwatch-stream');
    this.prompts = snapshot ? PromptFinder.restore(snapshot.prompts) : new PromptFinder();
    this.assembler = new CommandAssembler(this.info, (record) => this.record(record));
    this.segmenter = new CommandSegmenter(this.prompts, this.assembler);
    if (snapshot) {
      this.assembler.restore(snapshot.assembler);
      this.segmenter.restore(snapshot.segmenter);
      this.lineCount = snapshot.lineCount;
      this.recent = [...snapshot.recent];
      this.partial = snapshot.partial;
    }
  }

  push({ lines, time, endsMidLine }: StreamLines): void {
    const all = [...lines];
    if (this.partial !== null) {
      all[0] = this.partial + (all[0] ?? '');
      this.partial = null;
    }
    if (endsMidLine && all.length > 0) this.partial = all.pop()!;
    for (const text of all) this.line(text, time);
    if (time !== null) noteTime(this.info, time);
  }

  /** The stream is over (end of file, or the session ended): what is held is emitted. */
  end(): void {
    if (this.partial !== null) this.line(this.partial, null);
    this.partial = null;
    this.segmenter.end();
  }

  snapshot(): StreamSessionSnapshot {
    return {
      info: { ...this.info },
      prompts: this.prompts.snapshot(),
      segmenter: this.segmenter.snapshot(),
      assembler: this.assembler.snapshot(),
      lineCount: this.lineCount,
      recent: [...this.recent],
      partial: this.partial,
    };
  }

  private line(text: string, time: number | null): void {
    this.onLine?.(text, time);
    const index = this.lineCount++;
    // plain output that cannot start a prompt (most streamed lines): the segmenter would pass over it
    if (isPlainStreamLine(text) && !this.prompts.mayStartPrompt(text)) return;
    const { lines, residue, mayHoldWrap } = replayStreamLine(text);
    for (const line of lines) {
      line.time = time;
      line.offset = index;
      this.segmenter.streamLine(line, residue || mayHoldWrap);
    }
  }

  private record(record: CommandRecord): void {
    record.instanceId = this.info.instanceId;
    if (this.editedRecall(record.command)) record.incomplete = true;
    this.emit(record, this.info);
    if (record.command.length > RECALLED_CHARS) return;
    this.recent.push(record.command);
    if (this.recent.length > RECENT_COMMANDS) this.recent.shift();
  }

  /**
   * A recalled command edited in place reaches the stream as the old text with the new one glued on
   * (`echo hello worldsudo -u root bash`): the erase between them was stripped.
   */
  private editedRecall(command: string): boolean {
    return this.recent.some(
      (c) => c.length >= 4 && command.length > c.length && command.startsWith(c) && command[c.length] !== ' ',
    );
  }
}

/** An idle session with a command left open (see keepOneAlive). */
const keepIdleSession = keepOneAlive(() => {
  const session = new StreamSession('idle', () => {});
  session.push({ lines: ['sh-5.2$ echo "', '> '], time: null });
  return session;
});
