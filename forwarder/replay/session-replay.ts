import type { SessionInfo } from '../commands/record.js';
import type { CapturedSession, StreamLine } from './capture.js';
import { redactTranscript, typedSecrets } from './redact-transcript.js';
import { pacedTerminal, type Timeline, timedStream } from './timeline.js';
import { learnedWidth } from './width.js';

/** A session ready to be replayed: its redacted transcript over time, the terminal size, what was left out. */
export interface SessionReplay {
  info: SessionInfo;
  timeline: Timeline;
  width: number;
  height: number;
  /** Whether the width was learned from the transcript (else the default). */
  widthLearned: boolean;
  /** Secrets masked in the transcript. */
  masked: number;
  truncated: boolean;
}

export const DEFAULT_SIZE = { width: 120, height: 30 } as const;

/**
 * The replay of a captured session. The transcript is redacted first (as alerts are, plus every other appearance of
 * a secret typed in a command), and record offsets are carried over to the redacted text.
 */
export function replaySession(session: CapturedSession): SessionReplay {
  const secrets = typedSecrets(session.records.map((r) => r.command));
  const positioned = session.records.filter((r) => r.offset !== undefined);
  let timeline: Timeline;
  let masked: number;
  let width: number | null = null;
  if (session.stream) {
    const redacted = redactLines(session.stream, secrets);
    masked = redacted.masked;
    timeline = timedStream(
      redacted.lines,
      positioned.map((r) => ({ seq: r.seq, line: r.offset! })),
    );
  } else {
    const text = session.terminal ?? '';
    const redacted = redactTranscript(text, secrets);
    masked = redacted.masked;
    timeline = pacedTerminal(
      redacted.text,
      positioned.map((r) => ({ seq: r.seq, offset: redacted.at(r.offset!) })),
    );
    width = learnedWidth(text);
  }
  return {
    info: session.info,
    timeline,
    width: width ?? DEFAULT_SIZE.width,
    height: DEFAULT_SIZE.height,
    widthLearned: width !== null,
    masked,
    truncated: session.truncated,
  };
}

/** Redacts the lines as one text (a pasted key spans lines), keeping one line per original line and its time. */
function redactLines(lines: readonly StreamLine[], secrets: Parameters<typeof redactTranscript>[1]) {
  const starts: number[] = [];
  let length = 0;
  for (const l of lines) {
    starts.push(length);
    length += l.text.length + 1;
  }
  const redacted = redactTranscript(lines.map((l) => l.text).join('\n'), secrets);
  const at = starts.map((s) => redacted.at(s));
  const out = lines.map((l, i) => {
    const piece = redacted.text.slice(at[i], i + 1 < lines.length ? at[i + 1] : redacted.text.length);
    return { text: piece.endsWith('\n') ? piece.slice(0, -1) : piece, time: l.time };
  });
  return { lines: out, masked: redacted.masked };
}
