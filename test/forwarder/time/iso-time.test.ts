import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../forwarder/time/iso-time.js';

const FIRST = Date.parse('0000-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');

describe('isoTime', () => {
  it('writes what toISOString writes, for any time in range and on the calendar edges', () => {
    const edges = [
      0,
      -0,
      -1,
      1.9,
      -1.9,
      FIRST,
      LAST,
      FIRST - 1,
      LAST + 1,
      8.64e15,
      -8.64e15,
      Date.parse('2000-02-29T23:59:59.999Z'),
      Date.parse('1900-03-01T00:00:00.000Z'),
      Date.parse('2100-02-28T12:00:00.000Z'),
      Date.parse('2026-10-06T22:47:03.000Z'),
    ];
    for (const ms of edges) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    fc.assert(
      fc.property(fc.integer({ min: FIRST - 1000, max: LAST + 1000 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses an invalid time as toISOString does', () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) expect(() => isoTime(ms)).toThrow(RangeError);
  });
});
