import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CommandExtractor } from '../../../forwarder/commands/extract.js';
import type { CommandRecord } from '../../../forwarder/commands/record.js';
import type { AsciicastEvent, AsciicastHeader } from '../../../forwarder/replay/asciicast.js';
import { type CapturedSession, SessionCapture } from '../../../forwarder/replay/capture.js';
import { readCommands } from '../../../forwarder/sources/read-commands.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

export const FORMATS = ['log', 'cw-final.jsonl', 'cw-stream.jsonl', 'subscription.json'] as const;

/** Every session of the fixtures (sessions/ and generated/): its directory and id. */
export function fixtureSessions(): { dir: string; id: string }[] {
  return [sessionsDir, join(fixturesDir, 'generated')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.truth.json'))
      .map((f) => ({ dir, id: f.slice(0, -'.truth.json'.length) })),
  );
}

/** Reads files as the CLI does and keeps each session's transcript (what replay and report work from). */
export async function capture(...paths: string[]): Promise<CapturedSession[]> {
  const kept = new SessionCapture();
  async function* inputs() {
    for (const path of paths) yield { name: path, open: () => createReadStream(path) as AsyncIterable<Uint8Array> };
  }
  await readCommands(
    inputs(),
    {
      record: (r, s) => kept.record(r, s),
      terminalText: (s, t) => kept.terminalText(s, t),
      streamLine: (s, l, t) => kept.streamLine(s, l, t),
      sessionEnd: (s) => kept.sessionEnd(s),
      problem: () => {},
    },
    { objects: () => Promise.reject(new Error('no S3 in this test')) as never },
  );
  return kept.sessions();
}

/** Parses an asciicast v2 file strictly: a header object, then [time, code, data] lines. */
export function parseCast(text: string): { header: AsciicastHeader; events: AsciicastEvent[] } {
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('a cast ends with a newline');
  const [first, ...rest] = lines.slice(0, -1);
  const header = JSON.parse(first!) as AsciicastHeader;
  const events = rest.map((l, i) => {
    const e = JSON.parse(l) as unknown;
    if (
      !Array.isArray(e) ||
      e.length !== 3 ||
      typeof e[0] !== 'number' ||
      !Number.isFinite(e[0]) ||
      (e[1] !== 'o' && e[1] !== 'm') ||
      typeof e[2] !== 'string'
    ) {
      throw new Error(`event ${i + 1} is not [time, "o"|"m", string]: ${l.slice(0, 80)}`);
    }
    return e as AsciicastEvent;
  });
  return { header, events };
}

/** The commands a terminal text gives when replayed through the project's terminal and segmenter. */
export function commandsOf(text: string): CommandRecord[] {
  const records: CommandRecord[] = [];
  const extractor = new CommandExtractor({ record: (r) => records.push(r) });
  extractor.push({ type: 'terminal', sessionId: 'replayed', source: 'raw', text, time: null });
  extractor.end();
  return records;
}
