import {
  FetchBackend,
  HttpClient,
  HttpContext,
  HttpErrorResponse,
  HttpResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  ApplicationInitStatus,
  PLATFORM_ID,
  REQUEST_CONTEXT,
  RESPONSE_INIT,
  TransferState,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import { withBffMode } from '@oidc-session/angular/bff';
import { withBrowserMode } from '@oidc-session/angular/browser';

import { authGuard } from '../../auth-guard';
import { authInterceptor } from '../../auth-interceptor';
import { AuthService } from '../../auth-service';
import { configFromUrl, provideAuth } from '../../provide-auth';
import { AuthConfigError } from '../auth-errors';
import { AuthRenderContext } from './auth-render-context';
import { provideAuthRenderContext } from './provide-auth-render-context';
import { RENDERED_FOR } from './transferred-answers';
import { SKIP_AUTH } from '../skip-auth';
import { firstValueFrom, of } from 'rxjs';

const BROWSER_CONFIG = {
  mode: 'browser',
  issuer: 'https://issuer.example.test',
  clientId: 'spa',
  scope: 'openid profile',
  apis: [{ origin: 'https://api.example.test', pathPrefix: '/api' }],
};
const BFF_CONFIG = { mode: 'bff', postLogoutPath: '/' };

/**
 * Every browser global the session layer could reach, each a spy that fails the test if used;
 * `listened` collects the browser events it subscribed to (Angular's own listeners are allowed).
 */
function trapBrowserGlobals(listened: string[]): jasmine.Spy[] {
  const listenFor = ['online', 'offline', 'storage', 'pageshow', 'message'];
  const addListener = window.addEventListener.bind(window);
  spyOn(window, 'addEventListener').and.callFake(((
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) => {
    if (listenFor.includes(type)) listened.push(type);
    addListener(type, listener, options);
  }) as typeof window.addEventListener);
  return [
    spyOnProperty(window, 'sessionStorage', 'get').and.throwError('sessionStorage'),
    spyOnProperty(window, 'localStorage', 'get').and.throwError('localStorage'),
    spyOnProperty(window, 'indexedDB', 'get').and.throwError('indexedDB'),
    spyOn(window, 'BroadcastChannel').and.throwError('BroadcastChannel'),
    spyOnProperty(Navigator.prototype, 'locks', 'get').and.throwError('navigator.locks'),
    spyOnProperty(Crypto.prototype, 'subtle', 'get').and.throwError('crypto.subtle'),
    spyOnProperty(Document.prototype, 'cookie', 'set').and.throwError('document.cookie'),
  ];
}

/**
 * The session layer as an app's server render sets it up, for one page request: `context` from a
 * factory, or `{ request: ... }` as @angular/ssr's request context read by the default one.
 */
async function renderOnServer(
  context: AuthRenderContext | null | { readonly request: unknown },
  { httpClientLast = false } = {},
) {
  const response = { headers: new Headers() };
  TestBed.configureTestingModule({
    providers: [
      { provide: PLATFORM_ID, useValue: 'server' },
      { provide: RESPONSE_INIT, useValue: response },
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideRouter([
        { path: '', children: [] },
        { path: 'login', children: [] },
        { path: 'dashboard', canActivate: [authGuard], children: [] },
      ]),
      provideAuth(configFromUrl('/auth.config.json'), withBrowserMode(), withBffMode()),
      ...(context && 'request' in context
        ? [{ provide: REQUEST_CONTEXT, useValue: context.request }, provideAuthRenderContext()]
        : [provideAuthRenderContext(() => context)]),
      ...(httpClientLast ? [provideHttpClient(), provideHttpClientTesting()] : []),
    ],
  });
  await TestBed.inject(ApplicationInitStatus).donePromise;
  return { response, auth: TestBed.inject(AuthService), router: TestBed.inject(Router) };
}

describe('rendering on the server', () => {
  let traps: jasmine.Spy[];
  let listened: string[];

  beforeEach(() => {
    listened = [];
    traps = trapBrowserGlobals(listened);
  });

  afterEach(() => {
    for (const trap of traps) expect(trap).withContext(trap.and.identity).not.toHaveBeenCalled();
    expect(listened).withContext('browser events listened for').toEqual([]);
    // Nothing was sent: not the configuration (the host gave it), not discovery, not a refresh.
    TestBed.inject(HttpTestingController).verify();
  });

  it('browser mode: the session is unknown, not signed out, and nothing of the browser is touched', async () => {
    const { auth, response } = await renderOnServer({ config: BROWSER_CONFIG });
    expect(auth.sessionKnown()).toBeFalse();
    expect(auth.session()).toBeNull();
    expect(auth.pageHeldForBrowser()).toBeFalse();
    expect(auth.config.mode).toBe('browser');
    // A public page is the same for everyone: the host's caching stands.
    expect(response.headers.get('Cache-Control')).toBeNull();
  });

  it('browser mode: a guarded page completes its navigation, held for the browser, private to the cookie', async () => {
    const { auth, router, response } = await renderOnServer({ config: BROWSER_CONFIG });
    expect(await router.navigateByUrl('/dashboard')).toBeTrue();
    expect(router.url).toBe('/dashboard');
    expect(auth.pageHeldForBrowser()).toBeTrue();
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Vary')).toBe('Cookie');
  });

  it('bff mode: every page may show who is signed in, so every page is private', async () => {
    const { auth, router, response } = await renderOnServer({ config: BFF_CONFIG });
    expect(await router.navigateByUrl('/')).toBeTrue();
    expect(auth.sessionKnown()).toBeFalse();
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Vary')).toBe('Cookie');
  });

  it("by default reads the context from @angular/ssr's request context, under `auth`", async () => {
    const { auth, response } = await renderOnServer({
      request: { auth: { config: BROWSER_CONFIG } },
    });
    expect(auth.config.mode).toBe('browser');
    expect(response.headers.get('Cache-Control')).toBeNull();
  });

  it('a request context without `auth` leaves the mode unknown: every page private', async () => {
    const { response } = await renderOnServer({ request: { somethingElse: true } });
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('without a render context the mode is unknown, and every page is treated as private', async () => {
    const { auth, response } = await renderOnServer(null);
    expect(auth.sessionKnown()).toBeFalse();
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('an invalid configuration from the host fails the render with the field named', async () => {
    const { clientId, ...withoutClientId } = BROWSER_CONFIG;
    await expectAsync(
      renderOnServer({ config: { ...withoutClientId, clientID: clientId } }),
    ).toBeRejectedWith(jasmine.any(AuthConfigError));
  });

  it('sign-in cannot start from a server render: no page to leave', async () => {
    const { auth } = await renderOnServer({ config: BROWSER_CONFIG });
    await expectAsync(auth.login('/dashboard')).toBeRejected();
  });
});

/** A session as the BFF describes it to the render (its `/bff/session` answer). */
const ALICE = {
  user: { sub: 'alice', name: 'Alice' },
  accessTokenExpiresIn: 0,
  version: 3,
  sessionExpiresIn: 3600,
};

/** The host's in-process fetch: records what it is asked, answers as the API behind the BFF. */
function hostFetch(answer = () => apiAnswer({ name: 'Alice' })) {
  const asked: Request[] = [];
  const fetch = jasmine.createSpy('fetch').and.callFake(async (request: Request) => {
    asked.push(request);
    return answer();
  });
  return { fetch: fetch as unknown as (request: Request) => Promise<Response>, asked };
}

function apiAnswer(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

describe('rendering on the server, with the session the host gave (bff mode)', () => {
  let traps: jasmine.Spy[];
  let listened: string[];
  /** Set by a test whose app cannot be made at all. */
  let noApp: boolean;

  beforeEach(() => {
    listened = [];
    noApp = false;
    traps = trapBrowserGlobals(listened);
  });

  afterEach(() => {
    for (const trap of traps) expect(trap).withContext(trap.and.identity).not.toHaveBeenCalled();
    expect(listened).withContext('browser events listened for').toEqual([]);
    if (!noApp) TestBed.inject(HttpTestingController).verify();
  });

  it('signed in: session$ has the session, the guarded page renders, and the browser is told whose page it is', async () => {
    const { fetch } = hostFetch();
    const { auth, router, response } = await renderOnServer({
      config: BFF_CONFIG,
      session: ALICE,
      fetch,
    });
    expect(auth.sessionKnown()).toBeTrue();
    expect(auth.session()?.claims).toEqual({ sub: 'alice', name: 'Alice' });
    expect(auth.session()?.heldBy).toBe('server');
    expect(auth.session()?.version).toBe(3);
    expect(await router.navigateByUrl('/dashboard')).toBeTrue();
    expect(router.url).toBe('/dashboard');
    expect(auth.pageHeldForBrowser()).toBeFalse();
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(TestBed.inject(TransferState).get(RENDERED_FOR, undefined)).toBe('alice');
    // The guard did not refresh the expired access token: the host's API path does that.
    expect(fetch).not.toHaveBeenCalled();
  });

  it('signed out: a guarded page is a redirect to the login page, with the way back', async () => {
    const { auth, router } = await renderOnServer({ config: BFF_CONFIG, session: null });
    expect(auth.sessionKnown()).toBeTrue();
    expect(auth.session()).toBeNull();
    await router.navigateByUrl('/dashboard?tab=2');
    expect(router.url).toBe('/login?returnUrl=%2Fdashboard%3Ftab%3D2');
    expect(auth.pageHeldForBrowser()).toBeFalse();
    expect(TestBed.inject(TransferState).get(RENDERED_FOR, undefined)).toBeNull();
  });

  it("the page's API calls go through the host with the session, never the network, and keep no Cache-Control", async () => {
    const { fetch, asked } = hostFetch();
    await renderOnServer({ config: BFF_CONFIG, session: ALICE, fetch });
    const answer = await firstValueFrom(
      TestBed.inject(HttpClient).get('/api/me', { observe: 'response' }),
    );
    expect(answer.body).toEqual({ name: 'Alice' });
    expect(answer.headers.get('content-type')).toBe('application/json');
    // The API's no-store would keep Angular's transfer cache from giving the answer to the browser.
    expect(answer.headers.has('cache-control')).toBeFalse();
    expect(asked.map((request) => [request.method, new URL(request.url).pathname])).toEqual([
      ['GET', '/api/me'],
    ]);
    // Nothing of the session layer's own is added: the host attaches what the API needs.
    expect(asked[0]!.headers.has('authorization')).toBeFalse();
    expect(asked[0]!.headers.has('x-bff-csrf')).toBeFalse();
  });

  it("an API's refusal or a host that cannot send reach the page as HTTP errors, and end nothing", async () => {
    let answer: () => Response = () => apiAnswer({ error: 'provider_unreachable' }, 503);
    const { fetch } = hostFetch(() => answer());
    const { auth } = await renderOnServer({ config: BFF_CONFIG, session: ALICE, fetch });
    const http = TestBed.inject(HttpClient);
    const refused = await firstValueFrom(http.get('/api/me')).catch((error: unknown) => error);
    expect(refused).toEqual(jasmine.any(HttpErrorResponse));
    expect((refused as HttpErrorResponse).status).toBe(503);
    expect((refused as HttpErrorResponse).error).toEqual({ error: 'provider_unreachable' });
    answer = () => {
      throw new TypeError('store down');
    };
    const unsent = await firstValueFrom(http.get('/api/me')).catch((error: unknown) => error);
    expect((unsent as HttpErrorResponse).status).toBe(0);
    expect(auth.session()?.claims.sub).toBe('alice');
  });

  it('requests that are not the session API, or opted out, go to the network (fetch)', async () => {
    const network: string[] = [];
    spyOn(FetchBackend.prototype, 'handle').and.callFake((request) => {
      network.push(request.url);
      return of(new HttpResponse({ status: 200, body: {} }));
    });
    const { fetch } = hostFetch();
    await renderOnServer({ config: BFF_CONFIG, session: ALICE, fetch });
    const http = TestBed.inject(HttpClient);
    const urls = ['https://elsewhere.example.test/api/me', '/assets/data.json', '/apix'];
    for (const url of urls) await firstValueFrom(http.get(url));
    await firstValueFrom(
      http.get('/api/open', { context: new HttpContext().set(SKIP_AUTH, true) }),
    );
    expect(network).toEqual([...urls, '/api/open']);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('a session the host describes wrongly fails the render, naming what is wrong', async () => {
    const { fetch } = hostFetch();
    const { sub, ...nameOnly } = ALICE.user;
    await expectAsync(
      renderOnServer({
        config: BFF_CONFIG,
        session: { ...ALICE, user: nameOnly as typeof ALICE.user },
        fetch,
      }),
    ).toBeRejectedWith(
      jasmine.objectContaining({
        name: 'AuthConfigError',
        field: 'renderContext.session.user.sub',
      }),
    );
    expect(sub).toBe('alice');
  });

  it('a session without a fetch for its API calls fails the render', async () => {
    await expectAsync(renderOnServer({ config: BFF_CONFIG, session: ALICE })).toBeRejectedWith(
      jasmine.objectContaining({ field: 'renderContext.fetch' }),
    );
  });

  it('a provideHttpClient() after provideAuthRenderContext() fails every render, saying what to move', async () => {
    noApp = true;
    await expectAsync(
      renderOnServer({ config: BROWSER_CONFIG }, { httpClientLast: true }),
    ).toBeRejectedWith(jasmine.objectContaining({ field: 'provideAuthRenderContext()' }));
  });

  it('browser mode ignores a session a host passes: its session never reaches the server', async () => {
    const { fetch } = hostFetch();
    const { auth } = await renderOnServer({ config: BROWSER_CONFIG, session: ALICE, fetch });
    expect(auth.sessionKnown()).toBeFalse();
    expect(auth.session()).toBeNull();
  });
});
