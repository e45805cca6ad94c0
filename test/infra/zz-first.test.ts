import { test } from 'vitest';
import { buildAll, nagViolations } from './helpers.js';

test('first', () => {
  const { app } = buildAll();
  console.log(JSON.stringify(nagViolations(app), null, 1));
});
