import {
  HttpClient,
  HttpContext,
  HttpErrorResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import {
  HttpTestingController,
  TestRequest,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { TransferState } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import {
  ActivatedRouteSnapshot,
  RouterStateSnapshot,
  UrlTree,
  provideRouter,
} from '@angular/router';
import { Observable, firstValueFrom } from 'rxjs';

import { authGuard } from './auth-guard';

import { AuthEvent } from './core/auth-events';
import { AuthService } from './auth-service';
import { authInterceptor, SKIP_AUTH } from './auth-interceptor';
import { LoginError, StepUpRequiredError } from './core/auth-errors';
import { RENDERED_FOR } from './core/server/transferred-answers';
import { SESSION_STORAGE as ɵSESSION_STORAGE } from './core/platform/browser-storage';
import {
  AuthTestingController,
  AuthTestingOptions,
  provideAuthTesting,
  settle,
  tokenResponse,
} from '@oidc-session/angular/testing';

const API = 'http://localhost:3000';
const TOKEN_URL = 'https://issuer.example.test/token';

describe('authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let kit: AuthTestingController;
  let events: AuthEvent[];

  async function setUp(options: AuthTestingOptions = {}): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting({
          tokenEndpoint: 'http',
          apis: [{ origin: API, pathPrefix: '/api' }],
          ...options,
        }),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    kit = TestBed.inject(AuthTestingController);
    await kit.ready();
    events = [];
    TestBed.inject(AuthService).events$.subscribe((event) => events.push(event));
  }

  const apiRequests = () => backend.match((request) => request.url.startsWith(API));
  const tokenRequests = () => backend.match(TOKEN_URL);

  /** Fires `count` GETs at once; returns what each one ended with. */
  function burst(count: number) {
    const outcomes: { value?: unknown; error?: unknown }[] = [];
    for (let i = 0; i < count; i++) {
      const outcome: { value?: unknown; error?: unknown } = {};
      outcomes.push(outcome);
      http.get(`${API}/api/items/${i}`).subscribe({
        next: (value) => (outcome.value = value),
        error: (error: unknown) => (outcome.error = error),
      });
    }
    return outcomes;
  }

  afterEach(() => backend.verify());

  describe('which requests get the token', () => {
    beforeEach(() => setUp());

    it('attaches the bearer token to a request for a configured API', () => {
      http.get(`${API}/api/me`).subscribe();
      const request = backend.expectOne(`${API}/api/me`);
      expect(request.request.headers.get('Authorization')).toBe('Bearer access-token-0');
      request.flush({});
    });

    it('matches the API path prefix as whole segments, relative URLs included', async () => {
      http.get(`${API}/api`).subscribe();
      http.get(`${API}/api/a/b?x=1`).subscribe();
      http.get(`${API}/api/../api/x`).subscribe();
      await settle();
      const requests = backend.match(() => true);
      expect(requests.map((r) => r.request.headers.get('Authorization'))).toEqual([
        'Bearer access-token-0',
        'Bearer access-token-0',
        'Bearer access-token-0',
      ]);
      requests.forEach((r) => r.flush({}));
    });

    const lookAlikes = [
      'http://localhost:3000.evil.test/api/me',
      'http://localhost:30001/api/me',
      'http://localhost:3000/apix',
      'http://localhost:3000/apix/me',
      'http://localhost:3000/',
      'http://localhost:3000/api-docs',
      'https://localhost:3000/api/me',
      'http://127.0.0.1:3000/api/me',
      'http://localhost:3000@evil.test/api/me',
      'http://evil.test/?next=http://localhost:3000/api/me',
      'http://localhost:3000/api/../admin',
      '/api/me',
    ];
    for (const url of lookAlikes) {
      it(`sends no token to the look-alike ${url}`, () => {
        http.get(url).subscribe();
        const request = backend.expectOne(() => true);
        expect(request.request.headers.has('Authorization')).toBeFalse();
        request.flush({});
      });
    }

    it('lets a request opt out with SKIP_AUTH', () => {
      http
        .get(`${API}/api/public`, { context: new HttpContext().set(SKIP_AUTH, true) })
        .subscribe();
      const request = backend.expectOne(`${API}/api/public`);
      expect(request.request.headers.has('Authorization')).toBeFalse();
      request.flush({});
    });

    it('never touches the token endpoint, even when the allowlist covers it', async () => {
      TestBed.resetTestingModule();
      await setUp({ apis: [{ origin: 'https://issuer.example.test', pathPrefix: '/' }] });
      kit.expire();
      http.post(TOKEN_URL, 'grant_type=x').subscribe({ error: () => undefined });
      const request = backend.expectOne(TOKEN_URL);
      expect(request.request.headers.has('Authorization')).toBeFalse();
      expect(request.request.body).toBe('grant_type=x');
      request.flush({});
    });
  });

  describe("a server-rendered page's transferred API answers", () => {
    /** Whether Angular's transfer cache may answer the request from the page (alice is signed in). */
    async function mayUseTransferred(renderedFor: string | null | undefined, signedIn = true) {
      await setUp({ signedIn });
      if (renderedFor !== undefined) TestBed.inject(TransferState).set(RENDERED_FOR, renderedFor);
      http.get(`${API}/api/me`).subscribe();
      const [request] = apiRequests();
      request!.flush({});
      return request!.request.transferCache !== false;
    }

    it('are used by the session the page was rendered with', async () => {
      expect(await mayUseTransferred('alice')).toBeTrue();
    });

    it("are not used by another user's session, nor when signed out", async () => {
      expect(await mayUseTransferred('bob')).toBeFalse();
    });

    it('rendered signed in, not used by a tab that starts signed out', async () => {
      expect(await mayUseTransferred('alice', false)).toBeFalse();
    });

    it('a page rendered without a known session leaves the cache to Angular', async () => {
      expect(await mayUseTransferred(undefined)).toBeTrue();
    });
  });

  describe('refreshing before a request', () => {
    beforeEach(() => setUp());

    it('makes exactly one token POST for 50 parallel requests with an expired token, then sends all 50 once', async () => {
      kit.expire();
      const outcomes = burst(50);
      await settle();

      expect(apiRequests().length)
        .withContext('no API request goes out with the stale token')
        .toBe(0);
      const refreshes = tokenRequests();
      expect(refreshes.length).toBe(1);
      expect(refreshes[0].request.headers.has('Authorization')).toBeFalse();
      expect(refreshes[0].request.body).toContain('grant_type=refresh_token');
      expect(refreshes[0].request.body).toContain('refresh_token=refresh-token-0');
      refreshes[0].flush(JSON.stringify(tokenResponse()));
      await settle();

      const sent = apiRequests();
      expect(sent.length).toBe(50);
      expect(new Set(sent.map((r) => r.request.headers.get('Authorization')))).toEqual(
        new Set(['Bearer fresh-access-token-1']),
      );
      sent.forEach((r) => r.flush({ ok: true }));
      expect(outcomes.filter((o) => o.value).length).toBe(50);
      expect(tokenRequests().length).toBe(0);
    });

    it('refreshes first when the clock jumped past expiry without any timer firing', async () => {
      kit.clock.advance(24 * 60 * 60 * 1000); // a night asleep: no timer ran, nothing was scheduled
      burst(1);
      await settle();
      expect(apiRequests().length).toBe(0);
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      expect(apiRequests()[0].request.headers.get('Authorization')).toBe(
        'Bearer fresh-access-token-1',
      );
    });

    it('refreshes inside the leeway (a quarter of the lifetime) but not before it', async () => {
      kit.clock.advance(224_000); // 76 s of 300 s left: outside the default 30 s cap... and 75 s quarter
      burst(1);
      await settle();
      expect(tokenRequests().length).toBe(0);
      apiRequests()[0].flush({});

      kit.clock.advance(47_000); // 29 s left: inside min(30 s, 75 s)
      burst(1);
      await settle();
      expect(apiRequests().length).toBe(0);
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      apiRequests()[0].flush({});
    });

    it('starts a new refresh at the next expiry, one per expiry', async () => {
      for (let expiry = 1; expiry <= 3; expiry++) {
        kit.expire();
        burst(5);
        await settle();
        const refreshes = tokenRequests();
        expect(refreshes.length).withContext(`expiry ${expiry}`).toBe(1);
        refreshes[0].flush(JSON.stringify(tokenResponse({}, expiry)));
        await settle();
        apiRequests().forEach((r) => r.flush({}));
      }
      expect(kit.accessToken).toBe('fresh-access-token-3');
    });

    it('sends the request without a token when nobody is signed in', async () => {
      TestBed.resetTestingModule();
      await setUp({ signedIn: false });
      burst(1);
      await settle();
      const [request] = apiRequests();
      expect(request.request.headers.has('Authorization')).toBeFalse();
      request.flush({});
    });
  });

  describe('a 401 from the API', () => {
    beforeEach(() => setUp());

    function answer401(requests: TestRequest[]): void {
      for (const request of requests) {
        request.flush(null, {
          status: 401,
          statusText: 'Unauthorized',
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
    }

    describe('that asks for a stronger sign-in (RFC 9470)', () => {
      const CHALLENGE =
        'Bearer error="insufficient_user_authentication", error_description="more", acr_values="urn:demo:otp", max_age=300';

      function answerStepUp(requests: TestRequest[], challenge = CHALLENGE): void {
        for (const request of requests) {
          request.flush(
            { error: 'insufficient_user_authentication' },
            { status: 401, statusText: 'Unauthorized', headers: { 'WWW-Authenticate': challenge } },
          );
        }
      }

      it('fails each request with StepUpRequiredError: 0 refreshes, 0 retries, no brake', async () => {
        const outcomes = burst(10);
        await settle();
        answerStepUp(apiRequests());
        await settle();
        expect(tokenRequests().length).toBe(0);
        expect(apiRequests().length).toBe(0);
        expect(outcomes.map((o) => (o.error as StepUpRequiredError | undefined)?.code)).toEqual(
          Array(10).fill('step_up_required'),
        );
        const [first] = outcomes.map((o) => o.error as StepUpRequiredError);
        expect([first!.acrValues, first!.maxAge, first!.unreadable]).toEqual([
          'urn:demo:otp',
          300,
          false,
        ]);
        expect(first!.url).toBe(`${API}/api/items/0`);
        expect(events.filter((e) => e.type === 'request-retried').length).toBe(0);
        expect(events.filter((e) => e.type === 'step-up-required').length).toBe(10);
        // The session goes on, and an ordinary 401 still refreshes (no brake was set).
        expect(TestBed.inject(AuthService).session()).not.toBeNull();
        burst(1);
        await settle();
        answer401(apiRequests());
        await settle();
        const refreshes = tokenRequests();
        expect(refreshes.length).toBe(1);
        refreshes[0]!.flush(JSON.stringify(tokenResponse()));
        await settle();
        apiRequests().forEach((r) => r.flush({}));
      });

      it('a retry that meets the challenge fails with StepUpRequiredError and sets no brake', async () => {
        const [outcome] = burst(1);
        await settle();
        answer401(apiRequests());
        await settle();
        tokenRequests()[0]!.flush(JSON.stringify(tokenResponse()));
        await settle();
        // The fresh token is accepted, and the API wants more of the sign-in behind it.
        answerStepUp(apiRequests());
        await settle();
        expect(outcome!.error).toEqual(jasmine.any(StepUpRequiredError));
        expect(tokenRequests().length).toBe(0);
        // Not braked: an ordinary 401 for the fresh token still gets its one refresh.
        burst(1);
        await settle();
        answer401(apiRequests());
        await settle();
        const refreshes = tokenRequests();
        expect(refreshes.length).withContext('refreshes after the challenge').toBe(1);
        refreshes[0]!.flush(JSON.stringify(tokenResponse()));
        await settle();
        apiRequests().forEach((r) => r.flush({}));
      });

      it('AuthService.stepUp signs in for what was asked, back to the page, without ending the session', async () => {
        const auth = TestBed.inject(AuthService);
        await auth.stepUp({ acrValues: 'urn:demo:otp', maxAge: 300, returnUrl: '/payments' });
        expect(kit.loginRequests).toEqual(['/payments']);
        expect(kit.loginAuthentication).toEqual([{ acrValues: 'urn:demo:otp', maxAge: 300 }]);
        expect(auth.session()).not.toBeNull();
        expect(events.filter((e) => e.type === 'step-up-started')).toEqual([
          jasmine.objectContaining({ automatic: false }),
        ]);
        // A return path elsewhere is replaced, as at sign-in; a bad value is refused unsent.
        await auth.stepUp({ returnUrl: 'https://evil.example/' });
        expect(kit.loginRequests[1]).toBe('/dashboard');
        await expectAsync(auth.stepUp({ acrValues: 'urn:"x"' })).toBeRejectedWithError(LoginError);
        expect(kit.loginRequests.length).toBe(2);
      });

      it('an unreadable challenge that names the error is a step-up with nothing asked for', async () => {
        const [outcome] = burst(1);
        await settle();
        answerStepUp(
          apiRequests(),
          'Bearer error="insufficient_user_authentication", max_age="soon"',
        );
        await settle();
        expect(tokenRequests().length).toBe(0);
        expect(outcome!.error).toEqual(jasmine.any(StepUpRequiredError));
        expect((outcome!.error as StepUpRequiredError).unreadable).toBeTrue();
      });
    });

    describe('with "stepUp": "automatic"', () => {
      const CHALLENGE =
        'Bearer error="insufficient_user_authentication", acr_values="urn:demo:otp", max_age=300';

      function answerStepUp(requests: TestRequest[], challenge = CHALLENGE): void {
        for (const request of requests) {
          request.flush(null, {
            status: 401,
            statusText: 'Unauthorized',
            headers: { 'WWW-Authenticate': challenge },
          });
        }
      }

      beforeEach(() => {
        TestBed.resetTestingModule();
        return setUp({ config: { stepUp: 'automatic' } });
      });

      it('leaves once for a burst of challenges, asking for what the API asked', async () => {
        const outcomes = burst(5);
        await settle();
        answerStepUp(apiRequests());
        await settle();
        expect(outcomes.every((o) => o.error instanceof StepUpRequiredError)).toBeTrue();
        expect(kit.loginRequests.length).withContext('sign-ins started').toBe(1);
        expect(kit.loginAuthentication).toEqual([{ acrValues: 'urn:demo:otp', maxAge: 300 }]);
        expect(tokenRequests().length).toBe(0);
        const started = events.filter((e) => e.type === 'step-up-started');
        expect(started).toEqual([
          jasmine.objectContaining({ acrValues: 'urn:demo:otp', maxAge: 300, automatic: true }),
        ]);
      });

      it('does not go round again for the same challenge right after stepping up for it', async () => {
        burst(1);
        await settle();
        answerStepUp(apiRequests());
        await settle();
        expect(kit.loginRequests.length).toBe(1);
        // The page came back (a new page load: same sessionStorage, a new app), and the API
        // still asks for the same: the provider did not give it.
        const storage = TestBed.inject(ɵSESSION_STORAGE);
        TestBed.resetTestingModule();
        await setUp({ config: { stepUp: 'automatic' }, sessionStorage: storage! });
        const [outcome] = burst(1);
        await settle();
        answerStepUp(apiRequests());
        await settle();
        expect(outcome!.error).toEqual(jasmine.any(StepUpRequiredError));
        expect(kit.loginRequests.length).withContext('sign-ins after coming back').toBe(0);
        // Another challenge is another matter.
        burst(1);
        await settle();
        answerStepUp(apiRequests(), CHALLENGE.replace('max_age=300', 'max_age=60'));
        await settle();
        expect(kit.loginAuthentication).toEqual([{ acrValues: 'urn:demo:otp', maxAge: 60 }]);
      });

      it('does not start for a challenge it cannot read', async () => {
        const [outcome] = burst(1);
        await settle();
        answerStepUp(apiRequests(), 'Bearer error="insufficient_user_authentication", max_age=x');
        await settle();
        expect((outcome!.error as StepUpRequiredError).unreadable).toBeTrue();
        expect(kit.loginRequests.length).toBe(0);
      });
    });

    it('shares one refresh among 50 parallel 401s and retries each request exactly once', async () => {
      const outcomes = burst(50);
      await settle();
      const first = apiRequests();
      expect(first.length).toBe(50);
      answer401(first);
      await settle();

      const refreshes = tokenRequests();
      expect(refreshes.length).toBe(1);
      refreshes[0].flush(JSON.stringify(tokenResponse()));
      await settle();

      const retries = apiRequests();
      expect(retries.length).toBe(50);
      expect(
        retries.every(
          (r) => r.request.headers.get('Authorization') === 'Bearer fresh-access-token-1',
        ),
      ).toBeTrue();
      retries.forEach((r) => r.flush({ ok: true }));
      expect(outcomes.filter((o) => o.value).length).toBe(50);
      expect(events.filter((e) => e.type === 'request-retried').length).toBe(50);
    });

    it('retries without a refresh when another request already refreshed', async () => {
      burst(1);
      await settle();
      const [stale] = apiRequests();
      // Meanwhile an expiry-triggered refresh replaced the token this request carried.
      kit.expire();
      burst(1);
      await settle();
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      apiRequests()[0].flush({});

      answer401([stale]);
      await settle();
      expect(tokenRequests().length).toBe(0);
      const [retry] = apiRequests();
      expect(retry.request.headers.get('Authorization')).toBe('Bearer fresh-access-token-1');
      retry.flush({});
    });

    it('passes a second 401 after a successful refresh to the caller, without another refresh', async () => {
      const [outcome] = burst(1);
      await settle();
      answer401(apiRequests());
      await settle();
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      answer401(apiRequests());
      await settle();

      expect(tokenRequests().length).toBe(0);
      expect(apiRequests().length).toBe(0);
      expect((outcome.error as HttpErrorResponse).status).toBe(401);
      expect(kit.accessToken).withContext('the session is kept').toBe('fresh-access-token-1');
    });

    it('does not refresh on a 403', async () => {
      const [outcome] = burst(1);
      await settle();
      apiRequests()[0].flush(null, { status: 403, statusText: 'Forbidden' });
      await settle();
      expect(tokenRequests().length).toBe(0);
      expect((outcome.error as HttpErrorResponse).status).toBe(403);
    });

    it('brakes an API that refuses fresh tokens: later 401s for that token pass through without a refresh', async () => {
      burst(1);
      await settle();
      answer401(apiRequests());
      await settle();
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      answer401(apiRequests()); // the retry with the fresh token is refused too
      await settle();

      const later = burst(5);
      await settle();
      answer401(apiRequests());
      await settle();
      expect(tokenRequests().length).withContext('no refresh for a braked token').toBe(0);
      expect(apiRequests().length).withContext('and no retry').toBe(0);
      expect(later.map((o) => (o.error as HttpErrorResponse).status)).toEqual([
        401, 401, 401, 401, 401,
      ]);
      expect(kit.accessToken).withContext('the session is kept').toBe('fresh-access-token-1');
    });

    it('gives a token obtained after a braked one its own refresh on a 401', async () => {
      burst(1);
      await settle();
      answer401(apiRequests());
      await settle();
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      answer401(apiRequests());
      await settle();

      kit.expire();
      burst(1);
      await settle();
      tokenRequests()[0].flush(JSON.stringify(tokenResponse({}, 2)));
      await settle();
      answer401(apiRequests());
      await settle();
      const refreshes = tokenRequests();
      expect(refreshes.length).withContext('one refresh for the new token').toBe(1);
      refreshes[0].flush(JSON.stringify(tokenResponse({}, 3)));
      await settle();
      apiRequests()[0].flush({});
    });

    it('shares one refresh among a guard, three requests and a 401 arriving at the same instant after expiry', async () => {
      http.get(`${API}/api/slow`).subscribe();
      await settle();
      const [sentBefore] = apiRequests();
      kit.expire();
      const guard = TestBed.runInInjectionContext(() =>
        authGuard({} as ActivatedRouteSnapshot, { url: '/dashboard' } as RouterStateSnapshot),
      ) as Observable<boolean | UrlTree>;
      const decision = firstValueFrom(guard);
      burst(3);
      answer401([sentBefore]);
      await settle();

      const refreshes = tokenRequests();
      expect(refreshes.length).toBe(1);
      refreshes[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      expect(await decision).toBeTrue();
      const sent = apiRequests();
      expect(sent.length).withContext('three requests and one retry').toBe(4);
      expect(
        sent.every((r) => r.request.headers.get('Authorization') === 'Bearer fresh-access-token-1'),
      ).toBeTrue();
      sent.forEach((r) => r.flush({}));
    });

    it('does not refresh on a 401 from a URL outside the allowlist', async () => {
      let failed: HttpErrorResponse | undefined;
      http
        .get('https://elsewhere.example.test/data')
        .subscribe({ error: (e: HttpErrorResponse) => (failed = e) });
      backend
        .expectOne('https://elsewhere.example.test/data')
        .flush(null, { status: 401, statusText: 'Unauthorized' });
      await settle();
      expect(tokenRequests().length).toBe(0);
      expect(failed?.status).toBe(401);
    });
  });
  describe('the leeway', () => {
    it('is capped at half the lifetime, so a leeway above the lifetime never refreshes every request', async () => {
      await setUp({ config: { leewaySeconds: 3600 }, accessTokenLifetimeSeconds: 300 });
      http.get(`${API}/api/one`).subscribe();
      kit.clock.advance(149_000);
      http.get(`${API}/api/two`).subscribe();
      await settle();
      expect(tokenRequests().length).toBe(0);
      apiRequests().forEach((r) => r.flush({}));

      kit.clock.advance(2_000); // 151 s of 300: inside the capped leeway
      http.get(`${API}/api/three`).subscribe();
      await settle();
      const refreshes = tokenRequests();
      expect(refreshes.length).toBe(1);
      refreshes[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      apiRequests().forEach((r) => r.flush({}));
    });
  });

  describe('session$', () => {
    it('replays the current session to a subscriber that comes after a refresh', async () => {
      await setUp();
      kit.expire();
      http.get(`${API}/api/me`).subscribe();
      await settle();
      tokenRequests()[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      apiRequests()[0].flush({});

      const late = await firstValueFrom(TestBed.inject(AuthService).session$);
      expect(late?.version).toBe(2);
    });
  });

  describe('a device clock that jumps', () => {
    it('refreshes once before sending after a jump forward past expiry', async () => {
      await setUp();
      kit.clock.advance(6 * 3_600_000);
      http.get(`${API}/api/me`).subscribe();
      await settle();
      expect(apiRequests().length).withContext('nothing is sent with the stale token').toBe(0);
      const refreshes = tokenRequests();
      expect(refreshes.length).toBe(1);
      refreshes[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      const [sent] = apiRequests();
      expect(sent.request.headers.get('Authorization')).toBe('Bearer fresh-access-token-1');
      sent.flush({});
    });

    it('recovers with one refresh and a retry when the clock jumped back 45 minutes and the API refuses the expired token', async () => {
      await setUp();
      kit.clock.advance(-45 * 60_000); // the token looks valid for 50 more minutes here
      const [outcome] = burst(1);
      await settle();
      const [stale] = apiRequests();
      expect(stale.request.headers.get('Authorization')).toBe('Bearer access-token-0');
      stale.flush(null, { status: 401, statusText: 'Unauthorized' });
      await settle();
      const refreshes = tokenRequests();
      expect(refreshes.length).toBe(1);
      refreshes[0].flush(JSON.stringify(tokenResponse()));
      await settle();
      apiRequests()[0].flush({ ok: true });
      expect(outcome.value).toEqual({ ok: true });
      expect(kit.loginRequests).withContext('no new sign-in').toEqual([]);
    });
  });
});
