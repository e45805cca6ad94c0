import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alerts/alert.js';

/** Alerts one sink could not take, kept until `redrive` delivers them. */
export interface SpoolEntry {
  /** Opaque handle of the spool implementation. */
  handle: string;
  sink: string;
  alerts: Alert[];
  error: string;
  attempts: number;
  firstFailed: string;
  lastFailed: string;
}

/** The dead-letter destination: a local directory for the CLI, an SQS queue in AWS. */
export interface Spool {
  readonly uri: string;
  put(sink: string, alerts: readonly Alert[], error: string): Promise<void>;
  list(): Promise<SpoolEntry[]>;
  /** After a redrive attempt: forget the entry, or keep only `remaining` with one more attempt counted. */
  settle(entry: SpoolEntry, remaining: readonly Alert[], error?: string): Promise<void>;
}

type Stored = Omit<SpoolEntry, 'handle'>;

/** Writes then renames, after fsync, so a crash leaves either the old file or the new one, never half of one. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
}

/** A directory of JSON files, one per failed batch per sink (`<time>-<uuid>.json`). */
export class DirSpool implements Spool {
  constructor(readonly dir: string) {}

  get uri() {
    return this.dir;
  }

  async put(sink: string, alerts: readonly Alert[], error: string): Promise<void> {
    if (!alerts.length) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const now = new Date().toISOString();
    const stored: Stored = { sink, alerts: [...alerts], error, attempts: 1, firstFailed: now, lastFailed: now };
    await writeAtomic(join(this.dir, `${now.replace(/[:.]/g, '-')}-${randomUUID()}.json`), JSON.stringify(stored));
  }

  async list(): Promise<SpoolEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: SpoolEntry[] = [];
    for (const name of names) {
      const stored = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as Stored;
      entries.push({ ...stored, handle: name });
    }
    return entries;
  }

  async settle(entry: SpoolEntry, remaining: readonly Alert[], error?: string): Promise<void> {
    const path = join(this.dir, entry.handle);
    if (!remaining.length) {
      await unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      return;
    }
    const stored: Stored = {
      sink: entry.sink,
      alerts: [...remaining],
      error: error ?? entry.error,
      attempts: entry.attempts + 1,
      firstFailed: entry.firstFailed,
      lastFailed: new Date().toISOString(),
    };
    await writeAtomic(path, JSON.stringify(stored));
  }
}
