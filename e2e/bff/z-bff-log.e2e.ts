import { existsSync, readFileSync } from 'node:fs';

import { ISSUED_TOKENS_FILE, expect, test } from './fixtures';

// Runs last (files run in name order, one worker): the BFF's log of the whole run.
test("the BFF's log of the whole run contains none of the tokens issued during it", async () => {
  const issued = existsSync(ISSUED_TOKENS_FILE)
    ? readFileSync(ISSUED_TOKENS_FILE, 'utf8').split('\n').filter(Boolean)
    : [];
  expect(issued.length, 'tokens were issued during the run').toBeGreaterThan(0);
  const log = readFileSync('test-results/bff.log', 'utf8');
  expect(log.length, 'the BFF logged something').toBeGreaterThan(0);
  expect(issued.filter((token) => log.includes(token))).toEqual([]);
});
