import { gunzipSync } from 'node:zlib';
import type { Input } from '../sources/inputs.js';

/** The largest CloudTrail input read (after gunzip); CloudTrail log files are a few MB. */
const MAX_BYTES = 512 * 1024 * 1024;
const MAX_NESTING = 4;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The CloudTrail records in any export: a log file (`{"Records":[…]}`), `LookupEvents` output
 * (`{"Events":[{"CloudTrailEvent":"<json>"}]}`), an array, an EventBridge event, a single record. Envelopes are
 * returned as they are (the identity parser unwraps EventBridge and JSON strings itself).
 */
export function cloudTrailRecords(value: unknown, depth = 0): unknown[] {
  if (depth > MAX_NESTING) return [];
  if (Array.isArray(value)) return value.flatMap((v) => cloudTrailRecords(v, depth + 1));
  if (!isObject(value)) return [];
  if (Array.isArray(value.Records)) return value.Records;
  if (Array.isArray(value.Events)) {
    return value.Events.map((e) => (isObject(e) && typeof e.CloudTrailEvent === 'string' ? e.CloudTrailEvent : e));
  }
  return [value];
}

export class CloudTrailInputError extends Error {
  override name = 'CloudTrailInputError';
}

/** Reads one input (gzip or not; one JSON document or JSON Lines) into its CloudTrail records. */
export async function readCloudTrailInput(input: Input): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input.open()) {
    size += chunk.length;
    if (size > MAX_BYTES) throw new CloudTrailInputError(`${input.name}: larger than ${MAX_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  let bytes = Buffer.concat(chunks);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_BYTES });
    } catch (e) {
      throw new CloudTrailInputError(`${input.name}: does not gunzip: ${(e as Error).message}`);
    }
  }
  const text = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  if (text === '') return [];
  try {
    return cloudTrailRecords(JSON.parse(text));
  } catch {
    // JSON Lines: one record (or envelope) a line
  }
  const records: unknown[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(...cloudTrailRecords(JSON.parse(line)));
    } catch {
      throw new CloudTrailInputError(`${input.name}:${i + 1}: not JSON (expected CloudTrail records)`);
    }
  }
  return records;
}
