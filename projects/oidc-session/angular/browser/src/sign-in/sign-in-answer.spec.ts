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
import { LazyLibraryOidcClient } from './lazy-library-oidc-client';
import { OidcClient } from './oidc-client';
import { PENDING_NONCE_KEY } from './pending-sign-in';

const NONCE = 'nonce-this-tab-stored';

/**
 * Browser mode's start-up with the app's real OidcClient, on a page whose URL the test sets (the
 * Karma page's own address, put back afterwards): which queries are the provider's answer to
 * this tab's sign-in, and which are the app's own.
 */
describe('browser mode: sign-in answers only where they belong', () => {
  let pageBefore: string;
  let storage: MemoryStorage;

  beforeEach(() => {
    pageBefore = location.href;
    storage = new MemoryStorage();
  });

  afterEach(() => history.replaceState(history.state, '', pageBefore));

  /** Starts the app signed in (a stored session) on `url`, with or without a pending sign-in. */
  async function startOn(url: string, pendingNonce: string | null): Promise<AuthTestingController> {
    history.replaceState(history.state, '', url);
    if (pendingNonce) storage.setItem(PENDING_NONCE_KEY, pendingNonce);
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({ sessionStorage: storage }),
        // The app's own client (angular-oauth2-oidc behind it), not the kit's fake.
        { provide: OidcClient, useExisting: LazyLibraryOidcClient },
      ],
    });
    const controller = TestBed.inject(AuthTestingController);
    await controller.ready();
    return controller;
  }

  const page = () => location.pathname + location.search;
  /** The address the app set with Location.replaceState (TestBed's Location is a mock: '' if none). */
  const appAddress = () => TestBed.inject(Location).path();

  for (const url of [
    '/dashboard?error=x',
    '/dashboard?code=a&state=b',
    '/?code=a&state=b',
    '/?error=access_denied',
    `/dashboard?error=access_denied&state=${NONCE}`,
  ]) {
    it(`leaves ${url} to the app while signed in: no navigation, no error, session intact`, async () => {
      spyOn(console, 'error');
      const auth = await startOn(url, url.includes(NONCE) ? NONCE : null);
      expect(page()).toBe(url);
      expect(appAddress()).toBe('');
      expect(auth.signedIn).toBeTrue();
      expect(auth.accessToken).toBe('access-token-0');
      expect(TestBed.inject(AuthService).loginError()).toBeNull();
      expect(auth.pageNavigations).toEqual([]);
      expect(console.error).not.toHaveBeenCalled();
    });
  }

  it("leaves an answer carrying another tab's state alone, even on the redirect path", async () => {
    const url = '/?code=a&state=nonce-of-another-tab%3B%252Fdashboard';
    const auth = await startOn(url, NONCE);
    expect(page()).toBe(url);
    expect(appAddress()).toBe('');
    expect(auth.signedIn).toBeTrue();
    expect(TestBed.inject(AuthService).loginError()).toBeNull();
  });

  it("handles this tab's own answer on the redirect path: the error is shown on the login page", async () => {
    spyOn(console, 'error');
    const auth = await startOn(`/?error=access_denied&state=${NONCE}%3B%252Fdashboard`, NONCE);
    expect(appAddress()).toBe('/login');
    expect(TestBed.inject(AuthService).loginError()?.message).toContain('access_denied');
    // A failed sign-in does not end the session the other tabs still have.
    expect(auth.signedIn).toBeTrue();
    expect(storage.getItem(PENDING_NONCE_KEY)).withContext('the nonce is used once').toBeNull();
  });
});
