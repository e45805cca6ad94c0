import type { CommandRecord, SessionInfo } from '../commands/record.js';

export interface StreamLine {
  text: string;
  /** Epoch milliseconds of the log event that carried the line, when known. */
  time: number | null;
}

/** One session as read from one input: its facts, its commands and the transcript they were rebuilt from. */
export interface CapturedSession {
  info: SessionInfo;
  records: CommandRecord[];
  /** Terminal formats (S3 object, end-of-session CloudWatch): the replayed text, in which record offsets count. */
  terminal: string | null;
  /** The streaming format: its lines with their event times; record offsets index them. */
  stream: StreamLine[] | null;
  /** The transcript was longer than the capture keeps: its end is missing (the records are all there). */
  truncated: boolean;
}

/** 8 Mi UTF-16 units (16 MB of memory) of transcript per session; the rest is left out of replays. */
export const DEFAULT_MAX_CHARS = 8 * 1024 * 1024;

/**
 * Keeps what the command extractor replayed for each session, next to its records: the handlers plug into
 * `readCommands`. A session is the extractor's (one input, one source); its SessionInfo object identifies it.
 */
export class SessionCapture {
  private readonly open = new Map<SessionInfo, { captured: CapturedSession; parts: string[]; chars: number }>();
  private readonly done: CapturedSession[] = [];

  constructor(private readonly maxChars = DEFAULT_MAX_CHARS) {}

  record(record: CommandRecord, session: SessionInfo): void {
    this.entry(session).captured.records.push(record);
  }

  terminalText(session: SessionInfo, text: string): void {
    const e = this.entry(session);
    if (e.captured.truncated) return;
    const room = this.maxChars - e.chars;
    if (text.length > room) e.captured.truncated = true;
    const kept = text.length > room ? text.slice(0, room) : text;
    e.parts.push(kept);
    e.chars += kept.length;
  }

  streamLine(session: SessionInfo, text: string, time: number | null): void {
    const e = this.entry(session);
    if (e.captured.truncated) return;
    e.captured.stream ??= [];
    if (e.chars + text.length > this.maxChars) {
      e.captured.truncated = true;
      return;
    }
    e.captured.stream.push({ text, time });
    e.chars += text.length + 1;
  }

  sessionEnd(session: SessionInfo): void {
    const e = this.open.get(session);
    if (!e) return;
    this.open.delete(session);
    if (session.source === 'cloudwatch-stream') e.captured.stream ??= [];
    else e.captured.terminal = e.parts.join('');
    this.done.push(e.captured);
  }

  /** The sessions whose transcript ended, in the order they ended. */
  sessions(): CapturedSession[] {
    for (const info of [...this.open.keys()]) this.sessionEnd(info);
    return this.done;
  }

  private entry(session: SessionInfo) {
    let e = this.open.get(session);
    if (!e) {
      e = {
        captured: { info: session, records: [], terminal: null, stream: null, truncated: false },
        parts: [],
        chars: 0,
      };
      this.open.set(session, e);
    }
    return e;
  }
}
