import {
  HttpClient,
  HttpErrorResponse,
  HttpHeaders,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import {
  ɵAUTH_STARTUP_REPORTER as AUTH_STARTUP_REPORTER,
  AuthEvent,
  authInterceptor,
  AuthService,
  CLOCK,
  configFromObject,
  ɵLOCAL_STORAGE as LOCAL_STORAGE,
  ɵMemoryStorage as MemoryStorage,
  ɵPAGE_NAVIGATION as PAGE_NAVIGATION,
  provideAuth,
  ProviderUnreachableError,
  ɵSESSION_STORAGE as SESSION_STORAGE,
  SessionExpiredError,
  ɵSIGN_OUT_PENDING_COOKIE as SIGN_OUT_PENDING_COOKIE,
  ɵTokenUnavailableError as TokenUnavailableError,
  withAuthTiming,
} from '@oidc-session/angular';
import { withBffMode } from '@oidc-session/angular/bff';
import { FakeClock, settle } from '@oidc-session/angular/testing';

const SESSION = '/bff/session';
const REFRESH = '/bff/refresh';
const LOGOUT = '/bff/logout';
const FROM_BFF = new HttpHeaders({ 'X-BFF-Source': 'bff' });
const FROM_API = new HttpHeaders({ 'X-BFF-Source': 'api', 'X-BFF-Retried': '1' });

function session(version: number, expiresIn = 60) {
  return {
    user: { sub: 'alice', name: 'Alice Liddell' },
    accessTokenExpiresIn: expiresIn,
    version,
    sessionExpiresIn: 86_000,
  };
}

/** The app in bff mode against HttpTestingController standing in for the BFF. */
describe('bff mode', () => {
  let backend: HttpTestingController;
  let http: HttpClient;
  let auth: AuthService;
  let clock: FakeClock;
  let navigations: string[];
  let waiting: string[];
  let events: AuthEvent[];

  function configure(): void {
    clock = new FakeClock();
    navigations = [];
    waiting = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuth(
          configFromObject({ mode: 'bff' }),
          withBffMode(),
          withAuthTiming({ refreshRetryDelaysMs: [], tabJoinTimeoutMs: 50 }),
        ),
        { provide: CLOCK, useValue: clock },
        // The tabs' shared records stay inside this test, not in the Karma page's localStorage.
        { provide: LOCAL_STORAGE, useFactory: () => new MemoryStorage() },
        { provide: SESSION_STORAGE, useFactory: () => new MemoryStorage() },
        // The pending sign-out's cookie stays inside this test, not on the Karma page.
        { provide: SIGN_OUT_PENDING_COOKIE, useValue: () => undefined },
        { provide: PAGE_NAVIGATION, useValue: (url: string) => navigations.push(url) },
        {
          provide: AUTH_STARTUP_REPORTER,
          useValue: { waiting: (m: string) => waiting.push(m), ready: () => {}, failed: () => {} },
        },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    http = TestBed.inject(HttpClient);
    auth = TestBed.inject(AuthService);
    events = [];
    auth.events$.subscribe((event) => events.push(event));
  }

  /** Starts the app; the BFF answers its session call with `answer`. */
  async function start(answer: (r: ReturnType<HttpTestingController['expectOne']>) => void) {
    configure();
    const ready = TestBed.inject(AuthService).ready;
    const init = TestBed.inject(ApplicationInitStatus).donePromise;
    const request = await sessionRequest();
    expect(request.request.headers.get('X-BFF-CSRF')).toBe('1');
    answer(request);
    await init;
    await ready;
  }

  /** The start-up call to the BFF, once the lazily imported bff mode has made it. */
  async function sessionRequest() {
    for (let turn = 0; turn < 200; turn++) {
      const [request] = backend.match(SESSION);
      if (request) return request;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no request to ${SESSION}`);
  }

  const signedIn = () => start((r) => r.flush(session(3)));
  const apiCalls = () => backend.match((r) => r.url.startsWith('/api/'));

  afterEach(() => backend.verify());

  it('starts from the BFF session endpoint: the claims and the version, never a token', async () => {
    await signedIn();
    expect(auth.session()).toEqual(
      jasmine.objectContaining({ version: 3, claims: { sub: 'alice', name: 'Alice Liddell' } }),
    );
    expect(JSON.stringify(auth.session())).not.toContain('token":"');
    await expectAsync(firstValueFrom(auth.accessToken())).toBeRejectedWith(
      jasmine.any(TokenUnavailableError),
    );
  });

  it('starts signed out when the BFF answers that there is no session (200, no user)', async () => {
    await start((r) => r.flush({ user: null, reason: 'signed_out' }));
    expect(auth.session()).toBeNull();
  });

  it('still reads a 401 no_session from an older BFF as signed out', async () => {
    await start((r) =>
      r.flush(
        { error: 'no_session' },
        { status: 401, statusText: 'Unauthorized', headers: FROM_BFF },
      ),
    );
    expect(auth.session()).toBeNull();
  });

  it('says it cannot check the session and asks again while the BFF answers 503, without signing out', async () => {
    configure();
    const init = TestBed.inject(ApplicationInitStatus).donePromise;
    (await sessionRequest()).flush(
      { error: 'unavailable' },
      { status: 503, statusText: 'Unavailable', headers: FROM_BFF },
    );
    const retry = await sessionRequest();
    expect(waiting[0]).toContain('Cannot check your session right now');
    retry.flush(session(4));
    await init;
    expect(auth.session()?.version).toBe(4);
  });

  it('sends API calls with the CSRF header and no Authorization header; other origins get neither', async () => {
    await signedIn();
    http.get('/api/me').subscribe();
    http.get('https://elsewhere.example/api/me').subscribe();
    const [api] = apiCalls();
    expect(api.request.headers.get('X-BFF-CSRF')).toBe('1');
    expect(api.request.headers.has('Authorization')).toBeFalse();
    api.flush({});
    const other = backend.expectOne('https://elsewhere.example/api/me');
    expect(other.request.headers.has('X-BFF-CSRF')).toBeFalse();
    other.flush({});
  });

  it('shares one refresh call, naming the version it holds, among 50 requests after expiry', async () => {
    await signedIn();
    clock.advance(61_000);
    for (let i = 0; i < 50; i++) http.get(`/api/items/${i}`).subscribe();
    await settle();
    const refreshes = backend.match(REFRESH);
    expect(refreshes.length).toBe(1);
    expect(refreshes[0].request.body).toEqual({ version: 3 });
    expect(apiCalls().length).withContext('nothing is sent before the refresh').toBe(0);
    refreshes[0].flush({ ...session(4), refreshed: true });
    await settle();
    const sent = apiCalls();
    expect(sent.length).toBe(50);
    sent.forEach((r) => r.flush({}));
    expect(auth.session()?.version).toBe(4);
  });

  it("passes the API's own 401 to the caller without a refresh: the BFF has already retried", async () => {
    await signedIn();
    let failed: HttpErrorResponse | undefined;
    http.get('/api/me').subscribe({ error: (e: HttpErrorResponse) => (failed = e) });
    apiCalls()[0].flush(null, { status: 401, statusText: 'Unauthorized', headers: FROM_API });
    await settle();
    expect(failed?.status).toBe(401);
    expect(backend.match(REFRESH).length).toBe(0);
    expect(auth.session()).not.toBeNull();
  });

  it('ends the session in every tab when the BFF itself answers 401 to an API call', async () => {
    await signedIn();
    http.get('/api/me').subscribe({ error: () => undefined });
    apiCalls()[0].flush(
      { error: 'session_ended', reason: 'provider_logout' },
      { status: 401, statusText: 'Unauthorized', headers: FROM_BFF },
    );
    await settle();
    expect(auth.session()).toBeNull();
    expect(events.map((e) => e.type)).toContain('signed-out');
  });

  it('treats a refresh the BFF refuses as definitive, and a 503 as transient', async () => {
    await signedIn();
    clock.advance(61_000);
    const first = firstValueFrom(auth.accessToken()).catch((e: unknown) => e);
    await settle();
    backend
      .expectOne(REFRESH)
      .flush(
        { error: 'unavailable' },
        { status: 503, statusText: 'Unavailable', headers: FROM_BFF },
      );
    expect(await first).toEqual(jasmine.any(ProviderUnreachableError));
    expect(auth.session()).withContext('kept').not.toBeNull();

    const second = firstValueFrom(auth.accessToken()).catch((e: unknown) => e);
    await settle();
    backend
      .expectOne(REFRESH)
      .flush(
        { error: 'session_ended', reason: 'refresh_rejected' },
        { status: 401, statusText: 'Unauthorized', headers: FROM_BFF },
      );
    expect(((await second) as SessionExpiredError).detail).toBe('refresh_rejected');
    expect(auth.session()).toBeNull();
  });

  it('signs in by navigating to the BFF with a safe return path', async () => {
    await start((r) =>
      r.flush(
        { error: 'no_session' },
        { status: 401, statusText: 'Unauthorized', headers: FROM_BFF },
      ),
    );
    await auth.login('https://evil.example/');
    await auth.login('/profile?tab=2');
    expect(navigations).toEqual([
      '/bff/login?returnUrl=%2Fdashboard',
      '/bff/login?returnUrl=%2Fprofile%3Ftab%3D2',
    ]);
  });

  it('steps up through the BFF with the acr_values and max_age the API asked for', async () => {
    await signedIn();
    await auth.stepUp({
      acrValues: 'urn:demo:otp urn:demo:pwd',
      maxAge: 300,
      returnUrl: '/payments',
    });
    expect(navigations).toEqual([
      '/bff/login?returnUrl=%2Fpayments&acr_values=urn%3Ademo%3Aotp%20urn%3Ademo%3Apwd&max_age=300',
    ]);
    expect(auth.session())
      .withContext('the session stays until the BFF has a stronger one')
      .not.toBeNull();
  });

  it('asks the BFF for a sign-in without a page at the provider ("Stay signed in" at a lifetime end)', async () => {
    // The BFF ends this session in 30 s however much it is used: only a new sign-in goes past it.
    await start((r) => r.flush({ ...session(3), sessionExpiresIn: 30 }));
    expect(auth.session()?.end?.reason).toBe('lifetime');
    await auth.staySignedIn();
    expect(navigations.length).toBe(1);
    expect(navigations[0]).toMatch(/^\/bff\/login\?returnUrl=[^&]+&prompt=none$/);
  });

  it("signs out at the BFF and goes to the provider's end-session page it names", async () => {
    await signedIn();
    const done = auth.logout();
    expect(auth.session()).withContext('at once, before the BFF answers').toBeNull();
    await settle();
    const request = backend.expectOne(LOGOUT);
    expect(request.request.headers.get('X-BFF-CSRF')).toBe('1');
    request.flush({ endSessionUrl: 'http://localhost:9000/session/end?id_token_hint=x' });
    await done;
    expect(navigations).toEqual(['http://localhost:9000/session/end?id_token_hint=x']);
  });

  it('says once that the refresh token could not be revoked when the provider has no revocation', async () => {
    await signedIn();
    const done = auth.logout();
    await settle();
    backend.expectOne(LOGOUT).flush({
      endSessionUrl: 'http://localhost:9000/session/end?id_token_hint=x',
      refreshTokenRevoked: false,
    });
    await done;
    expect(navigations).toEqual(['http://localhost:9000/session/end?id_token_hint=x']);
    expect(auth.signOutNotice()).toBe('refresh_token_not_revoked');
  });

  it('goes to the home page and says the sign-out is pending, not done, when the BFF cannot be told', async () => {
    await signedIn();
    const done = auth.logout();
    await settle();
    backend.expectOne(LOGOUT).error(new ProgressEvent('error'));
    await done;
    expect(navigations).toEqual([`${location.origin}/`]);
    expect(auth.signOutNotice()).withContext('never "You are signed out"').toBeNull();
    expect(auth.signOutPending()).toBeTrue();
  });
});
