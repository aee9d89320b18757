import { HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import {
  ɵAUTH_STARTUP_REPORTER as AUTH_STARTUP_REPORTER,
  authInterceptor,
  AuthService,
  CLOCK,
  configFromObject,
  ɵKeyValueStorage as KeyValueStorage,
  ɵLOCAL_STORAGE as LOCAL_STORAGE,
  ɵMemoryStorage as MemoryStorage,
  ɵPAGE_NAVIGATION as PAGE_NAVIGATION,
  provideAuth,
  ɵSESSION_STORAGE as SESSION_STORAGE,
  ɵSIGN_OUT_PENDING_COOKIE as SIGN_OUT_PENDING_COOKIE,
  withAuthTiming,
} from '@oidc-session/angular';
import { withBffMode } from '@oidc-session/angular/bff';
import { FakeClock, settle } from '@oidc-session/angular/testing';

const SESSION = '/bff/session';
const REFRESH = '/bff/refresh';
const LOGOUT = '/bff/logout';
const FROM_BFF = new HttpHeaders({ 'X-BFF-Source': 'bff' });
/** Where tab-sync.ts keeps the origin's sign-out epoch. */
const EPOCH_KEY = 'oidc-session.signed-out-epoch';

function session(version: number, expiresIn = 60) {
  return { user: { sub: 'alice', name: 'Alice' }, accessTokenExpiresIn: expiresIn, version };
}

/**
 * Sign-out in bff mode against HttpTestingController standing in for the BFF, across "page
 * loads": each load is a new TestBed sharing the origin's localStorage, as a reload would.
 */
describe('bff mode: sign-out is final', () => {
  let backend: HttpTestingController;
  let auth: AuthService;
  let clock: FakeClock;
  let navigations: string[];
  let cookie: boolean[];
  let origin: KeyValueStorage;

  beforeEach(() => {
    origin = new MemoryStorage();
    cookie = [];
  });

  /** A page load of the app; resolves once it made its first call to the BFF. */
  function load(): void {
    TestBed.resetTestingModule();
    clock = new FakeClock();
    navigations = [];
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
        { provide: LOCAL_STORAGE, useValue: origin },
        // This tab's notices stay inside the test, not in the Karma page's sessionStorage.
        { provide: SESSION_STORAGE, useFactory: () => new MemoryStorage() },
        { provide: SIGN_OUT_PENDING_COOKIE, useValue: (pending: boolean) => cookie.push(pending) },
        { provide: PAGE_NAVIGATION, useValue: (url: string) => navigations.push(url) },
        {
          provide: AUTH_STARTUP_REPORTER,
          useValue: { waiting: () => {}, ready: () => {}, failed: () => {} },
        },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    auth = TestBed.inject(AuthService);
    void TestBed.inject(ApplicationInitStatus).donePromise;
  }

  /** The next call the lazily imported bff mode makes to the BFF. */
  async function call(url: string) {
    for (let turn = 0; turn < 200; turn++) {
      const [request] = backend.match(url);
      if (request) return request;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(
      `no request to ${url}; open: ${backend.match(() => true).map((r) => r.request.url)}`,
    );
  }

  async function ready(): Promise<void> {
    await TestBed.inject(ApplicationInitStatus).donePromise;
    await auth.ready;
  }

  async function signedInLoad(version = 3): Promise<void> {
    load();
    (await call(SESSION)).flush(session(version));
    await ready();
  }

  /** Another tab of the origin signs out: its epoch in localStorage, its message on the channel. */
  function otherTabSignsOut(): void {
    origin.setItem(EPOCH_KEY, String(Number(origin.getItem(EPOCH_KEY) ?? 0) + 1));
    const channel = new BroadcastChannel('oidc-session');
    channel.postMessage({
      kind: 'signed-out',
      epoch: Number(origin.getItem(EPOCH_KEY)),
      revokedGeneration: 3,
    });
    channel.close();
  }

  afterEach(() => backend.verify());

  it('keeps a sign-out the BFF did not hear, and the next page load sends it before asking for the session', async () => {
    await signedInLoad();
    const done = auth.logout();
    (await call(LOGOUT)).error(new ProgressEvent('error'));
    await done;
    expect(navigations).toEqual([`${location.origin}/`]);
    expect(auth.session()).toBeNull();

    // The reload: the BFF still has the session, and would say so if asked first.
    load();
    const resent = await call(LOGOUT);
    expect(backend.match(SESSION).length).withContext('nothing before the sign-out').toBe(0);
    resent.flush({ endSessionUrl: null });
    await ready();
    expect(auth.session()).toBeNull();
    expect(backend.match(SESSION).length).toBe(0);
  });

  it('never adopts a session answer while the sign-out is pending, and says it is pending in every load', async () => {
    await signedInLoad();
    const done = auth.logout();
    (await call(LOGOUT)).flush(
      { error: 'unavailable' },
      { status: 503, statusText: 'Unavailable', headers: FROM_BFF },
    );
    await done;
    expect(auth.signOutPending()).toBeTrue();
    expect(auth.signOutNotice()).withContext('not "signed out": it is not finished').toBeNull();
    expect(cookie).toEqual([true]);

    load();
    (await call(LOGOUT)).error(new ProgressEvent('error'));
    // A BFF that ignored the pending cookie answers with the session: never adopted.
    (await call(SESSION)).flush(session(3));
    await ready();
    expect(auth.session()).toBeNull();
    expect(auth.signOutPending()).toBeTrue();

    // Reachable again: the BFF ends the session first (the cookie), and answers signed out.
    load();
    (await call(LOGOUT)).error(new ProgressEvent('error'));
    (await call(SESSION)).flush({ user: null, reason: 'signed_out' });
    await ready();
    expect(auth.signOutPending()).toBeFalse();
    expect(cookie).toEqual([true, false]);
  });

  it('finishes a pending sign-out before a new sign-in leaves for the BFF, and refuses to leave while it cannot', async () => {
    await signedInLoad();
    const done = auth.logout();
    (await call(LOGOUT)).error(new ProgressEvent('error'));
    await done;
    navigations.length = 0;

    const refused = auth.login('/dashboard');
    (await call(LOGOUT)).error(new ProgressEvent('error'));
    await expectAsync(refused).toBeRejected();
    expect(navigations).toEqual([]);

    const accepted = auth.login('/dashboard');
    (await call(LOGOUT)).flush({ endSessionUrl: null });
    await accepted;
    expect(navigations).toEqual(['/bff/login?returnUrl=%2Fdashboard']);
    expect(auth.signOutPending()).toBeFalse();
  });

  it('says "signed out" on the page after a sign-out the BFF confirmed', async () => {
    await signedInLoad();
    const done = auth.logout();
    (await call(LOGOUT)).flush({
      endSessionUrl: 'http://localhost:9000/session/end?id_token_hint=x',
    });
    await done;
    expect(auth.signOutNotice()).toBe('complete');
    expect(auth.signOutPending()).toBeFalse();
  });

  it('drops a start-up session answer asked for before another tab signed out', async () => {
    load();
    const asked = await call(SESSION);
    otherTabSignsOut();
    await settle();
    asked.flush(session(3));
    // The session it named may be one the signing-out tab did not know: ended at the BFF too.
    (await call(LOGOUT)).flush({ endSessionUrl: null });
    await ready();
    expect(auth.session()).toBeNull();
  });

  it('drops a refresh answer asked for before another tab signed out, in this tab and the others', async () => {
    await signedInLoad();
    const heard: unknown[] = [];
    const listener = new BroadcastChannel('oidc-session');
    listener.onmessage = (event) => heard.push(event.data);
    clock.advance(61_000);
    const refreshed = auth.accessToken().subscribe({ error: () => undefined });
    const asked = await call(REFRESH);
    otherTabSignsOut();
    // The channel delivers in a task of its own (up to 2 s on a busy machine).
    for (let turn = 0; turn < 100 && auth.session(); turn++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(auth.session()).withContext('signed out by the other tab').toBeNull();
    asked.flush({ ...session(4), refreshed: true });
    await settle();
    expect(auth.session()).toBeNull();
    expect(heard.filter((m) => (m as { kind: string }).kind === 'session')).toEqual([]);
    listener.close();
    refreshed.unsubscribe();
  });
});
