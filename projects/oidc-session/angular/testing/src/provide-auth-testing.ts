import {
  ApplicationInitStatus,
  DestroyRef,
  EnvironmentProviders,
  Injectable,
  InjectionToken,
  inject,
  makeEnvironmentProviders,
} from '@angular/core';

import {
  ApiLocation,
  ɵAUTH_STARTUP_REPORTER as AUTH_STARTUP_REPORTER,
  ɵAuthStartup as AuthStartup,
  AuthTiming,
  CLOCK,
  configFromObject,
  ɵKeyValueStorage as KeyValueStorage,
  ɵLOCAL_STORAGE as LOCAL_STORAGE,
  ɵMemoryStorage as MemoryStorage,
  ɵPAGE_NAVIGATION as PAGE_NAVIGATION,
  ɵPerTabSync as PerTabSync,
  provideAuth,
  ɵSESSION_STORAGE as SESSION_STORAGE,
  ɵSessionStore as SessionStore,
  ɵSIGN_OUT_PENDING_COOKIE as SIGN_OUT_PENDING_COOKIE,
  ɵTAB_SYNC as TAB_SYNC,
  ɵTabSync as TabSync,
  ɵTOKENS_KEY as TOKENS_KEY,
  ɵSessionState as SessionState,
  UserClaims,
  withAuthTiming,
} from '@oidc-session/angular';
import { ɵBffClient as BffClient, withBffMode } from '@oidc-session/angular/bff';
import {
  ɵOidcClient as OidcClient,
  ɵPROVIDER_METADATA_SEED as PROVIDER_METADATA_SEED,
  ɵTokenEndpoint as TokenEndpoint,
  withBrowserMode,
  ɵtokensOf as tokensOf,
} from '@oidc-session/angular/browser';
import { ScriptedBffClient } from './scripted-bff-client';
import { FakeClock } from './fake-clock';
import { FakeOidcClient, TEST_ISSUER } from './fake-oidc-client';
import { ScriptedRefreshAnswer, ScriptedTokenEndpoint } from './scripted-token-endpoint';
import { settle } from './token-responses';

/** The API the testing kit allows by default: every URL on this origin gets the token. */
export const TEST_API: ApiLocation = { origin: 'https://api.example.test', pathPrefix: '/' };

export interface AuthTestingOptions {
  /** Start signed in (default, as Alice) with these claims, or signed out with `false`. */
  readonly signedIn?: boolean | Partial<UserClaims>;
  /**
   * `browser` (default): tokens in the tab, a scripted token endpoint. `bff`: the session comes
   * from a scripted BFF (no token in the browser; refreshes follow `respondToRefresh` too), and
   * API requests carry the BFF's CSRF header instead of a token.
   */
  readonly mode?: 'browser' | 'bff';
  /**
   * bff mode: `scripted` (default) answers from the kit's options; `http` uses the real
   * BffClient over HttpClient, for tests that answer `/bff/*` themselves (a simulated BFF).
   */
  readonly bffClient?: 'scripted' | 'http';
  /** Lifetime of every access token, seconds (default 300). */
  readonly accessTokenLifetimeSeconds?: number;
  /** Where the access token may go (default {@link TEST_API}). */
  readonly apis?: readonly ApiLocation[];
  /**
   * `scripted` (default): refreshes are answered by {@link AuthTestingController.respondToRefresh}.
   * `http`: refreshes are real POSTs to `https://issuer.example.test/token`, for tests that
   * answer them with HttpTestingController. A TokenEndpoint instance: that one (a simulated
   * provider).
   */
  readonly tokenEndpoint?: 'scripted' | 'http' | TokenEndpoint;
  /** Further auth.config.json fields, e.g. `leewaySeconds`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Time limits; by default a transient failure is not retried. */
  readonly timing?: Partial<AuthTiming>;
  /** This app's tab (default: a tab on its own). */
  readonly tab?: TabSync;
  /** The tab's sessionStorage, e.g. one kept from an earlier "page load" to test a reload. */
  readonly sessionStorage?: KeyValueStorage;
  /** The clock (default: a new FakeClock at 2026-01-01 09:00 UTC). */
  readonly clock?: FakeClock;
  /** The origin's localStorage, e.g. one shared by several simulated tabs (default: a new one). */
  readonly localStorage?: KeyValueStorage;
  /** Told when a pending sign-out's cookie would be set (true) or cleared (false). */
  readonly signOutCookie?: (pending: boolean) => void;
  /** The OpenID client (default: a FakeOidcClient that never completes a sign-in). */
  readonly oidcClient?: FakeOidcClient;
}

/** Recorded full-page navigations (sign-in and sign-out redirects). */
const NAVIGATIONS = new InjectionToken<string[]>('AUTH_TESTING_NAVIGATIONS');

/** Fast limits for tests: nothing waits on a real provider. */
const TESTING_TIMING: Partial<AuthTiming> = {
  refreshRetryDelaysMs: [],
  tabJoinTimeoutMs: 50,
  refreshLockTimeoutMs: 5_000,
};

/**
 * The session layer for unit tests of the services and guards that use it: a signed-in (or
 * signed-out) session without a provider, a controllable clock, and scripted token-endpoint
 * answers. The real AuthService, authInterceptor and authGuard run on top of it. Pair it with
 * `provideHttpClient(withInterceptors([authInterceptor]))` and `provideHttpClientTesting()`, and
 * `await TestBed.inject(AuthTestingController).ready()` before the first request.
 */
export function provideAuthTesting(options: AuthTestingOptions = {}): EnvironmentProviders {
  const clock = options.clock ?? new FakeClock();
  const lifetime = options.accessTokenLifetimeSeconds ?? 300;
  const navigations: string[] = [];
  return makeEnvironmentProviders([
    provideAuth(
      configFromObject(
        options.mode === 'bff'
          ? { mode: 'bff', apis: options.apis ?? [TEST_API], ...options.config }
          : {
              issuer: TEST_ISSUER,
              clientId: 'test-client',
              scope: 'openid profile offline_access',
              apis: options.apis ?? [TEST_API],
              ...options.config,
            },
      ),
      // Both modes: the options pick one, as auth.config.json does in an app.
      withBrowserMode(),
      withBffMode(),
      withAuthTiming({ ...TESTING_TIMING, ...options.timing }),
    ),
    options.oidcClient ? { provide: FakeOidcClient, useValue: options.oidcClient } : FakeOidcClient,
    { provide: OidcClient, useExisting: FakeOidcClient },
    { provide: PROVIDER_METADATA_SEED, useFactory: () => inject(FakeOidcClient).metadata },
    {
      provide: ScriptedTokenEndpoint,
      useFactory: () => Object.assign(new ScriptedTokenEndpoint(), { lifetimeSeconds: lifetime }),
    },
    options.tokenEndpoint instanceof TokenEndpoint
      ? { provide: TokenEndpoint, useValue: options.tokenEndpoint }
      : options.tokenEndpoint === 'http'
        ? []
        : { provide: TokenEndpoint, useExisting: ScriptedTokenEndpoint },
    { provide: CLOCK, useValue: clock },
    options.mode === 'bff' && options.bffClient !== 'http'
      ? {
          provide: BffClient,
          useFactory: () =>
            Object.assign(new ScriptedBffClient(), {
              user: options.signedIn === false ? null : seedClaims(options.signedIn),
            }),
        }
      : [],
    {
      provide: TAB_SYNC,
      useFactory: () => {
        const tab = options.tab ?? new PerTabSync();
        // As in the app: a destroyed app lets go of its channel and held generation.
        inject(DestroyRef).onDestroy(() => tab.close());
        return tab;
      },
    },
    { provide: LOCAL_STORAGE, useFactory: () => options.localStorage ?? new MemoryStorage() },
    // A pending sign-out is told to a real BFF by cookie; tests have none, and the page's cookies
    // must not carry one test's sign-out into the next.
    { provide: SIGN_OUT_PENDING_COOKIE, useValue: options.signOutCookie ?? (() => undefined) },
    {
      provide: SESSION_STORAGE,
      useFactory: () =>
        seededStorage(
          options.sessionStorage ?? new MemoryStorage(),
          options.signedIn,
          clock,
          lifetime,
        ),
    },
    { provide: NAVIGATIONS, useValue: navigations },
    { provide: PAGE_NAVIGATION, useValue: (url: string) => navigations.push(url) },
    {
      provide: AUTH_STARTUP_REPORTER,
      useValue: { waiting: () => undefined, ready: () => undefined, failed: () => undefined },
    },
    AuthTestingController,
  ]);
}

/** Drives the session in a test: time, expiry, the token endpoint's answers, and what happened. */
@Injectable()
export class AuthTestingController {
  private readonly endpoint = inject(ScriptedTokenEndpoint);
  private readonly oidc = inject(FakeOidcClient);
  private readonly store = inject(SessionStore);
  private readonly initStatus = inject(ApplicationInitStatus);
  private readonly startup = inject(AuthStartup);
  private readonly navigations = inject(NAVIGATIONS);

  /** The injected clock; `advance()` it to let time pass. */
  readonly clock = inject(CLOCK) as FakeClock;

  /** Resolves when start-up has restored the session. */
  async ready(): Promise<void> {
    await this.initStatus.donePromise;
    await this.startup.ready;
  }

  /**
   * Lets work that the session layer does asynchronously (a refresh under way, the requests
   * waiting on it, another tab's hand-over) run to completion. Await it after `expire()` before
   * expecting the request at HttpTestingController.
   */
  settle(): Promise<void> {
    return settle();
  }

  /** Moves the clock to the access token's expiry: the next request or guard refreshes first. */
  expire(): void {
    const tokens = this.store.current();
    if (!tokens) throw new Error('expire(): nobody is signed in');
    this.clock.set(Math.max(this.clock.now(), tokens.expiresAt));
  }

  /** Queues answers of the (scripted) token endpoint; once used up, refreshes succeed. */
  respondToRefresh(...answers: ScriptedRefreshAnswer[]): void {
    this.endpoint.answer(...answers);
  }

  /** Refresh requests the scripted token endpoint received. */
  get refreshCount(): number {
    return this.endpoint.refreshCount;
  }

  /** Whether a session is held (in either mode). */
  get signedIn(): boolean {
    return this.store.current() !== null;
  }

  /** The access token requests carry now, or null when signed out (always null in bff mode). */
  get accessToken(): string | null {
    const current = this.store.current();
    return current?.credentials ? tokensOf(current).accessToken : null;
  }

  /** Return paths of the sign-ins started (AuthService.login). */
  get loginRequests(): readonly string[] {
    return this.oidc.loginRequests;
  }

  /** What each sign-in asked the provider for: a step-up's `acrValues` and `maxAge`, else `{}`. */
  get loginAuthentication(): readonly {
    readonly acrValues?: string;
    readonly maxAge?: number;
    readonly prompt?: 'none';
  }[] {
    return this.oidc.loginAuthentication;
  }

  /** Full-page navigations (to the provider's end-session endpoint, ...). */
  get pageNavigations(): readonly string[] {
    return this.navigations;
  }

  /** Refresh tokens revoked at sign-out. */
  get revokedRefreshTokens(): readonly string[] {
    return this.endpoint.revoked;
  }
}

/** Alice, or the claims the test asked for. */
function seedClaims(signedIn: AuthTestingOptions['signedIn']): UserClaims {
  return {
    sub: 'alice',
    name: 'Alice Liddell',
    ...(signedIn === true || !signedIn ? {} : signedIn),
  };
}

function seededStorage(
  storage: KeyValueStorage,
  signedIn: AuthTestingOptions['signedIn'],
  clock: FakeClock,
  lifetimeSeconds: number,
): KeyValueStorage {
  if (signedIn === false || storage.getItem(TOKENS_KEY) !== null) return storage;
  const claims = seedClaims(signedIn);
  const tokens: SessionState = {
    claims,
    canRefresh: true,
    heldBy: 'tab',
    credentials: {
      accessToken: 'access-token-0',
      refreshToken: 'refresh-token-0',
      idToken: null,
      tokenType: null,
    },
    receivedAt: clock.now(),
    expiresAt: clock.now() + lifetimeSeconds * 1000,
    generation: 1,
    epoch: 0,
  };
  storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  return storage;
}
