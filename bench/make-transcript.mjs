// Writes a large S3 transcript for benchmarks: the bundled fixture sessions' terminal bytes repeated under one
// script header until the size is reached (every repetition replays, so commands keep being found).
// Usage: node bench/make-transcript.mjs OUT.log SIZE_MB
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, sizeMb = '100'] = process.argv.slice(2);
const dir = new URL('../test/fixtures/sessions/', import.meta.url).pathname;
const bodies = readdirSync(dir)
  .filter((f) => f.endsWith('.log'))
  .sort()
  .map((f) => {
    const text = readFileSync(join(dir, f), 'latin1');
    return text.slice(text.indexOf('\n') + 1, text.lastIndexOf('\nScript done'));
  });
const header =
  'Script started on 2026-10-05 14:03:22+00:00 [COMMAND="cat /var/lib/amazon/ssm/i-0123456789abcdef0/session/orchestration/bench-0123456789abcdef0/Standard_Stream/ipcTempFile.log" <not executed on terminal>]\n';
const target = Number(sizeMb) * 1024 * 1024;
const stream = createWriteStream(out);
let written = 0;
const write = (s) =>
  new Promise((resolve) => {
    written += Buffer.byteLength(s, 'latin1');
    if (stream.write(s, 'latin1')) resolve();
    else stream.once('drain', resolve);
  });
await write(header);
for (let i = 0; written < target; i++) await write(bodies[i % bodies.length]);
await write('\nScript done on 2026-10-05 15:03:22+00:00 [COMMAND_EXIT_CODE="0"]\n');
stream.end();
console.error(`${out}: ${(written / 1024 / 1024).toFixed(0)} MB`);
