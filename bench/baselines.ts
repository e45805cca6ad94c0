/**
 * What reading the same bytes costs with nothing else done: the floor each end-to-end figure is compared with.
 */
import { gunzipSync } from 'node:zlib';
import { type Corpus, chunks } from './corpus.js';

/** (a) Each subscription delivery: base64 decoded, gunzipped and JSON.parse'd. Returns log events seen. */
export function gunzipAndParse(corpus: Corpus): number {
  let events = 0;
  for (const s of corpus.sessions) {
    for (const e of s.subscription) {
      const payload = JSON.parse(gunzipSync(Buffer.from(e.awslogs.data, 'base64')).toString('utf8')) as {
        logEvents: unknown[];
      };
      events += payload.logEvents.length;
    }
  }
  return events;
}

/** (b) Each S3 object read in 64 KB chunks, decoded as streaming UTF-8, its lines counted. Returns lines. */
export function decodeAndCountLines(corpus: Corpus): number {
  let lines = 0;
  for (const s of corpus.sessions) {
    const decoder = new TextDecoder('utf-8');
    for (const chunk of chunks(s.log)) lines += countNewlines(decoder.decode(chunk, { stream: true }));
    lines += countNewlines(decoder.decode());
  }
  return lines;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
