import { Terminal } from '../terminal/terminal.js';
import type { TranscriptEvent } from '../transcript/events.js';
import { ScriptFramer } from '../transcript/script-framer.js';
import { CommandAssembler, type SessionFacts } from './assembler.js';
import { PromptFinder } from './prompt.js';
import type { CommandRecord, SessionInfo, TranscriptSource } from './record.js';
import { CommandSegmenter } from './segmenter.js';
import { replayStreamLine } from './stream-line.js';

export interface ExtractorSink {
  record(record: CommandRecord, session: SessionInfo): void;
  /** A session's transcript ended (end of its file or object). */
  sessionEnd?(session: SessionInfo): void;
  /** The exact terminal text replayed for a session, in order (record offsets count in it). */
  terminalText?(session: SessionInfo, text: string): void;
  /** Each line of the streaming format, in order (record offsets count them), with its event time. */
  streamLine?(session: SessionInfo, line: string, time: number | null): void;
}

/** How many earlier commands a streamed line is compared with to spot history recall edited in place. */
const RECENT_COMMANDS = 32;

/**
 * Rebuilds command records from transcript events, one pipeline per session and source: terminal text goes
 * through `script` framing, the terminal replay and the segmenter; streamed lines through the lossy line replay.
 */
export class CommandExtractor {
  private readonly sessions = new Map<string, SessionPipeline>();

  constructor(private readonly sink: ExtractorSink) {}

  push(event: TranscriptEvent): void {
    switch (event.type) {
      case 'session':
        Object.assign(this.pipeline(event.sessionId, event.source).info, withoutNulls(event.info));
        return;
      case 'terminal':
        this.pipeline(event.sessionId, event.source).terminalText(event.text, event.time);
        return;
      case 'stream-lines':
        this.pipeline(event.sessionId, 'cloudwatch-stream').streamLines(event.lines, event.time);
        return;
      case 'end':
        this.endSession(`${event.source}:${event.sessionId}`);
        return;
    }
  }

  /** Ends every open session (the input is over). */
  end(): void {
    for (const key of [...this.sessions.keys()]) this.endSession(key);
  }

  private endSession(key: string): void {
    const pipeline = this.sessions.get(key);
    if (!pipeline) return;
    this.sessions.delete(key);
    pipeline.end();
    this.sink.sessionEnd?.(pipeline.info);
  }

  private pipeline(sessionId: string, source: TranscriptSource): SessionPipeline {
    const key = `${source}:${sessionId}`;
    let p = this.sessions.get(key);
    if (!p) {
      p = new SessionPipeline(sessionId, source, this.sink);
      this.sessions.set(key, p);
    }
    return p;
  }
}

class SessionPipeline {
  readonly info: SessionInfo;
  private readonly prompts = new PromptFinder();
  private readonly segmenter: CommandSegmenter;
  private terminal: Terminal | null = null;
  private framer: ScriptFramer | null = null;
  private lastTextEndedLine = true;
  private streamLineCount = 0;
  private readonly recent: string[] = [];

  constructor(
    sessionId: string,
    source: TranscriptSource,
    private readonly sink: ExtractorSink,
  ) {
    this.info = {
      sessionId,
      source,
      instanceId: null,
      principalArn: null,
      runAsUser: null,
      region: null,
      account: null,
      start: null,
      end: null,
    };
    const facts: SessionFacts = this.info;
    const assembler = new CommandAssembler(facts, (record) => {
      record.instanceId = this.info.instanceId;
      if (source === 'cloudwatch-stream' && this.editedRecall(record.command)) record.incomplete = true;
      sink.record(record, this.info);
      this.recent.push(record.command);
      if (this.recent.length > RECENT_COMMANDS) this.recent.shift();
    });
    this.segmenter = new CommandSegmenter(this.prompts, assembler);
  }

  terminalText(text: string, time: number | null): void {
    if (!this.framer) {
      this.terminal = new Terminal({
        onLine: (line) => this.segmenter.line(line),
        isInputLine: (line) => this.prompts.find(line, 0, false) !== null,
      });
      this.framer = new ScriptFramer({
        header: (h) => {
          this.info.instanceId ??= h.instanceId;
          this.info.start ??= h.start;
        },
        // an end-of-session event carries the upload time, not when anything was typed
        body: (body) => {
          this.sink.terminalText?.(this.info, body);
          this.terminal!.write(body, null);
        },
        footer: (f) => {
          this.info.end ??= f.end;
        },
      });
    }
    // end-of-session CloudWatch events are cut on line boundaries, each losing its final newline
    if (!this.lastTextEndedLine) this.framer.push('\n');
    this.framer.push(text);
    this.lastTextEndedLine = this.info.source !== 'cloudwatch' || text.endsWith('\n');
    if (time !== null) this.noteTime(time);
  }

  streamLines(lines: string[], time: number | null): void {
    for (const text of lines) {
      this.sink.streamLine?.(this.info, text, time);
      const { lines, residue, mayHoldWrap } = replayStreamLine(text);
      const index = this.streamLineCount++;
      for (const line of lines) {
        line.time = time;
        line.offset = index;
        this.segmenter.streamLine(line, residue || mayHoldWrap);
      }
    }
    if (time !== null) this.noteTime(time);
  }

  end(): void {
    this.framer?.end();
    this.terminal?.end();
    this.segmenter.end();
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

  private noteTime(time: number): void {
    const iso = new Date(time).toISOString();
    if (!this.info.start || iso < this.info.start) this.info.start = iso;
    if (!this.info.end || iso > this.info.end) this.info.end = iso;
  }
}

function withoutNulls<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
