/**
 * The in-process store is bounded (BFF_MEMORY_MAX_SESSIONS): at the bound a new sign-in lands on
 * the login page as `unavailable`, the log says which setting to raise, and nobody already signed
 * in is signed out to make room. Against the real dev provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let bff: RunningBff;
before(async () => {
  stack = await startStack();
  bff = await startBff(stack, { env: { BFF_MEMORY_MAX_SESSIONS: '2' } });
});
after(async () => {
  await bff.close();
  await stack.close();
});

describe('the in-process store at its bound', () => {
  it('refuses the next sign-in with 503 unavailable and keeps every session it holds', async () => {
    const first = new Browser(stack.origin);
    const second = new Browser(stack.origin);
    assert.equal((await first.signIn()).pathname, '/dashboard');
    assert.equal((await second.signIn()).pathname, '/dashboard');

    const third = new Browser(stack.origin);
    const landed = await third.signIn({ returnUrl: '/profile' });
    assert.equal(landed.pathname, '/login');
    assert.equal(landed.searchParams.get('error'), 'unavailable');
    assert.equal(landed.searchParams.get('returnUrl'), '/profile');
    assert.equal(third.cookie('bff_session'), undefined, 'no session cookie for the refused one');

    const line = bff
      .log()
      .split('\n')
      .find((entry) => entry.includes('sign-in failed'));
    assert.ok(line, bff.log());
    assert.match(line, /BFF_MEMORY_MAX_SESSIONS/);

    for (const browser of [first, second]) {
      const answer = await browser.call('/api/me');
      assert.equal(answer.status, 200, 'still signed in');
    }
  });
});
