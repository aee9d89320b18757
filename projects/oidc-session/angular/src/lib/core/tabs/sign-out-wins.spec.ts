import { firstValueFrom } from 'rxjs';

import { ProviderUnreachableError, SessionExpiredError } from '../auth-errors';
import { TOKENS_KEY } from './session-store';
import { SessionSharing } from './session-sharing';
import { settle, TestTab, TestTabs, tokenOf } from '@oidc-session/angular/testing';

/** Sign-out is the user's decision: nothing that was in flight when they made it may undo it. */
describe('sign-out wins', () => {
  let harness: TestTabs;

  beforeEach(() => (harness = new TestTabs()));
  afterEach(() => harness.closeAll());

  const expireAll = () => harness.clock.advance(10 * 60 * 1000);
  /** What `accessToken()` of a tab ended with, once it ends. */
  function requestToken(tab: TestTab): { value?: string; error?: unknown } {
    const outcome: { value?: string; error?: unknown } = {};
    tab.auth.accessToken().subscribe({
      next: (value) => (outcome.value = value),
      error: (error: unknown) => (outcome.error = error),
    });
    return outcome;
  }
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const revoked = () => harness.open.flatMap((tab) => tab.kit.revokedRefreshTokens);

  it("keeps every tab signed out when a refresh answered before another tab's sign-out arrives after it", async () => {
    const a = await harness.openTab({ signedIn: true });
    const b = await harness.openTab();
    expireAll();
    a.endpoint.answer('held');
    const waiting = requestToken(a);
    await settle();
    expect(a.endpoint.refreshCount).withContext('the refresh is on the wire').toBe(1);

    await b.auth.logout();
    await settle();
    expect([a, b].map(tokenOf)).toEqual([null, null]);

    a.endpoint.releaseHeld();
    await settle();
    expect([a, b].map(tokenOf)).withContext('after the late answer').toEqual([null, null]);
    expect([a, b].map((tab) => tab.storage.getItem(TOKENS_KEY))).toEqual([null, null]);
    expect((waiting.error as SessionExpiredError).reason).toBe('signed_out');
    expect(revoked())
      .withContext('the signed-out token, then the late one')
      .toEqual(['refresh-token-1', 'refresh-token-0']);
  });

  it('keeps the tab signed out when it signs out itself while its own refresh is on the wire', async () => {
    const a = await harness.openTab({ signedIn: true });
    const b = await harness.openTab();
    expireAll();
    a.endpoint.answer('held');
    const waiting = requestToken(a);
    await settle();

    await a.auth.logout();
    a.endpoint.releaseHeld();
    await settle();
    expect([a, b].map(tokenOf)).toEqual([null, null]);
    expect(a.storage.getItem(TOKENS_KEY)).toBeNull();
    expect(waiting.error).toEqual(jasmine.any(SessionExpiredError));
    expect(a.kit.revokedRefreshTokens).toEqual(['refresh-token-0', 'refresh-token-1']);
    expect(b.events.filter((e) => e.type === 'session-adopted')).toEqual([]);
  });

  it('has every tab drop and revoke a token set handed out just before the sign-out was heard', async () => {
    const a = await harness.openTab({ signedIn: true });
    const b = await harness.openTab();
    // Tab A's refresh result is out (stored and sent) just before B's sign-out is heard.
    expireAll();
    await firstValueFrom(a.auth.accessToken());
    await b.auth.logout();
    await settle();
    expect([a, b].map(tokenOf)).toEqual([null, null]);
    expect(revoked().sort())
      .withContext('B revokes the set it held, A the newer one')
      .toEqual(['refresh-token-0', 'refresh-token-1']);
  });

  it('leaves no tab signed in when two tabs sign out at the same instant, and a later sign-in works', async () => {
    const a = await harness.openTab({ signedIn: true });
    const b = await harness.openTab();
    const before = JSON.parse(a.storage.getItem(TOKENS_KEY)!);
    await Promise.all([a.auth.logout(), b.auth.logout()]);
    await settle();
    expect([a, b].map(tokenOf)).toEqual([null, null]);

    const elsewhere = harness.network.tab();
    elsewhere.post({ kind: 'session', tokens: { ...before, generation: 99 } });
    await settle();
    expect([a, b].map(tokenOf))
      .withContext('a set from before both sign-outs')
      .toEqual([null, null]);

    const epoch = harness.network.signOutEpoch;
    elsewhere.post({
      kind: 'session',
      tokens: {
        ...before,
        credentials: { ...before.credentials, accessToken: 'signed-in-again' },
        generation: 100,
        epoch,
      },
    });
    await settle();
    expect([a, b].map(tokenOf)).toEqual(['signed-in-again', 'signed-in-again']);
  });

  it('refuses a sign-in started before a sign-out in another tab, revoking its refresh token, and accepts one started after', async () => {
    const a = await harness.openTab();
    const b = await harness.openTab({ signedIn: true });
    const sharing = a.app.injector.get(SessionSharing);
    const obtained = (name: string) => ({
      canRefresh: true,
      heldBy: 'tab' as const,
      credentials: {
        accessToken: `${name}-access`,
        refreshToken: `${name}-refresh`,
        idToken: null,
        tokenType: null,
      },
      claims: { sub: 'alice' },
      receivedAt: harness.clock.now(),
      expiresAt: harness.clock.now() + 300_000,
    });

    a.auth.login('/dashboard'); // leaves for the provider...
    await b.auth.logout(); // ...while the user signs out elsewhere
    await settle();
    const late = sharing.publish({ ...obtained('late'), epoch: sharing.takeSignInEpoch() }, 0);
    await expectAsync(late).toBeRejectedWith(jasmine.any(SessionExpiredError));
    await settle();
    expect(a.kit.revokedRefreshTokens).toEqual(['late-refresh']);
    expect([a, b].map(tokenOf)).toEqual([null, null]);

    a.auth.login('/dashboard');
    await sharing.publish({ ...obtained('new'), epoch: sharing.takeSignInEpoch() }, 0);
    await settle();
    expect([a, b].map(tokenOf)).toEqual(['new-access', 'new-access']);
  });

  it('does not hand a set the sign-out refused to a tab waiting for a newer generation', async () => {
    const a = await harness.openTab({ signedIn: true });
    const b = await harness.openTab();
    const stale = JSON.parse(a.storage.getItem(TOKENS_KEY)!);
    await a.auth.logout();
    await settle();
    const waiter = b.app.injector.get(SessionSharing).awaitGeneration(5, 50);
    harness.network.tab().post({ kind: 'session', tokens: { ...stale, generation: 7 } });
    expect(await waiter).toBeNull();
  });

  it('treats a slow tab holding newer tokens as transient, and ends the session only once that tab is gone', async () => {
    const a = await harness.openTab({ signedIn: true });
    // A twin that rotated the refresh token and now hangs (an alert() open): holds, never answers.
    const hanging = harness.network.tab();
    hanging.held = 7;
    harness.network.counter = 7;
    expireAll();

    const first = requestToken(a);
    await wait(200); // past the hand-over timeout (50 ms in the testing kit)
    expect(first.error).toEqual(jasmine.any(ProviderUnreachableError));
    expect((first.error as ProviderUnreachableError).reason).toBe('tab_unresponsive');
    expect(tokenOf(a)).withContext('the session is kept').toBe('access-token-0');
    expect(harness.presented).withContext('our token is never replayed').toEqual([]);

    hanging.close();
    const second = requestToken(a);
    await wait(200);
    expect((second.error as SessionExpiredError).reason).toBe('superseded');
    expect(tokenOf(a)).toBeNull();
    expect(harness.presented).toEqual([]);
  });
});
