/** Where a command record was rebuilt from. */
export type TranscriptSource = 's3' | 'cloudwatch' | 'cloudwatch-stream' | 'raw';

/**
 * One command line the shell received, rebuilt from a transcript.
 * This is the contract between transcript decoding and everything to its right (detectors, alerts, CLI).
 */
export interface CommandRecord {
  sessionId: string;
  /** 1-based position of the command in its session (cancelled lines count). */
  seq: number;
  /** The command line exactly as the shell received it (continuation lines joined as the shell joins them). */
  command: string;
  /** User, host and working directory, when the prompt or the terminal title shows them. */
  user: string | null;
  host: string | null;
  cwd: string | null;
  /** The prompt was a root prompt (`#`, or user root). */
  root: boolean;
  /** ISO 8601 time of the log event that carried the line, when the format has one. */
  time: string | null;
  source: TranscriptSource;
  /** Abandoned with Ctrl-C: the shell never executed it. */
  cancelled: boolean;
  /** The transcript may have lost part of this line (lossy streaming format). */
  incomplete: boolean;
  instanceId: string | null;
  /**
   * Where the line is in the transcript: for terminal formats, the offset (UTF-16 units) in the session's replayed
   * text just after the command was typed; for the streaming format, the number of stream lines before it.
   */
  offset?: number;
}

/** What a transcript tells about its session besides the commands. */
export interface SessionInfo {
  sessionId: string;
  source: TranscriptSource;
  instanceId: string | null;
  /** From the streaming events: the caller's ARN and the OS user the agent ran the shell as. */
  principalArn: string | null;
  runAsUser: string | null;
  region: string | null;
  /** Owner account of the log group (subscription payloads) when known. */
  account: string | null;
  start: string | null;
  end: string | null;
}
