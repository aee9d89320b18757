import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationInitStatus, PLATFORM_ID, REQUEST_CONTEXT, RESPONSE_INIT } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import { withBffMode } from '@oidc-session/angular/bff';
import { withBrowserMode } from '@oidc-session/angular/browser';

import { authGuard } from '../../auth-guard';
import { authInterceptor } from '../../auth-interceptor';
import { AuthService } from '../../auth-service';
import { configFromUrl, provideAuth } from '../../provide-auth';
import { AuthConfigError } from '../auth-errors';
import { AuthRenderContext, provideAuthRenderContext } from './auth-render-context';

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
async function renderOnServer(context: AuthRenderContext | null | { readonly request: unknown }) {
  const response = { headers: new Headers() };
  TestBed.configureTestingModule({
    providers: [
      { provide: PLATFORM_ID, useValue: 'server' },
      { provide: RESPONSE_INIT, useValue: response },
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideRouter([
        { path: '', children: [] },
        { path: 'dashboard', canActivate: [authGuard], children: [] },
      ]),
      provideAuth(configFromUrl('/auth.config.json'), withBrowserMode(), withBffMode()),
      ...(context && 'request' in context
        ? [{ provide: REQUEST_CONTEXT, useValue: context.request }, provideAuthRenderContext()]
        : [provideAuthRenderContext(() => context)]),
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
