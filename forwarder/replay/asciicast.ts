import type { SessionReplay } from './session-replay.js';

/** asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a header line, then one event a line. */
export interface AsciicastHeader {
  version: 2;
  width: number;
  height: number;
  /** Unix time (seconds) the session started, when known. */
  timestamp?: number;
  title?: string;
  env?: Record<string, string>;
}

/** [seconds since the start, "o" (output) or "m" (marker), data or marker label] */
export type AsciicastEvent = [number, 'o' | 'm', string];

export interface Asciicast {
  header: AsciicastHeader;
  events: AsciicastEvent[];
}

export interface Marker {
  time: number;
  label: string;
}

const SOURCE_NAMES = {
  s3: 'S3 transcript',
  cloudwatch: 'CloudWatch Logs (end of session)',
  'cloudwatch-stream': 'CloudWatch Logs streaming',
  raw: 'terminal text',
} as const;

/** The cast of a session replay; markers (alerts) are placed among the output at their times. */
export function toAsciicast(replay: SessionReplay, markers: readonly Marker[] = []): Asciicast {
  const { info, timeline } = replay;
  const timing =
    timeline.timing === 'recorded'
      ? 'timed from the log event times'
      : 'timing synthesised: this format records no keystroke times';
  const header: AsciicastHeader = {
    version: 2,
    width: replay.width,
    height: replay.height,
    ...(info.start ? { timestamp: Math.floor(Date.parse(info.start) / 1000) } : {}),
    title: `${info.sessionId} (${SOURCE_NAMES[info.source]}; ${timing}${replay.masked ? '; secrets redacted' : ''})`,
    env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
  };
  const events: AsciicastEvent[] = timeline.frames.map((f) => [f.time, 'o', f.data]);
  const sorted = [...markers].sort((a, b) => a.time - b.time);
  // stable merge: a marker goes after the output of its moment
  const merged: AsciicastEvent[] = [];
  let m = 0;
  for (const e of events) {
    while (m < sorted.length && sorted[m]!.time < e[0]) merged.push([sorted[m]!.time, 'm', sorted[m++]!.label]);
    merged.push(e);
  }
  for (; m < sorted.length; m++) merged.push([sorted[m]!.time, 'm', sorted[m]!.label]);
  return { header, events: merged };
}

/** The .cast file: newline-delimited JSON. */
export function serializeAsciicast(cast: Asciicast): string {
  return `${[cast.header, ...cast.events].map((line) => JSON.stringify(line)).join('\n')}\n`;
}
