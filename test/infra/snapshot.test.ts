import { describe, expect, it } from 'vitest';
import { buildAll, normalisedTemplate } from './helpers.js';

describe('templates (snapshots, asset hashes normalised)', () => {
  const first = buildAll();
  for (const stack of first.all) {
    it(`${stack.stackName} matches its snapshot`, () => {
      expect(normalisedTemplate(stack)).toMatchSnapshot();
    });
  }

  it('are identical from one synthesis to the next', () => {
    const second = buildAll();
    expect(second.all.map(normalisedTemplate)).toEqual(first.all.map(normalisedTemplate));
  });
});
