import { isAscii } from 'node:buffer';

/**
 * Streaming UTF-8 decoding, as `TextDecoder` with `stream: true` does it (invalid sequences become U+FFFD, a BOM
 * at the very start is dropped), with a fast path for what most transcripts are: a chunk of ASCII bytes, with no
 * character left unfinished before it, is copied into a one-byte string without ICU's converter (about ten times
 * faster; see docs/benchmarks.md).
 */
export class Utf8Decoder {
  /** BOM handling is ours: the converter may first see the input in its middle, where a BOM is just a character. */
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** The last chunk the converter took ended outside ASCII: it may hold the first bytes of a character. */
  private open = false;

  /** `atStart`: the input's first byte comes next (a part that resumes in the middle has no BOM to drop). */
  constructor(private atStart = true) {}

  decode(chunk: Uint8Array): string {
    let text: string;
    if (!this.open && isAscii(chunk)) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    } else {
      text = this.decoder.decode(chunk, { stream: true });
      if (chunk.length > 0) this.open = chunk[chunk.length - 1]! >= 0x80;
    }
    return this.atStart ? this.dropBom(text) : text;
  }

  /** The end of the input: an unfinished character becomes U+FFFD. */
  end(): string {
    const text = this.open ? this.decoder.decode() : '';
    this.open = false;
    return this.atStart ? this.dropBom(text) : text;
  }

  private dropBom(text: string): string {
    if (text.length === 0) return text;
    this.atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}
