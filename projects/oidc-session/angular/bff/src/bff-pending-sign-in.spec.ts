import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { Location } from '@angular/common';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import {
  authInterceptor,
  AuthService,
  ɵMemoryStorage as MemoryStorage,
} from '@oidc-session/angular';
import { AuthTestingController, provideAuthTesting } from '@oidc-session/angular/testing';

const PENDING_KEY = 'oidc-session.bff.sign-in-pending';

/**
 * bff mode's start-up on a page whose URL the test sets (the Karma page's own address, put back
 * afterwards): the BFF's `/login?error=` is read only on the way back from this tab's sign-in.
 */
describe('bff mode: sign-in answers only where they belong', () => {
  let pageBefore: string;
  let storage: MemoryStorage;

  beforeEach(() => {
    pageBefore = location.href;
    storage = new MemoryStorage();
  });

  afterEach(() => history.replaceState(history.state, '', pageBefore));

  async function startOn(
    url: string,
    options: { pending: boolean; signedIn?: boolean },
  ): Promise<AuthTestingController> {
    history.replaceState(history.state, '', url);
    if (options.pending) storage.setItem(PENDING_KEY, '1');
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({
          mode: 'bff',
          sessionStorage: storage,
          signedIn: options.signedIn ?? true,
        }),
      ],
    });
    const controller = TestBed.inject(AuthTestingController);
    await controller.ready();
    return controller;
  }

  const page = () => location.pathname + location.search;
  /** The address the app set with Location.replaceState (TestBed's Location is a mock: '' if none). */
  const appAddress = () => TestBed.inject(Location).path();
  const loginError = () => TestBed.inject(AuthService).loginError();

  for (const url of ['/dashboard?error=x', '/?error=login_failed', '/login?error=login_failed']) {
    it(`leaves ${url} to the app in a tab with no sign-in under way: session intact, URL untouched`, async () => {
      const auth = await startOn(url, { pending: false });
      expect(page()).toBe(url);
      expect(appAddress()).toBe('');
      expect(auth.signedIn).toBeTrue();
      expect(loginError()).toBeNull();
      expect(auth.pageNavigations).toEqual([]);
    });
  }

  it('leaves /dashboard?error=x alone on the way back from a sign-in, and uses the mark up', async () => {
    const auth = await startOn('/dashboard?error=x', { pending: true });
    expect(page()).toBe('/dashboard?error=x');
    expect(appAddress()).toBe('');
    expect(auth.signedIn).toBeTrue();
    expect(loginError()).toBeNull();
    expect(storage.getItem(PENDING_KEY)).toBeNull();
  });

  it("shows the BFF's error on the login page when this tab's sign-in failed, once", async () => {
    const auth = await startOn('/login?returnUrl=%2Fdashboard&error=login_failed', {
      pending: true,
      signedIn: false,
    });
    expect(appAddress()).toBe('/login?returnUrl=%2Fdashboard');
    expect(loginError()?.message).toContain('could not be completed at the identity provider');
    expect(auth.signedIn).toBeFalse();
    expect(storage.getItem(PENDING_KEY)).withContext('used once').toBeNull();
  });

  it('marks the tab just before it leaves for the BFF sign-in', async () => {
    const auth = await startOn('/login', { pending: false, signedIn: false });
    expect(storage.getItem(PENDING_KEY)).toBeNull();
    await TestBed.inject(AuthService).login('/dashboard');
    expect(storage.getItem(PENDING_KEY)).toBe('1');
    expect(auth.pageNavigations).toEqual(['/bff/login?returnUrl=%2Fdashboard']);
  });
});
