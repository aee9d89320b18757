import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { authInterceptor } from './auth-interceptor';
import { AuthService } from './auth-service';
import { MemoryStorage } from './core/platform/browser-storage';
import {
  AuthTestingController,
  FakeClock,
  provideAuthTesting,
  settle,
  TEST_API,
  tokenResponse,
} from '@oidc-session/angular/testing';

const TOKEN_URL = 'https://issuer.example.test/token';

describe('start-up', () => {
  let storage: MemoryStorage;
  let clock: FakeClock;

  beforeEach(() => {
    storage = new MemoryStorage();
    clock = new FakeClock();
  });

  /** One page load of the app on the same tab storage (a reload keeps sessionStorage). */
  async function load(signedIn = true) {
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({ tokenEndpoint: 'http', sessionStorage: storage, clock, signedIn }),
      ],
    });
    const kit = TestBed.inject(AuthTestingController);
    await kit.ready();
    return {
      kit,
      backend: TestBed.inject(HttpTestingController),
      http: TestBed.inject(HttpClient),
    };
  }

  it('restores a stored session after a reload without any token request before the first API call', async () => {
    await load();
    const { backend, http } = await load();
    expect(TestBed.inject(AuthService).session()?.claims.sub).toBe('alice');
    expect(backend.match(TOKEN_URL).length).toBe(0);
    http.get(`${TEST_API.origin}/x`).subscribe();
    expect(backend.expectOne(`${TEST_API.origin}/x`).request.headers.get('Authorization')).toBe(
      'Bearer access-token-0',
    );
    expect(backend.match(TOKEN_URL).length).toBe(0);
    backend.verify();
  });

  it('refreshes a stored session whose access token expired exactly once, instead of a new login', async () => {
    await load();
    clock.advance(60 * 60 * 1000);
    const { backend, http, kit } = await load();
    expect(backend.match(TOKEN_URL).length).withContext('start-up itself asks nothing').toBe(0);
    for (let i = 0; i < 3; i++) http.get(`${TEST_API.origin}/x/${i}`).subscribe();
    await settle();
    const refreshes = backend.match(TOKEN_URL);
    expect(refreshes.length).toBe(1);
    refreshes[0].flush(JSON.stringify(tokenResponse()));
    await settle();
    backend.match(() => true).forEach((request) => request.flush({}));
    expect(kit.loginRequests).toEqual([]);
    expect(kit.accessToken).toBe('fresh-access-token-1');
    backend.verify();
  });

  it('starts signed out with nothing stored', async () => {
    await load(false);
    expect(TestBed.inject(AuthService).session()).toBeNull();
  });
});
