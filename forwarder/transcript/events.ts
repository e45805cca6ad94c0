import type { SessionInfo, TranscriptSource } from '../commands/record.js';

/** What decoding any input yields, in order. Records of one session are in order; sessions may interleave. */
export type TranscriptEvent =
  /** Facts about a session (merged with what is already known). */
  | { type: 'session'; sessionId: string; source: TranscriptSource; info: Partial<SessionInfo> }
  /** Terminal output bytes, decoded as text, to replay (S3 object body, end-of-session CloudWatch events). */
  | { type: 'terminal'; sessionId: string; source: TranscriptSource; text: string; time: number | null }
  /** Lines of a streaming CloudWatch event (already stripped of most escapes by the agent). */
  | {
      type: 'stream-lines';
      sessionId: string;
      lines: string[];
      time: number | null;
      eventId: string | null;
      /** The agent cut a line longer than its buffer: the last line continues in the next event. */
      endsMidLine: boolean;
    }
  /** The transcript of the session is complete in this input. */
  | { type: 'end'; sessionId: string; source: TranscriptSource }
  /** An S3 object an event notification points at; the caller fetches it. */
  | { type: 'object'; bucket: string; key: string; size: number | null; versionId: string | null }
  /** Input that could not be decoded: counted and reported; decoding goes on with the next record. */
  | { type: 'error'; error: DecodeError };

export type DecodeErrorKind =
  | 'gzip'
  | 'base64'
  | 'json'
  | 'utf8'
  | 'not-a-transcript'
  | 'too-large'
  | 'unsupported'
  | 'read';

export class DecodeError extends Error {
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
    /** Where: a file, an S3 key, a log event id. */
    readonly where: string | null = null,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'DecodeError';
  }
}
