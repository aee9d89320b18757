/**
 * The dev provider keeps what it issued while a stack is busy: with oidc-provider's quick-start
 * storage (1,000 entries) an earlier user's refresh token was evicted after a few hundred other
 * sign-ins, and their next refresh failed with invalid_grant (storage.ts). With that storage
 * restored this test fails so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { refresh, signIn } from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';

/** Past what the quick-start storage held (200 were not; 500 are). */
const OTHER_SIGN_INS = 500;

describe('the dev provider under many sign-ins', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it(`still refreshes the first user's token after ${OTHER_SIGN_INS} other sign-ins`, async () => {
    const { tokens } = await signIn(stack.idp.issuer);
    for (let i = 0; i < OTHER_SIGN_INS; i += 1) await signIn(stack.idp.issuer);
    const response = await refresh(stack.idp.issuer, tokens.refresh_token!);
    assert.equal(response.status, 200, await response.clone().text());
  });
});
