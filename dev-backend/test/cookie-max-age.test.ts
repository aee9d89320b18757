import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { withMaxAge } from '../identity-provider/cookie-max-age.ts';
import { confirmLogout, openEndSessionPage } from './helpers/end-session.ts';
import {
  authorizationUrl,
  CLIENT_ID,
  followRedirects,
  openLoginPage,
  REDIRECT_URI,
  signIn,
} from './helpers/oidc-flow.ts';
import { startStack, type TestStack } from './helpers/stack.ts';
import { redirectTarget, UserAgent } from './helpers/user-agent.ts';

const FIVE_HOURS = 5 * 3600 * 1000;

describe('withMaxAge', () => {
  const now = Date.parse('2026-01-01T12:00:00.000Z');

  it('adds the seconds left until Expires', () => {
    assert.equal(
      withMaxAge(
        '_interaction=abc; path=/i/1; expires=Thu, 01 Jan 2026 12:10:00 GMT; httponly',
        now,
      ),
      '_interaction=abc; path=/i/1; expires=Thu, 01 Jan 2026 12:10:00 GMT; httponly; max-age=600',
    );
  });

  it('rounds up the part of a second that writing Expires cut off', () => {
    assert.match(
      withMaxAge('a=b; expires=Thu, 01 Jan 2026 12:10:00 GMT', now - 400),
      /; max-age=601$/,
    );
    assert.match(
      withMaxAge('a=b; expires=Thu, 01 Jan 2026 12:10:00 GMT', now + 400),
      /; max-age=600$/,
    );
  });

  it('gives a deletion (Expires in 1970) max-age=0', () => {
    assert.match(
      withMaxAge('_session=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT', now),
      /; max-age=0$/,
    );
  });

  it('leaves alone a cookie that has Max-Age already, or no Expires (a browser-session cookie)', () => {
    for (const cookie of [
      'a=b; Max-Age=60; expires=Thu, 01 Jan 2026 12:10:00 GMT',
      'a=b; path=/',
    ]) {
      assert.equal(withMaxAge(cookie, now), cookie);
    }
  });
});

/** Cookies follow the device's clock; Max-Age makes them last as long as the provider meant. */
describe('the dev provider cookies', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('carry Max-Age, matching Expires, in every Set-Cookie of a sign-in and logout flow', async () => {
    const seen: { path: string; cookie: string; at: number }[] = [];
    const agent = new UserAgent();
    const fetchOnce = agent.fetch.bind(agent);
    agent.fetch = async (url, init) => {
      const response = await fetchOnce(url, init);
      for (const cookie of response.headers.getSetCookie()) {
        seen.push({ path: new URL(url).pathname, cookie, at: Date.now() });
      }
      return response;
    };

    // A wrong password first, then the sign-in, a silent second authorization, and sign-out
    // both ways (the app's self-confirming one, and a confirmed one after signing in again).
    const login = await openLoginPage(agent, stack.idp.issuer);
    await agent.postForm(login.action, { username: 'alice', password: 'wrong' });
    const { tokens } = await signIn(stack.idp.issuer, { agent });
    const again = authorizationUrl(stack.idp.issuer);
    await followRedirects(agent, await agent.fetch(again), again);
    const appLogout = await openEndSessionPage(agent, stack.idp.issuer, {
      id_token_hint: tokens.id_token!,
      client_id: CLIENT_ID,
      post_logout_redirect_uri: REDIRECT_URI,
    });
    await confirmLogout(agent, appLogout);
    await signIn(stack.idp.issuer, { agent });
    const askingLogout = await openEndSessionPage(agent, stack.idp.issuer, {});
    const done = await confirmLogout(agent, askingLogout);
    await agent.fetch(redirectTarget(done, askingLogout.action));

    const paths = new Set(seen.map(({ path }) => path.replace(/\/[\w-]{20,}$/, '/<uid>')));
    for (const expected of ['/auth', '/auth/<uid>', '/session/end', '/session/end/confirm']) {
      assert.ok(
        paths.has(expected),
        `the flow set cookies at ${expected} (saw ${[...paths].join(', ')})`,
      );
    }
    for (const { path, cookie, at } of seen) {
      const maxAge = /;\s*max-age=(\d+)/i.exec(cookie)?.[1];
      const expires = /;\s*expires=([^;]+)/i.exec(cookie)?.[1];
      const name = cookie.slice(0, cookie.indexOf('='));
      assert.ok(maxAge !== undefined, `${name} set at ${path} has no Max-Age`);
      assert.ok(expires !== undefined, `${name} set at ${path} keeps Expires for old clients`);
      const expected = Math.max(0, (Date.parse(expires) - at) / 1000);
      assert.ok(
        Math.abs(Number(maxAge) - expected) <= 2,
        `${name} at ${path}: max-age=${maxAge}, Expires is ${expected.toFixed(0)} s away`,
      );
    }
  });

  it('let a browser whose clock is five hours ahead sign in and out', async () => {
    const agent = new UserAgent(() => Date.now() + FIVE_HOURS);
    const { tokens } = await signIn(stack.idp.issuer, { agent });
    assert.ok(tokens.access_token);

    const page = await openEndSessionPage(agent, stack.idp.issuer, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: REDIRECT_URI,
    });
    assert.equal(page.submitsItself, true, 'the session cookie survived the clock');
  });
});
