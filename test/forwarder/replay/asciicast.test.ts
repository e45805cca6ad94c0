import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactText } from '../../../forwarder/redact/redact.js';
import { serializeAsciicast, toAsciicast } from '../../../forwarder/replay/asciicast.js';
import { replaySession } from '../../../forwarder/replay/session-replay.js';
import { limitIdle } from '../../../forwarder/replay/timeline.js';
import { sessionsDir } from '../../helpers/paths.js';
import { capture, commandsOf, FORMATS, fixtureSessions, parseCast } from './helpers.js';

async function castOf(path: string) {
  const [session, ...others] = await capture(path);
  expect(others).toEqual([]);
  const replay = replaySession(session!);
  const markers = session!.records
    .filter((r) => replay.timeline.moments.has(r.seq))
    .map((r) => ({ time: replay.timeline.moments.get(r.seq)!, label: r.command }));
  return { session: session!, replay, text: serializeAsciicast(toAsciicast(replay, markers)) };
}

describe('asciicast v2 export, every fixture session in every format', () => {
  for (const { dir, id } of fixtureSessions()) {
    for (const format of FORMATS) {
      it(`${id}.${format}: a valid cast, times never go back, one marker per command`, async () => {
        const { session, text } = await castOf(join(dir, `${id}.${format}`));
        const { header, events } = parseCast(text);
        expect(header.version).toBe(2);
        expect(Number.isInteger(header.width) && header.width >= 20).toBe(true);
        expect(Number.isInteger(header.height) && header.height > 0).toBe(true);
        if (session.info.start) expect(header.timestamp).toBe(Math.floor(Date.parse(session.info.start) / 1000));
        expect(header.title).toContain(id);
        expect(events[0]?.[0]).toBe(0);
        for (let i = 1; i < events.length; i++) expect(events[i]![0]).toBeGreaterThanOrEqual(events[i - 1]![0]);
        const positioned = session.records.filter((r) => r.offset !== undefined);
        expect(events.filter((e) => e[1] === 'm')).toHaveLength(positioned.length);
      });
    }

    it(`${id}: the cast of the S3 transcript, replayed through the project's terminal, gives the same commands`, async () => {
      const { session, text } = await castOf(join(dir, `${id}.log`));
      const output = parseCast(text)
        .events.filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join('');
      const replayed = commandsOf(output);
      const expected = session.records.map((r) => ({ command: redactText(r.command).text, cancelled: r.cancelled }));
      expect(replayed.map((r) => ({ command: r.command, cancelled: r.cancelled }))).toEqual(expected);
    });

    it(`${id}: the streaming cast is the stream's lines at their event times (relative to the first)`, async () => {
      const path = join(dir, `${id}.cw-stream.jsonl`);
      const { session, text } = await castOf(path);
      const { events } = parseCast(text);
      const output = events.filter((e) => e[1] === 'o');
      expect(output.map((e) => e[2])).toEqual(session.stream!.map((l) => `${redactText(l.text).text}\r\n`));
      // event times relative to the first; an event that arrived late never moves the replay back
      const first = session.stream!.find((l) => l.time !== null)!.time!;
      const times: number[] = [];
      for (const line of session.stream!)
        times.push(Math.max(times.at(-1) ?? 0, ((line.time ?? first) - first) / 1000));
      for (const [i, t] of times.entries()) {
        // lines of one event are spread out before the next event
        const next = times.find((u) => u > t);
        expect(output[i]![0]).toBeGreaterThanOrEqual(t);
        if (next !== undefined) expect(output[i]![0]).toBeLessThan(next);
      }
      expect(parseCast(text).header.title).toContain('timed from the log event times');
    });
  }

  it('a transcript without times says the timing is synthesised, and types a command key by key', async () => {
    const { text } = await castOf(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log'));
    const { header, events } = parseCast(text);
    expect(header.title).toContain('timing synthesised');
    const typed = events.filter((e) => e[1] === 'o' && e[2].length === 1).map((e) => e[2]);
    expect(typed.join('')).toContain('idsudo su -whoami');
  });

  it('the learned terminal width is the cast width (else 120x30)', async () => {
    const wrap40 = parseCast((await castOf(join(sessionsDir, '../generated/wrap40-0123456789abcdef07.log'))).text);
    expect([wrap40.header.width, wrap40.header.height]).toEqual([40, 30]);
    const mallory = parseCast((await castOf(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log'))).text);
    expect([mallory.header.width, mallory.header.height]).toEqual([120, 30]);
  });

  it('a marker sits after its command is typed and before its output', async () => {
    const { text } = await castOf(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.log'));
    const { events } = parseCast(text);
    const marker = events.findIndex((e) => e[1] === 'm' && e[2] === 'whoami');
    const before = events
      .slice(0, marker)
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    expect(before.endsWith('whoami')).toBe(true);
    expect(events.slice(marker + 1).find((e) => e[1] === 'o')?.[2]).toContain('ssm-user');
  });

  it('long pauses are shortened for the report player, moments kept between their frames', () => {
    const timeline = {
      frames: [
        { time: 0, data: 'a' },
        { time: 600, data: 'b' },
        { time: 601, data: 'c' },
      ],
      moments: new Map([
        [1, 300],
        [2, 600.5],
      ]),
      timing: 'recorded' as const,
    };
    const short = limitIdle(timeline, 3);
    expect(short.frames.map((f) => f.time)).toEqual([0, 3, 4]);
    expect(short.moments.get(1)).toBe(1.5);
    expect(short.moments.get(2)).toBe(3.5);
  });

  it('the 50,000-character command is typed in a bounded number of steps', async () => {
    const path = join(sessionsDir, '../generated/long-0123456789abcdef01234.log');
    const { text } = await castOf(path);
    const { events } = parseCast(text);
    expect(events.length).toBeLessThan(2000);
    const truth = JSON.parse(readFileSync(path.replace(/\.log$/, '.truth.json'), 'utf8')) as {
      commands: { command: string }[];
    };
    const longest = Math.max(...truth.commands.map((c) => c.command.length));
    expect(longest).toBeGreaterThan(40_000);
    const output = events
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    expect(commandsOf(output).some((r) => r.command.length === longest)).toBe(true);
  });
});
