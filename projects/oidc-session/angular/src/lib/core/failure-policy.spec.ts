import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  TestRequest,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { NavigationStart, Router, provideRouter } from '@angular/router';

import { authGuard } from '../auth-guard';
import { authInterceptor } from '../auth-interceptor';
import { AuthError, ProviderUnreachableError, SessionExpiredError } from './auth-errors';
import { AuthEvent } from './auth-events';
import { AuthService } from '../auth-service';
import { MemoryStorage } from './platform/browser-storage';
import { TOKENS_KEY } from './tabs/session-store';
import {
  AuthTestingController,
  AuthTestingOptions,
  provideAuthTesting,
  settle,
  tokenResponse,
} from '@oidc-session/angular/testing';

@Component({ selector: 'app-blank', template: '' })
class Blank {}

const API = 'http://localhost:3000';
const TOKEN_URL = 'https://issuer.example.test/token';

interface Row {
  readonly name: string;
  readonly answer: (request: TestRequest) => void;
  readonly code: AuthError['code'];
  readonly detail?: string;
}

const json =
  (body: unknown, status = 200, statusText = 'OK') =>
  (request: TestRequest) =>
    request.flush(typeof body === 'string' ? body : JSON.stringify(body), { status, statusText });

const definitive: Row[] = [
  {
    name: '400 invalid_grant',
    answer: json({ error: 'invalid_grant' }, 400, 'Bad Request'),
    code: 'session_expired',
    detail: 'invalid_grant',
  },
  {
    name: '400 invalid_client',
    answer: json({ error: 'invalid_client' }, 400, 'Bad Request'),
    code: 'session_expired',
    detail: 'invalid_client',
  },
  {
    name: '401 invalid_client',
    answer: json({ error: 'invalid_client' }, 401, 'Unauthorized'),
    code: 'session_expired',
    detail: 'invalid_client',
  },
  {
    name: '403 (Auth0 rejects refresh tokens so)',
    answer: json({ error: 'invalid_grant' }, 403, 'Forbidden'),
    code: 'session_expired',
  },
  {
    name: '200 with a body that is not JSON',
    answer: json('<html>maintenance</html>'),
    code: 'session_expired',
    detail: 'the body is not JSON',
  },
  { name: '200 with a JSON array', answer: json([]), code: 'session_expired' },
  {
    name: '200 JSON without access_token',
    answer: json(tokenResponse({ access_token: undefined })),
    code: 'session_expired',
    detail: 'no access_token',
  },
  {
    name: '200 without expires_in',
    answer: json(tokenResponse({ expires_in: undefined })),
    code: 'session_expired',
  },
  {
    name: '200 with expires_in 0',
    answer: json(tokenResponse({ expires_in: 0 })),
    code: 'session_expired',
  },
  {
    name: '200 with token_type not Bearer',
    answer: json(tokenResponse({ token_type: 'mac' })),
    code: 'session_expired',
  },
  {
    name: '200 with an id_token of another user',
    answer: json(tokenResponse({ id_token: fakeIdToken({ sub: 'mallory' }) })),
    code: 'session_expired',
    detail: 'id_token is for another user',
  },
];

const transient: Row[] = [
  {
    name: '500',
    answer: json({ error: 'server_error' }, 500, 'Internal Server Error'),
    code: 'provider_unreachable',
  },
  {
    name: '502 HTML from a proxy',
    answer: json('<h1>Bad gateway</h1>', 502, 'Bad Gateway'),
    code: 'provider_unreachable',
  },
  { name: '503', answer: json('', 503, 'Service Unavailable'), code: 'provider_unreachable' },
  {
    name: '429',
    answer: json({ error: 'slow_down' }, 429, 'Too Many Requests'),
    code: 'provider_unreachable',
  },
  { name: '408', answer: json('', 408, 'Request Timeout'), code: 'provider_unreachable' },
  {
    name: 'status 0 (no answer)',
    answer: (r) => r.error(new ProgressEvent('error')),
    code: 'provider_unreachable',
  },
  { name: 'a timeout', answer: () => undefined, code: 'provider_unreachable' },
];

describe('the refresh failure policy', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let kit: AuthTestingController;
  let storage: MemoryStorage;
  let loginNavigations: string[];
  let events: AuthEvent[];

  async function setUp(options: AuthTestingOptions = {}): Promise<void> {
    storage = new MemoryStorage();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'dashboard', canActivate: [authGuard], component: Blank },
          { path: 'login', component: Blank },
        ]),
        provideAuthTesting({
          tokenEndpoint: 'http',
          apis: [{ origin: API, pathPrefix: '/api' }],
          sessionStorage: storage,
          timing: { tokenRequestTimeoutMs: 30 },
          ...options,
        }),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
    const router = TestBed.inject(Router);
    await router.navigateByUrl('/dashboard');
    loginNavigations = [];
    router.events.subscribe(
      (e) =>
        e instanceof NavigationStart && e.url.startsWith('/login') && loginNavigations.push(e.url),
    );
    events = [];
    TestBed.inject(AuthService).events$.subscribe((event) => events.push(event));
  }

  /** Five requests after expiry, all waiting on the same refresh. */
  async function expiredBurst(): Promise<unknown[]> {
    kit.expire();
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      http
        .get(`${API}/api/items/${i}`)
        .subscribe({ error: (error: unknown) => errors.push(error) });
    }
    await settle();
    return errors;
  }

  afterEach(() => backend.verify({ ignoreCancelled: true }));

  for (const row of definitive) {
    it(`treats ${row.name} as definitive: session cleared, all waiting requests fail, one navigation to login`, async () => {
      await setUp();
      const errors = await expiredBurst();
      const refreshes = backend.match(TOKEN_URL);
      expect(refreshes.length).toBe(1);
      row.answer(refreshes[0]);
      await settle(8);

      expect(errors.length).toBe(5);
      for (const error of errors) {
        expect(error).toBeInstanceOf(SessionExpiredError);
        expect((error as AuthError).code).toBe(row.code);
        if (row.detail) expect((error as SessionExpiredError).detail).toBe(row.detail);
      }
      expect(backend.match((r) => r.url.startsWith(API)).length)
        .withContext('nothing was sent')
        .toBe(0);
      expect(kit.accessToken).toBeNull();
      expect(storage.getItem(TOKENS_KEY)).withContext('tokens gone from storage').toBeNull();
      expect(loginNavigations).toEqual(['/login?returnUrl=%2Fdashboard']);
      expect(events.map((e) => e.type)).toEqual([
        'refresh-started',
        'refresh-failed-definitive',
        'signed-out',
      ]);
    });
  }

  for (const row of transient) {
    it(`treats ${row.name} as transient: session kept, only the waiting requests fail, no navigation`, async () => {
      await setUp();
      const errors = await expiredBurst();
      const refreshes = backend.match(TOKEN_URL);
      expect(refreshes.length).toBe(1);
      row.answer(refreshes[0]);
      await new Promise((resolve) => setTimeout(resolve, 60)); // past the 30 ms request timeout
      await settle();

      expect(errors.length).toBe(5);
      for (const error of errors) expect(error).toBeInstanceOf(ProviderUnreachableError);
      expect(kit.accessToken).toBe('access-token-0');
      expect(storage.getItem(TOKENS_KEY)).not.toBeNull();
      expect(loginNavigations).toEqual([]);
      expect(events.map((e) => e.type)).toEqual(['refresh-started', 'refresh-failed-transient']);
    });
  }

  it('retries a transient failure a bounded number of times with backoff, then the next request tries again', async () => {
    await setUp({ timing: { refreshRetryDelaysMs: [5, 10] } });
    const errors = await expiredBurst();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const refreshes = backend.match(TOKEN_URL);
      expect(refreshes.length).withContext(`attempt ${attempt}`).toBe(1);
      refreshes[0].flush('', { status: 503, statusText: 'Service Unavailable' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(backend.match(TOKEN_URL).length).withContext('no fourth attempt').toBe(0);
    expect(errors.length).toBe(5);
    expect((errors[0] as ProviderUnreachableError).attempts).toBe(3);
    expect(kit.accessToken).toBe('access-token-0');

    http.get(`${API}/api/again`).subscribe();
    await settle();
    backend.expectOne(TOKEN_URL).flush(JSON.stringify(tokenResponse()));
    await settle();
    expect(backend.expectOne(`${API}/api/again`).request.headers.get('Authorization')).toBe(
      'Bearer fresh-access-token-1',
    );
  });

  it('tries again when the browser comes back online, without waiting for a request', async () => {
    await setUp();
    kit.expire();
    window.dispatchEvent(new Event('online'));
    await settle();
    backend.expectOne(TOKEN_URL).flush(JSON.stringify(tokenResponse()));
    await settle();
    expect(kit.accessToken).toBe('fresh-access-token-1');
  });

  it('ends the session without asking the provider when no refresh token is held', async () => {
    const noRefreshToken = new MemoryStorage();
    noRefreshToken.setItem(
      TOKENS_KEY,
      JSON.stringify({
        accessToken: 'a',
        refreshToken: null,
        idToken: null,
        claims: { sub: 'alice' },
        receivedAt: Date.UTC(2026, 0, 1, 9),
        expiresAt: Date.UTC(2026, 0, 1, 9, 5),
        generation: 1,
      }),
    );
    await setUp({ sessionStorage: noRefreshToken });
    const errors = await expiredBurst();
    await settle();
    expect(backend.match(TOKEN_URL).length).toBe(0);
    expect((errors[0] as SessionExpiredError).reason).toBe('no_refresh_token');
    expect(loginNavigations.length).toBe(1);
  });
});

/** An unsigned JWT with the given claims (the client never checks ID token signatures here). */
function fakeIdToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${encode({ alg: 'none' })}.${encode({ iss: 'https://issuer.example.test', aud: 'test-client', ...claims })}.sig`;
}
