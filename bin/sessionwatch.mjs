#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ by `npm run build` (run automatically by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/sessionwatch.mjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('sessionwatch: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}
// a reader that stops early (| head) closes the pipe: that ends the run, it is not an error
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
