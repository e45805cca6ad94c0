import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeAsciicast, toAsciicast } from '../../../forwarder/replay/asciicast.js';
import { redactTranscript, typedSecrets } from '../../../forwarder/replay/redact-transcript.js';
import { replaySession } from '../../../forwarder/replay/session-replay.js';
import { repoRoot } from '../../helpers/paths.js';
import { capture, parseCast } from './helpers.js';

const SECRETS_DIR = join(repoRoot, 'test/forwarder/redact/fixtures');
const SESSION = 'jdoe@example.com-s3cr3tsxq2m8x1c7b5n4z0p6r2';

/** What the user typed in the secrets scenario and must never be shown: read from the scenario itself. */
function typedInScenario(): string[] {
  const scenario = JSON.parse(readFileSync(join(SECRETS_DIR, 'secrets-scenario.json'), 'utf8')) as {
    sessions: { steps: { keys: string }[] }[];
  };
  const keys = scenario.sessions[0]!.steps.map((s) => s.keys).join('');
  const found = [
    /AKIA[A-Z0-9]{16}/.exec(keys)![0],
    /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(keys)![1]!,
    /-p(CorrectHorse\w+)/.exec(keys)![1]!,
    /deploy:(\S+)/.exec(keys)![1]!,
    /PGPASSWORD=(\S+)/.exec(keys)![1]!,
    /sshpass -p '([^']+)'/.exec(keys)![1]!,
    ...keys.split('\n').filter((l) => /^[A-Za-z0-9+/]{40,}$/.test(l)),
  ];
  expect(found).toHaveLength(9);
  return found;
}

describe('redacting a transcript for replay', () => {
  const forbidden = typedInScenario();

  for (const format of ['log', 'cw-stream.jsonl']) {
    it(`${format}: no secret the user typed is left in the replay, and every command keeps its moment`, async () => {
      const [session] = await capture(join(SECRETS_DIR, `${SESSION}.${format}`));
      const source = session!.terminal ?? session!.stream!.map((l) => l.text).join('\n');
      for (const secret of forbidden) expect(source).toContain(secret); // the raw transcript has them
      const replay = replaySession(session!);
      // typing is replayed key by key: look at the output as the terminal receives it, and at the file
      const cast = serializeAsciicast(toAsciicast(replay));
      const screen = parseCast(cast)
        .events.map((e) => e[2])
        .join('');
      for (const secret of forbidden) {
        expect(screen, `replay leaks ${secret.slice(0, 6)}…`).not.toContain(secret);
        expect(cast).not.toContain(secret);
      }
      expect(replay.masked).toBeGreaterThanOrEqual(7);
      expect(screen).toContain('[REDACTED:aws-secret-access-key]');
      expect([...replay.timeline.moments.keys()]).toEqual(session!.records.map((r) => r.seq));
    });
  }

  it('a command offset after a masked secret lands just after its mask', () => {
    const text = 'sh-5.2$ ls\r\r\nfile\r\r\nsh-5.2$ export PGPASSWORD=pgpass123\r\r\nsh-5.2$ id\r\r\nuid=0\r\r\n';
    const offsets = [text.indexOf('ls') + 2, text.indexOf('pgpass123') + 9, text.indexOf(' id') + 3];
    const r = redactTranscript(text);
    expect(r.text).not.toContain('pgpass123');
    const [ls, pg, id] = offsets.map((o) => r.at(o));
    expect(r.text.slice(0, ls)).toMatch(/\$ ls$/);
    expect(r.text.slice(0, pg)).toMatch(/PGPASSWORD=\[REDACTED:token\]$/);
    expect(r.text.slice(0, id)).toMatch(/\$ id$/);
    expect(r.at(text.length)).toBe(r.text.length);
  });

  it('a secret typed in a command is masked where a later command prints it', () => {
    const commands = ['export PGPASSWORD=pgpass123', 'echo $PGPASSWORD'];
    const secrets = typedSecrets(commands);
    expect(secrets).toEqual([{ value: 'pgpass123', kind: 'token' }]);
    const text = 'sh-5.2$ export PGPASSWORD=pgpass123\r\r\nsh-5.2$ echo $PGPASSWORD\r\r\npgpass123\r\r\nsh-5.2$ ';
    const r = redactTranscript(text, secrets);
    expect(r.text).not.toContain('pgpass123');
    expect(r.masked).toBe(2);
    const echo = text.indexOf('echo $PGPASSWORD') + 'echo $PGPASSWORD'.length;
    expect(r.text.slice(0, r.at(echo))).toMatch(/echo \$PGPASSWORD$/);
  });

  it('masks already in a transcript are kept as they are (redaction is idempotent)', () => {
    const text = 'sh-5.2$ echo [REDACTED:password] done\r\r\n';
    const r = redactTranscript(text);
    expect(r.text).toBe(text);
    for (let o = 0; o <= text.length; o++) expect(r.at(o)).toBe(o);
  });

  it('positions outside secrets map to the same text, for any mix of lines and secrets', () => {
    const plain = fc.stringMatching(/^[a-z][a-z ]{0,30}$/);
    const secret = fc
      .tuple(fc.constantFrom('PGPASSWORD=', 'password=', '--password '), fc.stringMatching(/^[A-Za-z0-9]{8,20}$/))
      .map(([k, v]) => `${k}${v}`);
    const piece = fc.oneof(
      plain.map((t) => ({ text: t, plain: true })),
      secret.map((t) => ({ text: t, plain: false })),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (pieces) => {
        let text = '';
        const starts: number[] = [];
        for (const p of pieces) {
          starts.push(text.length);
          text += `${p.text}\r\r\n`;
        }
        const r = redactTranscript(text);
        let previous = 0;
        for (const [i, p] of pieces.entries()) {
          const at = r.at(starts[i]!);
          expect(at).toBeGreaterThanOrEqual(previous);
          previous = at;
          if (p.plain) expect(r.text.startsWith(`${p.text}\r\r\n`, at)).toBe(true);
          else expect(r.text.slice(at)).toMatch(/^(?:PGPASSWORD=|password=|--password )\[REDACTED:[a-z-]+\]\r\r\n/);
        }
        expect(r.at(text.length)).toBe(r.text.length);
      }),
    );
  });
});
