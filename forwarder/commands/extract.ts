import type { TranscriptEvent } from '../transcript/events.js';
import type { CommandRecord, SessionInfo, TranscriptSource } from './record.js';
import { mergeInfo } from './session-info.js';
import { StreamSession } from './stream-session.js';
import { TerminalSession } from './terminal-session.js';

export interface ExtractorSink {
  record(record: CommandRecord, session: SessionInfo): void;
  /** A session's transcript ended (end of its file or object). */
  sessionEnd?(session: SessionInfo): void;
  /** The exact terminal text replayed for a session, in order (record offsets count in it). */
  terminalText?(session: SessionInfo, text: string): void;
  /** Each line of the streaming format, in order (record offsets count them), with its event time. */
  streamLine?(session: SessionInfo, line: string, time: number | null): void;
}

type Session = TerminalSession | StreamSession;

/**
 * Rebuilds command records from transcript events, one session object per session and source: terminal text
 * (S3 object, end-of-session CloudWatch) or the streaming format.
 */
export class CommandExtractor {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly sink: ExtractorSink) {}

  push(event: TranscriptEvent): void {
    switch (event.type) {
      case 'session':
        mergeInfo(this.session(event.sessionId, event.source === 'cloudwatch-stream', event.source).info, event.info);
        return;
      case 'terminal':
        (this.session(event.sessionId, false, event.source) as TerminalSession).push(event.text, event.time);
        return;
      case 'stream-lines':
        (this.session(event.sessionId, true) as StreamSession).push(event);
        return;
      case 'end':
        this.endSession(key(event.sessionId, event.source === 'cloudwatch-stream' ? 'stream' : event.source));
        return;
    }
  }

  /** Ends every open session (the input is over). */
  end(): void {
    for (const k of [...this.sessions.keys()]) this.endSession(k);
  }

  private endSession(k: string): void {
    const session = this.sessions.get(k);
    if (!session) return;
    this.sessions.delete(k);
    session.end();
    this.sink.sessionEnd?.(session.info);
  }

  private session(sessionId: string, stream: boolean, source: TranscriptSource = 's3'): Session {
    const k = key(sessionId, stream ? 'stream' : source);
    let s = this.sessions.get(k);
    if (!s) {
      const emit = (r: CommandRecord, info: SessionInfo) => this.sink.record(r, info);
      s = stream
        ? new StreamSession(sessionId, emit, undefined, (line, time) => this.sink.streamLine?.(s!.info, line, time))
        : new TerminalSession(sessionId, source, emit, (text) => this.sink.terminalText?.(s!.info, text));
      this.sessions.set(k, s);
    }
    return s;
  }
}

const key = (sessionId: string, kind: string) => `${kind}:${sessionId}`;
