import { ɵMemoryStorage as MemoryStorage } from '@oidc-session/angular';
import { TestTab, TestTabs, settle } from '@oidc-session/angular/testing';

import { SessionExpiredError } from '../auth-errors';
import { SessionSharing } from '../tabs/session-sharing';
import { SessionStore } from '../tabs/session-store';
import { SessionEndWatch } from './session-end-watch';

const IDLE_MS = 30_000;
const WARNING_SECONDS = 10;

describe('the end of a session (SessionEndWatch)', () => {
  let tabs: TestTabs;
  let localStorage: MemoryStorage;

  beforeEach(() => {
    tabs = new TestTabs();
    localStorage = new MemoryStorage();
  });

  afterEach(() => tabs.closeAll());

  const watchOf = (tab: TestTab) => tab.app.injector.get(SessionEndWatch);
  const endOf = (tab: TestTab) => tab.auth.session()?.end ?? null;
  const open = (signedIn: boolean) =>
    tabs.openTab({
      signedIn,
      localStorage,
      config: { sessionWarningSeconds: WARNING_SECONDS },
    });

  /** Two tabs on one session whose idle timeout is 30 s (published by the first, adopted by both). */
  async function twoTabsWithIdleTimeout(): Promise<[TestTab, TestTab]> {
    const first = await open(true);
    const second = await open(false);
    const current = first.app.injector.get(SessionStore).current()!;
    await first.app.injector
      .get(SessionSharing)
      .publish({ ...current, idleTimeoutMs: IDLE_MS }, current.generation);
    await settle();
    return [first, second];
  }

  /** Moves the shared clock, then lets each tab look at it (as its timer would). */
  async function advance(ms: number): Promise<void> {
    tabs.clock.advance(ms);
    for (const tab of tabs.open) watchOf(tab).check();
    await settle();
  }

  it('gives every tab the same end, and activity in one tab moves it for all', async () => {
    const [first, second] = await twoTabsWithIdleTimeout();
    const start = tabs.clock.now();
    expect(endOf(first)).toEqual({ at: start + IDLE_MS, reason: 'idle' });
    expect(endOf(second)).toEqual(endOf(first));

    await advance(12_000);
    watchOf(second).recordActivity();
    await settle();
    const moved = { at: start + 12_000 + IDLE_MS, reason: 'idle' as const };
    expect(endOf(second)).toEqual(moved);
    expect(endOf(first)).withContext('the other tab heard it').toEqual(moved);
    // A tab opened later reads it too.
    const third = await open(false);
    await settle();
    expect(endOf(third)).toEqual(moved);
  });

  it("counts a user's input in any tab as activity", async () => {
    const [first, second] = await twoTabsWithIdleTimeout();
    await advance(5_000);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    await settle();
    expect(endOf(first)!.at).toBe(tabs.clock.now() + IDLE_MS);
    expect(endOf(second)!.at).toBe(tabs.clock.now() + IDLE_MS);
  });

  it('warns once, sessionWarningSeconds before the end, in every tab, on a virtual clock', async () => {
    const [first, second] = await twoTabsWithIdleTimeout();
    const end = endOf(first)!.at;
    await advance(end - WARNING_SECONDS * 1000 - 1 - tabs.clock.now());
    expect(first.auth.sessionEnding()).toBeNull();
    expect(first.events.filter((e) => e.type === 'session-ending')).toEqual([]);

    await advance(1);
    for (const tab of [first, second]) {
      expect(tab.auth.sessionEnding()).toEqual({ at: end, reason: 'idle' });
      expect(tab.events.filter((e) => e.type === 'session-ending')).toEqual([
        jasmine.objectContaining({ endsAt: end, reason: 'idle' }),
      ]);
    }
    await advance(3_000);
    expect(first.events.filter((e) => e.type === 'session-ending').length)
      .withContext('once per end')
      .toBe(1);
  });

  it('ends the session in every tab once when the end comes: one revocation, no refresh', async () => {
    const [first, second] = await twoTabsWithIdleTimeout();
    await advance(IDLE_MS);
    await settle();
    for (const tab of [first, second]) {
      expect(tab.auth.session()).withContext('signed out').toBeNull();
      expect(tab.events.filter((e) => e.type === 'signed-out')).toEqual([
        jasmine.objectContaining({ reason: 'expired' }),
      ]);
    }
    const revoked = tabs.open.flatMap((tab) => tab.kit.revokedRefreshTokens);
    expect(revoked.length).withContext('refresh tokens revoked').toBe(1);
    expect(tabs.refreshes()).toBe(0);
    await expectAsync(first.auth.staySignedIn()).toBeRejectedWith(jasmine.any(SessionExpiredError));
  });

  it('"Stay signed in" before an idle end keeps the session, and the warning goes in every tab', async () => {
    const [first, second] = await twoTabsWithIdleTimeout();
    await advance(IDLE_MS - 5_000);
    expect(second.auth.sessionEnding()).not.toBeNull();
    await second.auth.staySignedIn();
    await advance(0);
    for (const tab of [first, second]) {
      expect(tab.auth.sessionEnding()).toBeNull();
      expect(endOf(tab)!.at).toBe(tabs.clock.now() + IDLE_MS);
    }
    await advance(IDLE_MS - 1);
    expect(first.auth.session())
      .withContext('still signed in just before the new end')
      .not.toBeNull();
    expect(first.kit.loginRequests).toEqual([]);
  });

  it('"Stay signed in" before a lifetime end leaves for a sign-in without a page at the provider, back here', async () => {
    const first = await open(true);
    const current = first.app.injector.get(SessionStore).current()!;
    await first.app.injector
      .get(SessionSharing)
      .publish({ ...current, sessionEndsAt: tabs.clock.now() + 60_000 }, current.generation);
    await advance(55_000);
    expect(first.auth.sessionEnding()).toEqual(jasmine.objectContaining({ reason: 'lifetime' }));
    await first.auth.staySignedIn();
    expect(first.kit.loginAuthentication).toEqual([{ prompt: 'none' }]);
    expect(first.kit.loginRequests.length).toBe(1);
  });
});
