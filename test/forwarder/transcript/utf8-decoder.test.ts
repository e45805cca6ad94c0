import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Decoder } from '../../../forwarder/transcript/utf8-decoder.js';
import { sessionsDir } from '../../helpers/paths.js';

/** What TextDecoder makes of the same chunks: the reference the fast path must equal. */
function reference(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8');
  return chunks.map((c) => decoder.decode(c, { stream: true })).join('') + decoder.decode();
}

function decoded(chunks: Uint8Array[], decoder = new Utf8Decoder()): string {
  return chunks.map((c) => decoder.decode(c)).join('') + decoder.end();
}

function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  return out;
}

const byteOf = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('Utf8Decoder', () => {
  it('decodes every fixture transcript, cut anywhere, exactly as TextDecoder does', () => {
    const logs = readdirSync(sessionsDir).filter((f) => f.endsWith('.log'));
    expect(logs.length).toBeGreaterThan(5);
    for (const name of logs) {
      const bytes = new Uint8Array(readFileSync(join(sessionsDir, name)));
      for (const size of [1, 3, 1000, 65536]) {
        const chunks = cut(
          bytes,
          Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size),
        );
        expect(decoded(chunks), `${name} in ${size}-byte chunks`).toBe(reference(chunks));
      }
    }
  });

  it('equals TextDecoder on any bytes cut anywhere: invalid sequences, characters split across chunks, BOMs', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme-ascii' }).map(byteOf),
      fc.string({ unit: 'binary' }).map(byteOf),
      fc.uint8Array({ maxLength: 12 }),
      fc.constant(new Uint8Array([0xef, 0xbb, 0xbf])),
      fc.constant(new Uint8Array([0xe2, 0x82])),
      fc.constant(new Uint8Array([0xf0, 0x9f, 0x98])),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, at) => {
        const bytes = new Uint8Array(Buffer.concat(pieces));
        const chunks = cut(bytes, at);
        expect(decoded(chunks)).toBe(reference(chunks));
      }),
      { numRuns: 3000 },
    );
  });

  it('drops a BOM only at the start of the input, even when it arrives after ASCII-only empty chunks', () => {
    expect(decoded([new Uint8Array(0), byteOf('\uFEFFls\n')])).toBe('ls\n');
    expect(decoded([byteOf('ls'), byteOf('\uFEFF\n')])).toBe('ls\uFEFF\n');
    expect(decoded([new Uint8Array([0xef]), new Uint8Array([0xbb, 0xbf, 0x41])])).toBe('A');
  });

  it('keeps a BOM-like character where a resumed part starts in the middle of the input', () => {
    expect(decoded([byteOf('\uFEFFls')], new Utf8Decoder(false))).toBe('\uFEFFls');
  });

  it('ends an unfinished character as U+FFFD, after ASCII or not', () => {
    expect(decoded([byteOf('echo '), new Uint8Array([0xe2, 0x82])])).toBe('echo \uFFFD');
    expect(decoded([new Uint8Array([0xe2, 0x82]), byteOf('ls')])).toBe('\uFFFDls');
  });
});
