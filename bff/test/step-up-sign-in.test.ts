/**
 * RFC 9470 step-up through the BFF, against the real dev provider and API, with the in-memory
 * store and with Redis: `/bff/login?acr_values=…&max_age=…` hands both to the provider (and
 * refuses malformed ones before anything reaches it); a step-up of the browser's own session
 * replaces its tokens in place (same session id and cookie, version + 1, the new claims), after
 * which the API's step-up route answers 200; a refresh in flight during the step-up finishes first
 * and cannot overwrite the stepped-up tokens; a step-up of another user or provider session, or
 * without a session, is an ordinary sign-in.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { decodeJwt, importJWK, SignJWT } from 'jose';

import { sessionView, type BffContext } from '../session-http.ts';
import type { SessionRecord, TokenRecord } from '../session-store/types.ts';
import { clipStepUpParameters, readStepUp } from '../step-up-sign-in.ts';
import { Browser } from './helpers/browser.ts';
import { RefreshControl } from './helpers/held-refresh.ts';
import { providerCounts } from './helpers/provider-counts.ts';
import { bffOnEachStore, startStack, type RunningBff, type Stack } from './helpers/stack.ts';

const OTP = 'urn:demo:otp';
const STEP_UP = { acr_values: OTP, max_age: '300' };
const CHALLENGE =
  /^Bearer error="insufficient_user_authentication", .*acr_values="urn:demo:otp", max_age=300$/;

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});

const control = new RefreshControl();
const { counts, since } = providerCounts(
  () => stack,
  ['codes', 'refreshes', 'authorizations', 'revocations', 'grantsRevoked', 'grantErrors'],
);

/** A step-up up to the provider's redirect back: the callback URL, not yet visited. */
async function stepUpToCallback(
  browser: Browser,
  { returnUrl = '/payments', username = 'alice', password = 'wonderland' } = {},
): Promise<{ callback: URL; pages: string[]; providerUrl: URL }> {
  const started = await browser.loginWith({ returnUrl, ...STEP_UP });
  assert.equal(started.status, 303);
  const providerUrl = new URL(started.headers.get('location') ?? '', stack.origin);
  assert.equal(providerUrl.origin, new URL(stack.idp.issuer).origin, 'to the provider');
  return { ...(await browser.atProvider(providerUrl, { username, password })), providerUrl };
}

/** The whole step-up: where the callback sent the browser, and its answer. */
async function stepUp(browser: Browser, options: Parameters<typeof stepUpToCallback>[1] = {}) {
  const { callback, pages } = await stepUpToCallback(browser, options);
  const answer = await browser.fetch(callback);
  assert.equal(answer.status, 303);
  return { landed: new URL(answer.headers.get('location') ?? '', stack.origin), answer, pages };
}

async function sessionOf(
  browser: Browser,
): Promise<{ user: Record<string, unknown> | null; version?: number }> {
  const response = await browser.call('/bff/session');
  assert.equal(response.status, 200);
  return (await response.json()) as { user: Record<string, unknown> | null; version?: number };
}

const sessionCookie = (browser: Browser) => browser.cookie('bff_session')?.value;
const setsSessionCookie = (answer: Response) =>
  answer.headers.getSetCookie().some((line) => line.startsWith('bff_session='));

/** A logout token for the provider session `sid`, signed with the provider's key. */
async function logoutToken(sid: string): Promise<string> {
  return new SignJWT({
    iss: stack.idp.issuer,
    aud: 'demo-bff',
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    sid,
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
  })
    .setProtectedHeader({ alg: 'RS256', kid: stack.signingKey.kid!, typ: 'logout+jwt' })
    .sign(await importJWK(stack.signingKey, 'RS256'));
}

const STORES = bffOnEachStore(() => stack, {
  wrapOidc: control.wrapOidc,
  wrapStore: control.wrapStore,
});

for (const { name, start } of STORES) {
  describe(`step-up sign-in (${name})`, () => {
    let bff: RunningBff;
    let stop: () => Promise<void>;
    before(async () => {
      ({ bff, stop } = await start());
    });
    after(async () => {
      await stop();
    });

    async function signedIn(username = 'alice', password = 'wonderland'): Promise<Browser> {
      const browser = new Browser(stack.origin);
      await browser.signIn({ username, password });
      return browser;
    }

    async function tokensOf(id: string): Promise<TokenRecord & { sid?: string }> {
      const lookup = await bff.store.getSession(id);
      assert.equal(lookup.state, 'active', `session ${JSON.stringify(lookup)}`);
      assert.ok(lookup.state === 'active');
      return {
        ...lookup.session.tokens,
        ...(lookup.session.sid ? { sid: lookup.session.sid } : {}),
      };
    }

    /** The BFF's log lines with this message. */
    const logged = (message: string) =>
      bff
        .log()
        .split('\n')
        .filter((line) => line.includes(`"msg":"${message}"`));

    it('sends acr_values and max_age to the provider, and neither without them', async () => {
      const browser = new Browser(stack.origin);
      const stepping = await browser.loginWith({ returnUrl: '/payments', ...STEP_UP });
      assert.equal(stepping.status, 303);
      const url = new URL(stepping.headers.get('location')!);
      assert.equal(`${url.origin}${url.pathname}`, `${stack.idp.issuer}/auth`);
      assert.equal(url.searchParams.get('acr_values'), OTP);
      assert.equal(url.searchParams.get('max_age'), '300');
      assert.equal(url.searchParams.getAll('acr_values').length, 1);

      const several = await browser.loginWith({
        acr_values: 'urn:demo:otp urn:demo:pwd',
        max_age: '000000300',
      });
      const severalUrl = new URL(several.headers.get('location')!);
      assert.equal(severalUrl.searchParams.get('acr_values'), 'urn:demo:otp urn:demo:pwd');
      assert.equal(severalUrl.searchParams.get('max_age'), '300');
      const onlyMaxAge = new URL(
        (await browser.loginWith({ max_age: '0' })).headers.get('location')!,
      );
      assert.equal(onlyMaxAge.searchParams.get('max_age'), '0');
      assert.equal(onlyMaxAge.searchParams.has('acr_values'), false);
      const plain = new URL((await browser.loginWith({ returnUrl: '/' })).headers.get('location')!);
      assert.equal(plain.searchParams.has('acr_values'), false);
      assert.equal(plain.searchParams.has('max_age'), false);
    });

    it('refuses malformed acr_values and max_age with the login page; nothing reaches the provider', async () => {
      const tooMany = Array.from({ length: 11 }, (_, i) => `v${i}`).join(' ');
      const tooLongInAll = Array.from({ length: 6 }, () => 'x'.repeat(100)).join(' ');
      const refused: Array<Record<string, string | string[]>> = [
        { acr_values: [OTP, OTP] },
        { acr_values: '' },
        { acr_values: ` ${OTP}` },
        { acr_values: `${OTP} ` },
        { acr_values: `${OTP}  urn:demo:pwd` },
        { acr_values: 'urn:"demo"' },
        { acr_values: 'urn:demo\\otp' },
        { acr_values: 'urn:demo\u0001otp' },
        { acr_values: 'urn:demo\notp' },
        { acr_values: 'urn:demo\totp' },
        { acr_values: 'urn:démo' },
        { acr_values: 'x'.repeat(129) },
        { acr_values: tooMany },
        { acr_values: tooLongInAll },
        { max_age: ['300', '300'] },
        { max_age: '' },
        { max_age: '-1' },
        { max_age: 'abc' },
        { max_age: '1.5' },
        { max_age: '1e3' },
        { max_age: '+5' },
        { max_age: ' 5' },
        { max_age: '0x10' },
        { max_age: '1234567890' },
        { acr_values: OTP, max_age: '-300' },
        { acr_values: `${OTP}\u0000`, max_age: '300' },
      ];
      const before = counts();
      const warnings = logged('sign-in not started: invalid step-up parameter').length;
      for (const parameters of refused) {
        const browser = new Browser(stack.origin);
        const answer = await browser.loginWith({ returnUrl: '/payments?x=1', ...parameters });
        const what = JSON.stringify(parameters);
        assert.equal(answer.status, 303, what);
        const landed = new URL(answer.headers.get('location') ?? '', stack.origin);
        assert.equal(landed.origin, stack.origin, what);
        assert.equal(landed.pathname, '/login', what);
        assert.deepEqual(
          Object.fromEntries(landed.searchParams),
          { returnUrl: '/payments?x=1', error: 'invalid_step_up' },
          what,
        );
        assert.deepEqual([...browser.cookies.keys()], [], `no sign-in started: ${what}`);
      }
      assert.deepEqual(since(before), {
        codes: 0,
        refreshes: 0,
        authorizations: 0,
        revocations: 0,
        grantsRevoked: 0,
        grantErrors: 0,
      });
      const lines = logged('sign-in not started: invalid step-up parameter').slice(warnings);
      assert.equal(lines.length, refused.length, 'one warning each');
      for (const line of lines) {
        const { stepUp } = JSON.parse(line) as { stepUp: { preview: string; problem: string } };
        assert.ok(stepUp.preview.length <= 32, line);
        assert.match(stepUp.preview, /^[\x20-\x7E]*$/, line);
      }
      // The log (the warning, the access log's URL) never holds a long value whole.
      assert.doesNotMatch(bff.log(), /x{33}/);
      assert.match(bff.log(), /"url":"\/bff\/login\?returnUrl=[^"]*&acr_values=x{32}…"/);
      assert.match(lines.join('\n'), /"problem":"repeated"/);
      assert.match(lines.join('\n'), /"problem":"too_long"/);
    });

    it('replaces the tokens in place: same session and cookie, version + 1, then the API answers 200', async () => {
      const browser = await signedIn();
      const id = sessionCookie(browser)!;
      const signedInView = await sessionOf(browser);
      assert.equal(signedInView.version, 1);
      const refusedBefore = await browser.call('/api/payments');
      assert.equal(refusedBefore.status, 401);
      assert.equal(refusedBefore.headers.get('x-bff-source'), 'api');
      assert.match(refusedBefore.headers.get('www-authenticate') ?? '', CHALLENGE);
      const replaced = await tokensOf(id);
      const before = counts();
      const inPlace = logged('a step-up replaced the tokens of the session in place').length;

      const { landed, answer, pages } = await stepUp(browser, { returnUrl: '/payments?tab=2' });

      assert.equal(landed.href, `${stack.origin}/payments?tab=2`);
      // The password is recent: the provider asks for the code only.
      assert.deepEqual(pages, ['one-time code']);
      assert.equal(setsSessionCookie(answer), false, 'the cookie is left as it is');
      assert.equal(sessionCookie(browser), id, 'same session id');
      const view = await sessionOf(browser);
      assert.equal(view.version, 2, 'the version moved by exactly 1');
      assert.deepEqual(view.user, signedInView.user, 'the same user');
      const tokens = await tokensOf(id);
      assert.equal(tokens.version, 2);
      assert.equal(tokens.sid, replaced.sid, 'the same provider session');
      assert.equal(tokens.claims?.['acr'], OTP, "the session's claims are the new ID token's");
      assert.equal(tokens.claims?.['sub'], 'alice');
      assert.equal(decodeJwt(tokens.accessToken)['acr'], OTP);
      assert.notEqual(tokens.accessToken, replaced.accessToken);
      assert.notEqual(tokens.refreshToken, replaced.refreshToken);
      assert.notEqual(tokens.idToken, replaced.idToken);
      assert.equal(tokens.refreshing, undefined);
      assert.equal(tokens.apiRefused, undefined);

      const payments = await browser.call('/api/payments');
      assert.equal(payments.status, 200, await payments.clone().text());
      assert.equal(payments.headers.get('x-bff-session-version'), '2');
      assert.equal(((await payments.json()) as { subject: string }).subject, 'alice');
      // One code exchange; the replaced refresh token shares the grant: dropped, not revoked.
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 0,
        authorizations: 1,
        revocations: 0,
        grantsRevoked: 0,
        grantErrors: 0,
      });
      assert.equal(
        logged('a step-up replaced the tokens of the session in place').length - inPlace,
        1,
      );
      for (const token of stack.idp.stats.snapshot().issuedTokens)
        assert.equal(bff.log().includes(token), false, 'no token in the log');

      // A refresh keeps the step-up's claims, and the new grant works.
      const refreshed = await browser.call('/bff/refresh', {
        method: 'POST',
        body: JSON.stringify({ version: 2 }),
      });
      assert.equal(refreshed.status, 200);
      const body = (await refreshed.json()) as {
        version: number;
        refreshed: boolean;
        user: unknown;
      };
      assert.deepEqual([body.version, body.refreshed], [3, true]);
      assert.deepEqual(body.user, signedInView.user);
      assert.equal((await tokensOf(id)).claims?.['acr'], OTP);
      assert.equal((await browser.call('/api/payments')).status, 200);
      assert.equal(since(before)['grantErrors'], 0);
    });

    it('keeps the stepped-up session findable by its provider session: back-channel logout ends it', async () => {
      const browser = await signedIn();
      const id = sessionCookie(browser)!;
      await stepUp(browser);
      assert.equal(sessionCookie(browser), id);
      const { sid, version } = await tokensOf(id);
      assert.equal(version, 2);
      assert.ok(sid);
      const answer = await fetch(`${stack.origin}/bff/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: await logoutToken(sid) }).toString(),
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(await bff.store.getSession(id), {
        state: 'ended',
        reason: 'provider_logout',
      });
    });

    it('lets a refresh in flight finish first; it cannot overwrite the stepped-up tokens', async () => {
      const browser = await signedIn();
      const id = sessionCookie(browser)!;
      const before = counts();
      const gate = control.holdNextRefresh();
      const refreshing = browser.call('/bff/refresh', {
        method: 'POST',
        body: JSON.stringify({ version: 1 }),
      });
      // The provider rotated the refresh token; the BFF has not stored the answer yet.
      await gate.entered;
      const { callback } = await stepUpToCallback(browser);
      const lockRefused = new Promise<'waited'>((resolve) => {
        control.onLockRefused = () => resolve('waited');
      });
      const completing = browser.fetch(callback);
      const first = await Promise.race([lockRefused, completing.then(() => 'completed' as const)]);
      control.onLockRefused = undefined;
      gate.release();
      const [refreshAnswer, callbackAnswer] = await Promise.all([refreshing, completing]);

      assert.equal(refreshAnswer.status, 200, await refreshAnswer.clone().text());
      const refreshBody = (await refreshAnswer.json()) as { version: number; refreshed: boolean };
      assert.deepEqual([refreshBody.version, refreshBody.refreshed], [2, true]);
      assert.equal(callbackAnswer.status, 303);
      assert.equal(
        new URL(callbackAnswer.headers.get('location')!, stack.origin).pathname,
        '/payments',
      );
      assert.equal(sessionCookie(browser), id, 'same session id');
      const tokens = await tokensOf(id);
      assert.equal(tokens.version, 3, "the step-up's version: after the refresh's");
      assert.equal(tokens.claims?.['acr'], OTP);
      assert.equal(decodeJwt(tokens.accessToken)['acr'], OTP);
      assert.equal(decodeJwt(tokens.idToken!)['acr'], OTP);
      assert.equal(tokens.refreshing, undefined);
      assert.equal(first, 'waited', 'the step-up waited for the refresh in flight');

      // The refresher's answer (2) does not take the session back: asking with it adopts 3.
      const again = await browser.call('/bff/refresh', {
        method: 'POST',
        body: JSON.stringify({ version: refreshBody.version }),
      });
      const againBody = (await again.json()) as { version: number; refreshed: boolean };
      assert.deepEqual([againBody.version, againBody.refreshed], [3, false]);
      assert.equal((await browser.call('/api/payments')).status, 200);
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 1,
        authorizations: 1,
        revocations: 0,
        grantsRevoked: 0,
        grantErrors: 0,
      });
      // The step-up's refresh token is alive: the grant was not revoked.
      const next = await browser.call('/bff/refresh', {
        method: 'POST',
        body: JSON.stringify({ version: 3 }),
      });
      assert.deepEqual(((await next.json()) as { version: number }).version, 4);
      assert.equal(since(before)['grantErrors'], 0);
    });

    it('gives another user a new session and ends the old one (signed in as alice, stepped up as bob)', async () => {
      const browser = await signedIn();
      const aliceId = sessionCookie(browser)!;
      browser.forgetProviderSession();
      const before = counts();
      const { landed, answer, pages } = await stepUp(browser, {
        username: 'bob',
        password: 'builder',
      });
      assert.equal(landed.pathname, '/payments');
      assert.deepEqual(pages, ['password', 'one-time code']);
      assert.equal(setsSessionCookie(answer), true);
      const bobId = sessionCookie(browser)!;
      assert.notEqual(bobId, aliceId, 'a new session id');
      assert.deepEqual(await bff.store.getSession(aliceId), {
        state: 'ended',
        reason: 'replaced',
      });
      const view = await sessionOf(browser);
      assert.equal(view.user?.['sub'], 'bob');
      assert.equal(view.version, 1);
      assert.equal((await browser.call('/api/payments')).status, 200);
      // Another user's grant: alice's is revoked.
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 0,
        authorizations: 1,
        revocations: 1,
        grantsRevoked: 1,
        grantErrors: 0,
      });
    });

    it('gives a step-up from another provider session a new session (its sid is indexed anew)', async () => {
      const browser = await signedIn();
      const firstId = sessionCookie(browser)!;
      const first = await tokensOf(firstId);
      browser.forgetProviderSession();
      const { pages } = await stepUp(browser);
      assert.deepEqual(pages, ['password', 'one-time code']);
      const secondId = sessionCookie(browser)!;
      assert.notEqual(secondId, firstId);
      assert.deepEqual(await bff.store.getSession(firstId), {
        state: 'ended',
        reason: 'replaced',
      });
      const second = await tokensOf(secondId);
      assert.notEqual(second.sid, first.sid);
      assert.deepEqual(await bff.store.sessionsBySid(second.sid!), [secondId]);
      assert.deepEqual(await bff.store.sessionsBySid(first.sid!), []);
      assert.equal((await sessionOf(browser)).version, 1);
      assert.equal((await browser.call('/api/payments')).status, 200);
    });

    it('is an ordinary sign-in without a session cookie', async () => {
      const browser = new Browser(stack.origin);
      const before = counts();
      const inPlace = logged('a step-up replaced the tokens of the session in place').length;
      const { landed, answer, pages } = await stepUp(browser);
      assert.equal(landed.pathname, '/payments');
      assert.deepEqual(pages, ['password', 'one-time code']);
      assert.equal(setsSessionCookie(answer), true);
      const view = await sessionOf(browser);
      assert.equal(view.user?.['sub'], 'alice');
      assert.equal(view.version, 1);
      const id = sessionCookie(browser)!;
      assert.equal((await tokensOf(id)).claims, undefined, 'the claims are the sign-in’s own');
      assert.equal((await browser.call('/api/payments')).status, 200);
      assert.equal(logged('a step-up replaced the tokens of the session in place').length, inPlace);
      assert.deepEqual(since(before), {
        codes: 1,
        refreshes: 0,
        authorizations: 1,
        revocations: 0,
        grantsRevoked: 0,
        grantErrors: 0,
      });
    });

    it('is an ordinary sign-in when the pending sign-in asked for no step-up', async () => {
      const browser = await signedIn();
      const id = sessionCookie(browser)!;
      await browser.signIn();
      assert.notEqual(sessionCookie(browser), id, 'a new session id, as before step-up existed');
      assert.deepEqual(await bff.store.getSession(id), { state: 'ended', reason: 'replaced' });
    });
  });
}

describe('step-up parameters and claims, without a stack', () => {
  it('accepts the longest values the rules allow', () => {
    const ten = Array.from({ length: 10 }, (_, i) => String(i)).join(' ');
    const longest = ['a'.repeat(128), 'b'.repeat(128), 'c'.repeat(128), 'd'.repeat(125)].join(' ');
    assert.equal(longest.length, 512);
    const visible = "!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~";
    for (const acrValues of [OTP, ten, longest, visible]) {
      assert.deepEqual(readStepUp({ acr_values: acrValues }), { stepUp: { acrValues } });
    }
    assert.deepEqual(readStepUp({ max_age: '999999999' }), { stepUp: { maxAge: 999_999_999 } });
    assert.deepEqual(readStepUp({ max_age: '0' }), { stepUp: { maxAge: 0 } });
    assert.deepEqual(readStepUp({ returnUrl: '/' }), { stepUp: undefined });
    assert.ok('refused' in readStepUp({ acr_values: `${longest}e` }));
  });

  it("shows a step-up's claims, over the sign-in's, in the session view", () => {
    const now = Date.now();
    const context = {
      now: () => now,
      config: { sessionAbsoluteLifetimeMs: 60_000 },
    } as unknown as BffContext;
    const tokens: TokenRecord = {
      revision: 1,
      version: 1,
      accessToken: 'a',
      receivedAt: now,
      accessTokenExpiresAt: now + 60_000,
    };
    const session: SessionRecord = {
      id: 'x',
      sub: 'alice',
      claims: { sub: 'alice', name: 'Alice', acr: 'urn:demo:pwd' },
      createdAt: now,
      lastSeenAt: now,
      tokens,
    };
    assert.deepEqual(sessionView(context, session).user, { sub: 'alice', name: 'Alice' });
    const stepped = { ...tokens, claims: { sub: 'alice', name: 'Alice L.', acr: OTP } };
    assert.deepEqual(sessionView(context, session, stepped).user, {
      sub: 'alice',
      name: 'Alice L.',
    });
    assert.deepEqual(sessionView(context, { ...session, tokens: stepped }).user, {
      sub: 'alice',
      name: 'Alice L.',
    });
  });

  it("cuts the step-up parameters short in the access log's URL, however they are spelt", () => {
    const long = 'y'.repeat(100);
    assert.equal(
      clipStepUpParameters(
        `/bff/login?returnUrl=%2F&acr_values=${long}&acr%5Fvalues=${long}&max_age=${long}&other=${long}`,
      ),
      `/bff/login?returnUrl=%2F&acr_values=${'y'.repeat(32)}…&acr%5Fvalues=${'y'.repeat(32)}…&max_age=${'y'.repeat(32)}…&other=${long}`,
    );
    assert.equal(
      clipStepUpParameters(`/bff/login?acr_values=${OTP}`),
      `/bff/login?acr_values=${OTP}`,
    );
    assert.equal(clipStepUpParameters(`/api/x?acr_values=${long}`), `/api/x?acr_values=${long}`);
    assert.equal(clipStepUpParameters('/bff/login?%E0%A4%A'), '/bff/login?%E0%A4%A');
  });
});
