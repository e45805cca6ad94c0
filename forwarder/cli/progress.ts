import type { Input } from '../sources/inputs.js';

export interface ProgressOptions {
  /** Bytes and files to read in all, when known (local files): the bar shows a percentage. */
  totalBytes?: number | null;
  totalFiles?: number | null;
  now?: () => number;
  /** Nothing is drawn before this (a short run stays quiet), then at most once per `intervalMs`. */
  delayMs?: number;
  intervalMs?: number;
  /** Columns of the terminal. */
  columns?: number;
}

const BAR = 20;

/**
 * A one-line progress display on stderr (a terminal): bytes read, throughput, sessions and files. Redrawn in place,
 * throttled, and erased when the run ends so the output that follows starts on a clean line.
 */
export class Progress {
  private bytes = 0;
  private files = 0;
  private sessions = 0;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly now: () => number;

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number },
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** Counts the bytes and files of inputs as they are read. */
  async *track(inputs: AsyncIterable<Input>): AsyncGenerator<Input> {
    for await (const input of inputs) {
      yield {
        name: input.name,
        open: () => this.count(input.open()),
      };
    }
  }

  session(): void {
    this.sessions++;
    this.tick();
  }

  /** Erases the line (call before printing results). */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  private async *count(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      this.bytes += chunk.byteLength;
      this.tick();
      yield chunk;
    }
    this.files++;
    this.tick();
  }

  private tick(): void {
    const now = this.now();
    if (now - this.started < (this.options.delayMs ?? 400)) return;
    if (now - this.lastDraw < (this.options.intervalMs ?? 100)) return;
    this.lastDraw = now;
    this.drawn = true;
    const line = this.line(now);
    const columns = this.options.columns ?? this.stream.columns ?? 80;
    this.stream.write(`\r${line.length >= columns ? line.slice(0, columns - 1) : line}\x1b[K`);
  }

  /** The text of the progress line at `now`. */
  line(now = this.now()): string {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const total = this.options.totalBytes;
    const rate = `${mb(this.bytes / seconds)}/s`;
    const files = this.options.totalFiles ? `${this.files}/${this.options.totalFiles}` : String(this.files);
    const counts = `${this.sessions} session${this.sessions === 1 ? '' : 's'}  ${files} files`;
    if (!total) return `reading ${mb(this.bytes)}  ${rate}  ${counts}`;
    const fraction = Math.min(1, this.bytes / total);
    const filled = Math.round(fraction * BAR);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
    const done = `${(this.bytes / 1_000_000).toFixed(1)}/${mb(total)}`;
    return `${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${done}  ${rate}  ${counts}`;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
