import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../detectors/index.js';
import type { SessionGroup } from '../../../forwarder/lambda/subscription.js';
import {
  emptyReplayState,
  type ReplayLimits,
  type ReplayState,
  replayDelivery,
  type SessionEvent,
} from '../../../forwarder/stream/session-replay.js';
import { fixturesDir } from '../../helpers/paths.js';
import { fixtureGroups, longStreamGroup, SESSIONS } from './helpers.js';

/**
 * The streaming path's replay gives the same commands and detections however a session's events are delivered:
 * all at once, one by one in order (each delivery resumes where the last one ended), one by one with a buffer so
 * small it keeps folding, and in reverse (every delivery replays the buffer with the late event in its place).
 */
let engine: Engine;

beforeAll(() => {
  engine = createEngine({
    iocTexts: [{ name: 'iocs.txt', text: readFileSync(join(fixturesDir, 'iocs.txt'), 'utf8') }],
  }).engine;
});

/** Event ids in the order the session wrote them (time, then CloudWatch's id, which grows within a millisecond). */
const inEventOrder = (events: SessionEvent[]) =>
  [...events].sort((a, b) => a.timestamp - b.timestamp || (BigInt(a.id) < BigInt(b.id) ? -1 : 1)).map((e) => e.id);

/**
 * Each command once (a replay of buffered events repeats some), with its rules, in session order; and the commands
 * marked fresh, in the order they came.
 */
function deliver(group: SessionGroup, deliveries: SessionEvent[][], limits?: ReplayLimits) {
  let state: ReplayState = emptyReplayState(group.kind, group.sessionId);
  const seen = new Map<string, string>();
  const fresh: string[] = [];
  for (const events of deliveries) {
    const result = replayDelivery(state, events, engine, limits);
    state = result.state;
    for (const c of result.commands) {
      seen.set(`${c.record.seq}`, `${c.record.command} → ${c.detections.map((d) => d.ruleId).join(',')}`);
      if (c.fresh) fresh.push(c.record.command);
    }
  }
  return { commands: [...seen.values()], fresh, state };
}

describe('replayDelivery', () => {
  for (const sid of SESSIONS) {
    it(`${sid}: one delivery, event by event, tiny buffer and reversed give the same commands`, () => {
      const groups = fixtureGroups(sid);
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) {
        const whole = deliver(group, [group.events]);
        expect(whole.commands.length).toBeGreaterThan(0);
        const oneByOne = deliver(
          group,
          group.events.map((e) => [e]),
        );
        expect(oneByOne.commands).toEqual(whole.commands);
        // the newest events stay buffered for reordering, in order
        const buffered = oneByOne.state.buffer.flatMap((c) => c.stamps.map((e) => e.id));
        expect(buffered.length).toBeGreaterThan(0);
        expect(buffered).toEqual(inEventOrder(group.events).slice(-buffered.length));

        const folding = deliver(
          group,
          group.events.map((e) => [e]),
          { maxEvents: 3, maxChars: 512 * 1024 },
        );
        expect(folding.commands).toEqual(whole.commands);
        expect(folding.state.foldedIds.length).toBeGreaterThan(0);

        // in order, with a buffer that folds at the state saved at its previous fold
        const foldingAtMid = deliver(
          group,
          group.events.map((e) => [e]),
          { maxEvents: 4, maxChars: 512 * 1024 },
        );
        expect(foldingAtMid.commands).toEqual(whole.commands);
        // pairs swapped with a buffer that keeps folding: every second delivery replays from a base that a fold made
        const swapped = group.events.map((e) => [e]);
        for (let i = 0; i + 1 < swapped.length; i += 2) [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        const foldingSwapped = deliver(group, swapped, { maxEvents: 4, maxChars: 512 * 1024 });
        expect(foldingSwapped.commands.sort()).toEqual([...whole.commands].sort());

        // all but the first arrive newest first, within the buffer: each is replayed in its place
        const [first, ...rest] = group.events;
        const reversed = deliver(group, [[first!], ...rest.reverse().map((e) => [e])]);
        expect(reversed.commands.sort()).toEqual([...whole.commands].sort());
      }
    });
  }
});

describe('replayDelivery on a long session', () => {
  it('folds at the state saved at the previous fold; out-of-order events replay from it; redeliveries are dropped', () => {
    const group = longStreamGroup();
    expect(group.events.length).toBeGreaterThan(40);
    const whole = deliver(group, [group.events]);
    const limits = { maxEvents: 4, maxChars: 512 * 1024 };
    const inOrder = deliver(
      group,
      group.events.map((e) => [e]),
      limits,
    );
    expect(inOrder.commands).toEqual(whole.commands);
    expect(inOrder.state.mid?.at).toBeGreaterThan(0);
    // every tenth event arrives after the one that follows it: with three folds between, the base it replays from
    // was made by a fold at the saved state
    const swapped = group.events.map((e) => [e]);
    for (let i = 9; i + 1 < swapped.length; i += 10) [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
    const outOfOrder = deliver(group, swapped, limits);
    expect(outOfOrder.commands.sort()).toEqual([...whole.commands].sort());
    // every delivery followed by redeliveries of itself, of an event still buffered and of one folded long ago: each is
    // recognised, replays nothing and raises no command again
    let state = emptyReplayState('stream', group.sessionId);
    const fresh: string[] = [];
    let duplicates = 0;
    group.events.forEach((e, i) => {
      const again = i >= 20 ? [[e], [group.events[i - 1]!], [group.events[i - 20]!]] : [];
      for (const delivery of [[e], ...again]) {
        const result = replayDelivery(state, delivery, engine, limits);
        state = result.state;
        duplicates += result.duplicates;
        for (const c of result.commands) if (c.fresh) fresh.push(c.record.command);
      }
    });
    expect(duplicates).toBe(3 * (group.events.length - 20));
    expect(state.foldedIds).toContain(group.events[0]!.id);
    expect(fresh).toEqual(inOrder.fresh);

    // the same state at the end (a wrong base would show in what the reconstruction and detection carry on)
    expect(outOfOrder.state.head).toEqual(whole.state.head);
    expect(inOrder.state.head).toEqual(whole.state.head);
  });
});
