import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The terminal player inlined into every report (asciinema-player, Apache-2.0; its WebAssembly is in the JS). */
export interface PlayerAssets {
  js: string;
  css: string;
  version: string;
}

let cached: Promise<PlayerAssets> | null = null;

export function loadPlayerAssets(): Promise<PlayerAssets> {
  cached ??= (async () => {
    const script = createRequire(import.meta.url).resolve('asciinema-player/dist/bundle/asciinema-player.min.js');
    const bundle = dirname(script);
    const [js, css, pkg] = await Promise.all([
      readFile(script, 'utf8'),
      readFile(join(bundle, 'asciinema-player.css'), 'utf8'),
      readFile(join(bundle, '..', '..', 'package.json'), 'utf8'),
    ]);
    return { js, css, version: (JSON.parse(pkg) as { version: string }).version };
  })();
  return cached;
}
