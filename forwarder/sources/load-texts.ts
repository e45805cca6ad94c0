import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ObjectReader } from './inputs.js';

/** A named text (a rule file, an IOC list) from a local path or an s3:// URI. */
export interface NamedText {
  name: string;
  text: string;
}

const S3_URI = /^s3:\/\/([^/]+)\/(.+)$/;
const MAX_TEXT = 256 * 1024 * 1024;

/** Reads IOC lists and the like: local files or s3://bucket/key objects (through the given reader). */
export async function loadTexts(locations: readonly string[], objects: () => ObjectReader): Promise<NamedText[]> {
  const out: NamedText[] = [];
  for (const location of locations) {
    const s3 = S3_URI.exec(location);
    if (!s3) {
      out.push({ name: basename(location), text: await readFile(location, 'utf8') });
      continue;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of await objects().get(s3[1]!, s3[2]!)) {
      size += chunk.length;
      if (size > MAX_TEXT) throw new Error(`${location} is larger than ${MAX_TEXT} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    out.push({ name: basename(s3[2]!), text: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}
