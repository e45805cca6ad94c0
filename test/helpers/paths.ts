import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = join(repoRoot, 'test/fixtures');
export const sessionsDir = join(fixturesDir, 'sessions');

/**
 * The workplace's shared folder (SigmaHQ rules, the transcript generator). It is read in place, never copied
 * into the project: SESSIONWATCH_SHARED_DIR, else ../shared next to the clone, else /work/shared.
 */
export function sharedDir(): string | null {
  const candidates = [process.env.SESSIONWATCH_SHARED_DIR, join(repoRoot, '../shared'), '/work/shared'];
  for (const c of candidates) if (c && existsSync(join(c, 'data/sigma'))) return c;
  return null;
}
