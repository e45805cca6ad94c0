import { readFileSync } from 'node:fs';
import { CommandExtractor } from '../../forwarder/commands/extract.js';
import type { CommandRecord, SessionInfo } from '../../forwarder/commands/record.js';
import { decodeStream } from '../../forwarder/transcript/decode-stream.js';
import type { DecodeError, TranscriptEvent } from '../../forwarder/transcript/events.js';

/** Bytes as an async iterable, cut into chunks of the given size (to test chunk boundaries). */
export async function* chunks(data: Uint8Array | string, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export async function decodeAll(
  data: Uint8Array | string,
  name?: string,
  chunkSize?: number,
): Promise<TranscriptEvent[]> {
  const out: TranscriptEvent[] = [];
  for await (const e of decodeStream(chunks(data, chunkSize), { name: name ?? null })) out.push(e);
  return out;
}

export interface Extracted {
  records: CommandRecord[];
  sessions: SessionInfo[];
  errors: DecodeError[];
}

/** Decodes input and rebuilds its commands in-process (what `sessionwatch commands` does). */
export async function extract(data: Uint8Array | string, name?: string, chunkSize?: number): Promise<Extracted> {
  const result: Extracted = { records: [], sessions: [], errors: [] };
  const extractor = new CommandExtractor({
    record: (r) => result.records.push(r),
    sessionEnd: (s) => result.sessions.push({ ...s }),
  });
  for (const e of await decodeAll(data, name, chunkSize)) {
    if (e.type === 'error') result.errors.push(e.error);
    else extractor.push(e);
  }
  extractor.end();
  return result;
}

export const extractFile = (path: string, chunkSize?: number) => extract(readFileSync(path), path, chunkSize);
