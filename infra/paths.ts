import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder upwards whose package.json is sessionwatch's. Found by walking up rather
 * than by a fixed `../..`, so the same code works from the sources (vitest) and from the synth bundle in `dist/`.
 */
export function repoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'sessionwatch') return dir;
    if (dirname(dir) === dir) throw new Error(`no sessionwatch package.json above ${start}`);
  }
}

/** Where `npm run bundle` writes the Lambda code (one ES module, `index.mjs`, handler `index.handler`). */
export function lambdaBundleDir(): string {
  return join(repoRoot(), 'dist/lambda');
}
