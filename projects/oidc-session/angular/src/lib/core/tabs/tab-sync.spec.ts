import { provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { AuthService } from '../../auth-service';
import { MemoryStorage } from '../platform/browser-storage';
import { TOKENS_KEY } from './session-store';
import { PerTabSync, createTabSync } from './tab-sync';
import {
  AuthTestingController,
  FakeClock,
  FakeTabNetwork,
  provideAuthTesting,
  settle,
  TestTabs,
  tokenOf,
} from '@oidc-session/angular/testing';

describe('one session across tabs', () => {
  let harness: TestTabs;
  let network: FakeTabNetwork;
  let clock: FakeClock;
  /** Every refresh token presented to the (one, shared) provider, in order. */
  let presented: string[];

  beforeEach(() => {
    harness = new TestTabs();
    ({ network, clock, presented } = harness);
  });

  afterEach(() => harness.closeAll());

  const openTab = (options: { signedIn?: boolean; storage?: MemoryStorage } = {}) =>
    harness.openTab(options);
  const refreshes = () => harness.refreshes();

  it('lets a new tab join the live session without asking the provider', async () => {
    const first = await openTab({ signedIn: true });
    const second = await openTab();
    expect(tokenOf(second)).toBe('access-token-0');
    expect(second.auth.session()?.claims.name).toBe('Alice Liddell');
    expect(refreshes()).toBe(0);
    expect(second.events.map((e) => e.type)).toEqual([]); // adopted during start-up, before we listened
    expect(first.events.map((e) => e.type)).toEqual(['tab-joined']);
    expect(second.storage.getItem(TOKENS_KEY))
      .withContext('the joined tab keeps it for reloads')
      .not.toBeNull();
  });

  it('starts signed out when no tab holds a session', async () => {
    const tab = await openTab();
    expect(tab.auth.session()).toBeNull();
  });

  it('makes one refresh for three expired tabs; the other two adopt its result', async () => {
    const [a, b, c] = [await openTab({ signedIn: true }), await openTab(), await openTab()];
    clock.advance(10 * 60 * 1000);
    const tokens = await Promise.all(
      [a, b, c].map((tab) => firstValueFrom(tab.auth.accessToken())),
    );
    expect(refreshes()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect([a, b, c].map(tokenOf)).toEqual([tokens[0], tokens[0], tokens[0]]);
  });

  it('has a tab that learnt of a newer token set adopt it instead of refreshing itself', async () => {
    const a = await openTab({ signedIn: true });
    const b = await openTab();
    clock.advance(10 * 60 * 1000);
    await firstValueFrom(a.auth.accessToken());
    await settle();
    expect(await firstValueFrom(b.auth.accessToken())).toBe(tokenOf(a)!);
    expect(refreshes()).toBe(1);
    expect(b.events.some((e) => e.type === 'session-adopted')).toBeTrue();
  });

  it('never presents a rotated refresh token from a duplicated tab, twice in a row', async () => {
    const original = await openTab({ signedIn: true });
    // Duplicate Tab / window.open copy sessionStorage: the twin starts with the same refresh token.
    const copy = new MemoryStorage();
    copy.setItem(TOKENS_KEY, original.storage.getItem(TOKENS_KEY)!);
    const twin = await openTab({ storage: copy });

    for (let round = 1; round <= 2; round++) {
      clock.advance(10 * 60 * 1000);
      await Promise.all([
        firstValueFrom(original.auth.accessToken()),
        firstValueFrom(twin.auth.accessToken()),
      ]);
      await settle();
      expect(tokenOf(original)).withContext(`round ${round}`).toBe(tokenOf(twin));
    }
    expect(refreshes()).toBe(2);
    expect(new Set(presented).size)
      .withContext('no refresh token presented twice')
      .toBe(presented.length);
  });

  it('does not revive a stale copy when its twin has closed: the copy is dropped, not replayed', async () => {
    const original = await openTab({ signedIn: true });
    const staleCopy = original.storage.getItem(TOKENS_KEY)!;
    clock.advance(10 * 60 * 1000);
    await firstValueFrom(original.auth.accessToken()); // rotates refresh-token-0
    harness.close(original);

    const storage = new MemoryStorage();
    storage.setItem(TOKENS_KEY, staleCopy);
    const restored = await openTab({ storage });
    expect(restored.auth.session()).toBeNull();
    expect(presented).toEqual(['refresh-token-0']);
  });

  it('signs out every tab when one signs out, and revokes the refresh token once', async () => {
    const [a, b, c] = [await openTab({ signedIn: true }), await openTab(), await openTab()];
    await a.auth.logout();
    await settle();
    expect([a, b, c].map(tokenOf)).toEqual([null, null, null]);
    expect([b, c].map((tab) => tab.storage.getItem(TOKENS_KEY))).toEqual([null, null]);
    expect(a.kit.revokedRefreshTokens).toEqual(['refresh-token-0']);
    expect(a.kit.pageNavigations[0]).toContain('https://issuer.example.test/session/end?');
    const signedOut = [b, c].map((tab) => tab.events.filter((e) => e.type === 'signed-out'));
    expect(signedOut).toEqual([
      [jasmine.objectContaining({ where: 'elsewhere', reason: 'logout' })],
      [jasmine.objectContaining({ where: 'elsewhere', reason: 'logout' })],
    ]);
  });

  it("clears every tab when the provider rejects one tab's refresh", async () => {
    const [a, b] = [await openTab({ signedIn: true }), await openTab()];
    clock.advance(10 * 60 * 1000);
    a.endpoint.answer('invalid_grant');
    await expectAsync(firstValueFrom(a.auth.accessToken())).toBeRejected();
    await settle();
    expect([a, b].map(tokenOf)).toEqual([null, null]);
    expect(b.events.map((e) => e.type)).toEqual(['signed-out']);
    expect(b.events[0]).toEqual(jasmine.objectContaining({ reason: 'expired' }));
  });

  it('ignores a token set from before a sign-out, but adopts a sign-in made after it', async () => {
    const a = await openTab({ signedIn: true });
    const b = await openTab();
    const before = JSON.parse(a.storage.getItem(TOKENS_KEY)!);
    await a.auth.logout();
    await settle();
    const elsewhere = network.tab();

    // A late answer to a join request, sent before the sign-out reached its sender.
    elsewhere.post({ kind: 'session', tokens: before });
    await settle();
    expect([a, b].map(tokenOf)).toEqual([null, null]);

    elsewhere.post({
      kind: 'session',
      tokens: {
        ...before,
        credentials: { ...before.credentials, accessToken: 'new-sign-in' },
        generation: network.counter + 1,
        epoch: network.signOutEpoch,
      },
    });
    await settle();
    expect([a, b].map(tokenOf)).toEqual(['new-sign-in', 'new-sign-in']);
    expect(b.events.at(-1)).toEqual(
      jasmine.objectContaining({ type: 'session-adopted', source: 'sign-in-elsewhere' }),
    );
  });
});

describe('createTabSync', () => {
  it('falls back to per-tab sessions, saying so once, where BroadcastChannel or Web Locks are missing', () => {
    const warn = spyOn(console, 'warn');
    const withoutLocks = { navigator: {}, BroadcastChannel } as unknown as typeof globalThis;
    const withoutChannel = {
      navigator: { locks: navigator.locks },
    } as unknown as typeof globalThis;
    expect(createTabSync(withoutLocks, null)).toBeInstanceOf(PerTabSync);
    expect(createTabSync(withoutChannel, null)).toBeInstanceOf(PerTabSync);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.calls.first().args[0])).toContain('every tab keeps its own session');
  });

  it('shares through BroadcastChannel and Web Locks where the browser has them', () => {
    const sync = createTabSync(globalThis, null);
    expect(sync.shared).toBeTrue();
  });

  it('still refreshes, once per tab, in the per-tab fallback', async () => {
    const app = await createApplication({
      providers: [
        provideZonelessChangeDetection(),
        provideRouter([]),
        provideAuthTesting({ tab: new PerTabSync() }),
      ],
    });
    const kit = app.injector.get(AuthTestingController);
    await kit.ready();
    kit.expire();
    const auth = app.injector.get(AuthService);
    await Promise.all([firstValueFrom(auth.accessToken()), firstValueFrom(auth.accessToken())]);
    expect(kit.refreshCount).toBe(1);
    app.destroy();
  });
});
