/**
 * OpenID Connect Back-Channel Logout against the real dev provider: ending the provider session
 * on its own end-session page ends the BFF session in every instance (two instances on one
 * Redis); forged, mis-addressed, nonce-carrying, event-less, stale and replayed logout tokens are
 * refused and end nothing; a store failure between the jti check and the end of the sessions
 * answers 503 and the provider's retry ends them (issue 19, item 2).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { importJWK, SignJWT, type JWTPayload } from 'jose';

import { generateSigningKey } from '../../dev-backend/identity-provider/signing-key.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { SessionStore } from '../session-store/types.ts';
import { Browser } from './helpers/browser.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { baseOf, startRedisBff, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let stack: Stack;
let redis: TestRedis;
let a: RunningBff;
let b: RunningBff;
/** A third instance on the same Redis whose store fails the calls named here, once each. */
let faulty: RunningBff;
const failOnce = new Set<keyof SessionStore>();
const storeCalls: string[] = [];

/** `inner`, except that each method named in `failOnce` throws StoreUnavailableError once. */
function withInjectedFailures(inner: SessionStore): SessionStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        storeCalls.push(String(property));
        if (failOnce.delete(property as keyof SessionStore)) {
          return Promise.reject(new StoreUnavailableError());
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function instance(
  listen: boolean,
  wrapStore?: (store: SessionStore) => SessionStore,
): Promise<RunningBff> {
  return startRedisBff(stack, redis.url, { listen, ...(wrapStore ? { wrapStore } : {}) });
}

before(async () => {
  stack = await startStack();
  redis = await startRedis();
  a = await instance(true);
  b = await instance(false);
  faulty = await instance(false, withInjectedFailures);
});
after(async () => {
  await Promise.all([a.close(), b.close(), faulty.close()]);
  await redis.stop();
  await stack.close();
});

async function signedIn(): Promise<{ browser: Browser; id: string; sid: string }> {
  const browser = new Browser(stack.origin);
  await browser.signIn();
  const id = browser.cookie('bff_session')!.value;
  const lookup = await a.store.getSession(id);
  assert.ok(lookup.state === 'active' && lookup.session.sid, 'the session knows its provider sid');
  return { browser, id, sid: lookup.state === 'active' ? lookup.session.sid! : '' };
}

async function logoutToken(claims: JWTPayload, key = stack.signingKey): Promise<string> {
  const payload: JWTPayload = {
    iss: stack.idp.issuer,
    aud: 'demo-bff',
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    events: { [LOGOUT_EVENT]: {} },
    ...claims,
  };
  for (const [name, value] of Object.entries(payload))
    if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: stack.signingKey.kid!, typ: 'logout+jwt' })
    .sign(await importJWK(key, 'RS256'));
}

function post(token: string, bff = a): Promise<Response> {
  return fetch(`${baseOf(bff)}/bff/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  });
}

describe('back-channel logout', () => {
  it('ends the session in every instance when the provider session ends on its own page', async () => {
    const { browser, id } = await signedIn();
    const lookup = await a.store.getSession(id);
    const idToken = lookup.state === 'active' ? lookup.session.tokens.idToken! : '';
    const end = new URL(`${stack.idp.issuer}/session/end`);
    end.search = new URLSearchParams({
      id_token_hint: idToken,
      client_id: 'demo-bff',
      post_logout_redirect_uri: `${stack.origin}/`,
    }).toString();
    const page = await browser.fetch(end);
    const html = await page.text();
    const form = /<form[^>]*id="op\.logoutForm"[^>]*>[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
    const action = /action="([^"]+)"/.exec(form)?.[1];
    assert.ok(action, `the provider's logout form (${page.status})`);
    const fields = Object.fromEntries(
      [...form.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const confirmed = await browser.fetch(
      new URL(action.replace(/&amp;/g, '&'), stack.idp.issuer),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, logout: 'yes' }).toString(),
      },
    );
    assert.ok(confirmed.status < 400, `end session confirmed (${confirmed.status})`);
    for (const bff of [b, a]) {
      const response = await browser.call('/api/me', { base: baseOf(bff) });
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), {
        error: 'session_ended',
        reason: 'provider_logout',
        message: 'session ended (provider_logout): sign in again',
      });
      browser.cookies.set('bff_session;/', { name: 'bff_session', value: id, path: '/', raw: '' });
    }
  });

  it('ends the sessions of a sid, posted to any instance', async () => {
    const one = await signedIn();
    const other = await signedIn();
    const response = await post(await logoutToken({ sid: one.sid, sub: 'alice' }), b);
    assert.equal(response.status, 200);
    assert.equal((await a.store.getSession(one.id)).state, 'ended');
    assert.equal(
      (await a.store.getSession(other.id)).state,
      'active',
      'another provider session is untouched',
    );
  });

  it('ends every session of a sub when the token has no sid', async () => {
    const one = await signedIn();
    const response = await post(await logoutToken({ sub: 'alice' }));
    assert.equal(response.status, 200);
    assert.equal((await a.store.getSession(one.id)).state, 'ended');
  });

  const refused: Array<[string, () => Promise<string>]> = [
    ['a bad signature', async () => logoutToken({ sub: 'alice' }, await generateSigningKey())],
    ['a wrong audience', () => logoutToken({ sub: 'alice', aud: 'demo-spa' })],
    ['a wrong issuer', () => logoutToken({ sub: 'alice', iss: 'http://localhost:1' })],
    ['a nonce', () => logoutToken({ sub: 'alice', nonce: 'n' })],
    ['no back-channel event', () => logoutToken({ sub: 'alice', events: {} })],
    ['neither sid nor sub', () => logoutToken({ sub: undefined })],
    [
      'an iat too old',
      () => logoutToken({ sub: 'alice', iat: Math.floor(Date.now() / 1000) - 600 }),
    ],
    ['no jti', () => logoutToken({ sub: 'alice', jti: undefined })],
    ['not a JWT', async () => 'not-a-jwt'],
  ];
  for (const [what, make] of refused) {
    it(`refuses a logout token with ${what} (400) and ends nothing`, async () => {
      const { id } = await signedIn();
      const response = await post(await make());
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
      assert.equal((await a.store.getSession(id)).state, 'active');
    });
  }

  it('refuses a replayed logout token, even at another instance', async () => {
    const token = await logoutToken({ sid: randomUUID() });
    assert.equal((await post(token, a)).status, 200);
    const { sid, id } = await signedIn();
    void sid;
    const replay = await post(token, b);
    assert.equal(replay.status, 400);
    assert.match(
      ((await replay.json()) as { error_description: string }).error_description,
      /replayed/,
    );
    assert.equal((await a.store.getSession(id)).state, 'active');
  });

  it('ends the sessions on the provider retry after a store failure between jti check and ending (503)', async () => {
    const { id, sid } = await signedIn();
    const token = await logoutToken({ sid, sub: 'alice' });
    failOnce.add('endSession');
    const first = await post(token, faulty);
    assert.equal(first.status, 503, 'the store failed: the provider is asked to retry');
    assert.equal((await a.store.getSession(id)).state, 'active', 'nothing ended yet');
    const retry = await post(token, faulty);
    assert.equal(retry.status, 200, `the retry is not a replay (${await retry.text()})`);
    assert.equal((await a.store.getSession(id)).state, 'ended');
    // Now it is recorded: a third delivery is the replay.
    assert.equal((await post(token, faulty)).status, 400);
  });

  it('ends the sessions before it records the jti, so a failure to record still ended them', async () => {
    const { id, sid } = await signedIn();
    const token = await logoutToken({ sid, sub: 'alice' });
    storeCalls.length = 0;
    failOnce.add('markJtiSeen');
    assert.equal((await post(token, faulty)).status, 503);
    assert.equal((await a.store.getSession(id)).state, 'ended', 'ended before the record failed');
    const order = storeCalls.filter((call) => ['endSession', 'markJtiSeen'].includes(call));
    assert.deepEqual(order, ['endSession', 'markJtiSeen']);
    assert.equal(
      (await post(token, faulty)).status,
      200,
      'the retry is answered, ending nothing new',
    );
    assert.equal((await post(token, faulty)).status, 400, 'then it is a replay');
  });
});
