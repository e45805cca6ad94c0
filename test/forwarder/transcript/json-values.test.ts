import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../forwarder/transcript/events.js';
import { JsonValueSplitter, MAX_JSON_VALUE } from '../../../forwarder/transcript/json-values.js';
import { sessionsDir } from '../../helpers/paths.js';

/** Splits `text` fed in `size`-character pieces, as a stream gives it. */
function split(text: string, size = 64 * 1024): (string | DecodeError)[] {
  const splitter = new JsonValueSplitter('test.json');
  const out: (string | DecodeError)[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
  out.push(...splitter.end());
  return out;
}

const describeOut = (out: (string | DecodeError)[]) =>
  out.map((v) => (v instanceof DecodeError ? `${v.kind} error` : JSON.parse(v)));

const subscription = readFileSync(join(sessionsDir, 'mallory-09f8e7d6c5b4a3921.subscription.json'), 'utf8');

describe('JsonValueSplitter', () => {
  it("yields a fixture array's elements, whatever the chunk size", () => {
    const events = JSON.parse(subscription) as unknown[];
    for (const size of [1, 7, 4096]) expect(describeOut(split(subscription, size))).toEqual(events);
  });

  it('splits a string of millions of escapes in one pass over it', () => {
    // each escape used to search on for the string's closing quote through the whole piece read: in 2 MB pieces,
    // minutes for this string
    const message = `${'\\'.repeat(3_000_000)}"\u001b[0m\r\n`.repeat(2);
    const values = [{ message }, { message: 'after' }];
    expect(describeOut(split(JSON.stringify(values), 2 * 1024 * 1024))).toEqual(values);
  });

  it('reports a value over the cap and keeps the values after it on the same line', () => {
    const big = 'A'.repeat(MAX_JSON_VALUE + 10);
    const cases = [
      `[{"message":"${big}"},{"message":"next"}]`, // one long string
      `[{"message":[${'1,'.repeat(MAX_JSON_VALUE / 2 + 10)}1]},{"message":"next"}]`, // many small tokens
      `{"message":"${big}"} {"message":"next"}`, // concatenated values
    ];
    for (const text of cases) expect(describeOut(split(text))).toEqual(['too-large error', { message: 'next' }]);
  });

  it('drops garbage that is no JSON value up to the next line, without holding it', () => {
    const text = `[tru${'e'.repeat(100_000)}\n{"message":"next"}]`;
    expect(describeOut(split(text, 1000))).toEqual(['json error', { message: 'next' }]);
  });
});
