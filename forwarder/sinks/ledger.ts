import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Which alert ids each sink has accepted. Checked before every delivery and redrive, recorded after, so an alert
 * reaches a sink once even when the stream and the S3 path both find it, or a spooled batch is redriven twice.
 */
export interface DeliveryLedger {
  /** The subset of `ids` already delivered to `sink`. */
  delivered(sink: string, ids: readonly string[]): Promise<Set<string>>;
  record(sink: string, ids: readonly string[]): Promise<void>;
}

export class MemoryLedger implements DeliveryLedger {
  private readonly seen = new Set<string>();

  async delivered(sink: string, ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.seen.has(`${sink}\u0000${id}`)));
  }

  async record(sink: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.seen.add(`${sink}\u0000${id}`);
  }
}

/** A JSON-lines file (`{"sink":…,"id":…}` a line), appended to; read once per process. */
export class FileLedger implements DeliveryLedger {
  private memory: MemoryLedger | null = null;

  constructor(readonly path: string) {}

  private async load(): Promise<MemoryLedger> {
    if (this.memory) return this.memory;
    const memory = new MemoryLedger();
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const { sink, id } = JSON.parse(line) as { sink: string; id: string };
        await memory.record(sink, [id]);
      } catch {
        // A line torn by a crash mid-append: that id was not recorded, so at worst it is delivered again.
      }
    }
    this.memory = memory;
    return memory;
  }

  async delivered(sink: string, ids: readonly string[]): Promise<Set<string>> {
    return (await this.load()).delivered(sink, ids);
  }

  async record(sink: string, ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const memory = await this.load();
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(this.path, ids.map((id) => `${JSON.stringify({ sink, id })}\n`).join(''), { mode: 0o600 });
    await memory.record(sink, ids);
  }
}
