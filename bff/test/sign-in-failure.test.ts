/**
 * Every failed sign-in names its likely cause: the login page gets a reason (and the provider's
 * error code), the BFF's log the provider's status, error and description. Against the real dev
 * provider; the client refused case is in client-auth.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Browser } from './helpers/browser.ts';
import { startBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

let stack: Stack;
let bff: RunningBff;
before(async () => {
  stack = await startStack();
  bff = await startBff(stack);
});
after(async () => {
  await bff.close();
  await stack.close();
});

/** The log lines (JSON) whose message starts with `prefix`. */
const logged = (prefix: string) =>
  bff
    .log()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; failure?: Record<string, unknown> })
    .filter((entry) => entry.msg.startsWith(prefix));

describe('a failed sign-in names its cause', () => {
  it('a callback this browser did not start: state_mismatch, and a log line saying why', async () => {
    const browser = new Browser(stack.origin);
    const answer = await browser.fetch('/bff/callback?code=planted&state=planted');
    assert.equal(answer.status, 303);
    const landed = new URL(answer.headers.get('location') ?? '', stack.origin);
    assert.equal(landed.pathname, '/login');
    assert.equal(landed.searchParams.get('error'), 'state_mismatch');
    assert.equal(logged('sign-in callback does not belong').length, 1);
  });

  it("the provider's error on the way back: provider_error with its code, logged with its description", async () => {
    const browser = new Browser(stack.origin);
    const start = await browser.fetch('/bff/login?returnUrl=%2Fprofile');
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state');
    assert.ok(state);
    const answer = await browser.fetch(
      `/bff/callback?error=access_denied&error_description=${encodeURIComponent('the user said no')}&state=${state}&iss=${encodeURIComponent(stack.idp.issuer)}`,
    );
    const landed = new URL(answer.headers.get('location') ?? '', stack.origin);
    assert.equal(landed.searchParams.get('error'), 'provider_error');
    assert.equal(landed.searchParams.get('detail'), 'access_denied');
    assert.equal(landed.searchParams.get('returnUrl'), '/profile');
    const [entry] = logged('sign-in failed: provider_error');
    assert.equal(entry?.failure?.['error'], 'access_denied');
    assert.equal(entry?.failure?.['errorDescription'], 'the user said no');
  });

  it('a provider that cannot be reached when the sign-in starts: unavailable', async () => {
    // A fresh BFF (no discovery yet) while the provider answers 503 to everything.
    const fresh = await startBff(stack, { listen: false });
    await fetch(`${stack.idp.issuer}/__dev/outage?down=1`, { method: 'POST' });
    try {
      const { port } = fresh.server.addresses()[0] as { port: number };
      const answer = await fetch(`http://localhost:${port}/bff/login?returnUrl=%2F`, {
        redirect: 'manual',
      });
      const landed = new URL(answer.headers.get('location') ?? '', stack.origin);
      assert.equal(landed.pathname, '/login');
      assert.equal(landed.searchParams.get('error'), 'unavailable');
      assert.match(fresh.log(), /sign-in could not start/);
    } finally {
      await fetch(`${stack.idp.issuer}/__dev/outage?down=0`, { method: 'POST' });
      await fresh.close();
    }
  });
});
