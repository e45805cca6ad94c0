import { CommandExtractor } from '../commands/extract.js';
import type { CommandRecord, SessionInfo } from '../commands/record.js';
import { decodeStream } from '../transcript/decode-stream.js';
import type { DecodeError } from '../transcript/events.js';
import type { Input, ObjectReader } from './inputs.js';

export interface CommandHandlers {
  record(record: CommandRecord, session: SessionInfo): void | Promise<void>;
  sessionEnd?(session: SessionInfo): void | Promise<void>;
  /** Input that could not be decoded: reported, counted, and the rest goes on. */
  problem(error: DecodeError): void;
  /** The terminal text replayed for a session (record offsets count in it): for replay and reports. */
  terminalText?(session: SessionInfo, text: string): void;
  /** Each line of a streaming session (record offsets count them), with its event time. */
  streamLine?(session: SessionInfo, line: string, time: number | null): void;
}

/**
 * Decodes every input into command records. S3 event files name objects: those are fetched and decoded in turn.
 * Each input is one unit: its sessions end with it.
 */
export async function readCommands(
  inputs: AsyncIterable<Input>,
  handlers: CommandHandlers,
  deps: { objects: () => ObjectReader },
): Promise<void> {
  for await (const input of inputs) await readInput(input, handlers, deps, 0);
}

async function readInput(
  input: Input,
  handlers: CommandHandlers,
  deps: { objects: () => ObjectReader },
  depth: number,
): Promise<void> {
  const pending: Promise<void>[] = [];
  const extractor = new CommandExtractor({
    record: (r, s) => {
      const p = handlers.record(r, s);
      if (p) pending.push(p);
    },
    sessionEnd: (s) => {
      const p = handlers.sessionEnd?.(s);
      if (p) pending.push(p);
    },
    terminalText: (s, text) => handlers.terminalText?.(s, text),
    streamLine: (s, line, time) => handlers.streamLine?.(s, line, time),
  });
  const objects: { bucket: string; key: string }[] = [];
  for await (const event of decodeStream(input.open(), { name: input.name })) {
    if (event.type === 'error') handlers.problem(event.error);
    else if (event.type === 'object') objects.push(event);
    else extractor.push(event);
    if (pending.length > 0) await Promise.all(pending.splice(0));
  }
  extractor.end();
  await Promise.all(pending.splice(0));
  if (depth > 0) return; // an object named by an event is a transcript, never another event
  for (const o of objects) {
    const name = `s3://${o.bucket}/${o.key}`;
    await readInput({ name, open: () => fetchLazily(deps, o.bucket, o.key) }, handlers, deps, depth + 1);
  }
}

async function* fetchLazily(deps: { objects: () => ObjectReader }, bucket: string, key: string) {
  yield* await deps.objects().get(bucket, key);
}
