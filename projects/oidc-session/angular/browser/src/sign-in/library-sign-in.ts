import { HttpErrorResponse } from '@angular/common/http';
import {
  EnvironmentInjector,
  Injectable,
  Provider,
  createEnvironmentInjector,
  inject,
} from '@angular/core';
import {
  DateTimeProvider,
  DefaultHashHandler,
  HashHandler,
  NullValidationHandler,
  OAuthErrorEvent,
  OAuthLogger,
  OAuthService,
  OAuthStorage,
  UrlHelperService,
  ValidationHandler,
} from 'angular-oauth2-oidc';

import { BrowserAuthConfig } from '../browser-config';
import {
  CLOCK,
  ɵKeyValueStorage as KeyValueStorage,
  LoginError,
  ɵPAGE_NAVIGATION as PAGE_NAVIGATION,
  safeReturnPath,
  ɵSESSION_STORAGE as SESSION_STORAGE,
  type ɵAuthenticationParameters as AuthenticationParameters,
  UserClaims,
} from '@oidc-session/angular';
import { DpopCodeExchange } from '../dpop';
import { BrowserCredentials } from '../browser-credentials';
import { CompletedLogin, ProviderMetadata } from './oidc-client';
import { LIBRARY_STORAGE_PREFIX, stateCarriesNonce } from './pending-sign-in';
import { describeAuthorizationError, describeLibraryEvent } from './sign-in-errors';

/**
 * The library checks the ID token's `iat` and `exp` against this device's clock, give or take
 * this window. Device clocks are often hours off (dual-boot machines on local time, VMs after a
 * suspend, phones set by hand), and a page cannot read the provider's time except from the tokens
 * themselves, so the window is made wide enough (ten years) that the device clock never decides.
 * Freshness rests on what binds the ID token to this sign-in instead: it comes straight from the
 * token endpoint over TLS in answer to our own code exchange, which only works with this tab's
 * PKCE verifier, and its `nonce` must equal the one this tab made for this sign-in (used once,
 * then deleted). A stale or replayed ID token carries another sign-in's nonce and is refused.
 */
const ID_TOKEN_TIME_WINDOW_SECONDS = 10 * 365 * 24 * 3600;

/**
 * The sign-in work done by angular-oauth2-oidc: the PKCE redirect with state and nonce, and the
 * code exchange with its ID token checks. This file is loaded on demand (sign-in, the redirect
 * back), so the library is not in the initial bundle; provider metadata comes from our own
 * discovery cache, the library never fetches discovery or keys.
 */
@Injectable()
export class LibrarySignIn {
  private readonly oauth = inject(OAuthService);
  private readonly scratch = inject(LibraryScratchStorage);
  private readonly navigate = inject(PAGE_NAVIGATION);
  private readonly dpop = inject(DpopCodeExchange);
  private discovered: ProviderMetadata | null = null;
  private authorizeParams: Readonly<Record<string, string>> = {};

  /** Points the library at the provider: the configuration and the endpoints from discovery. */
  configure(config: BrowserAuthConfig, metadata: ProviderMetadata): void {
    const origin = globalThis.location.origin;
    this.discovered = metadata;
    this.authorizeParams = config.authorizeParams;
    this.oauth.configure({
      issuer: metadata.issuer,
      loginUrl: metadata.authorizationEndpoint ?? '',
      tokenEndpoint: metadata.tokenEndpoint,
      logoutUrl: metadata.endSessionEndpoint ?? '',
      clientId: config.clientId,
      scope: config.scope,
      responseType: 'code',
      oidc: true,
      redirectUri: origin + config.redirectPath,
      postLogoutRedirectUri: origin + config.postLogoutPath,
      // Our discovery cache has checked issuer and endpoints (https: or loopback) already.
      requireHttps: 'remoteOnly',
      customQueryParams: config.authorizeParams,
      clockSkewInSec: ID_TOKEN_TIME_WINDOW_SECONDS,
      // Kept so the code exchange can be checked like a refresh: Bearer, with a lifetime.
      customTokenParameters: ['token_type', 'refresh_expires_in'],
      sessionChecksEnabled: false,
      openUri: (uri) => this.navigate(uri),
    });
  }

  startLogin(returnPath: string, authentication: AuthenticationParameters = {}): void {
    if (!this.discovered?.authorizationEndpoint) {
      throw new LoginError("the provider's discovery document has no authorization_endpoint");
    }
    // A step-up's acr_values and max_age take the place of configured ones: the library would
    // send both, and a provider refuses a parameter given twice (RFC 6749, 3.1).
    const stepUp: Record<string, string> = {};
    if (authentication.acrValues !== undefined) stepUp['acr_values'] = authentication.acrValues;
    if (authentication.maxAge !== undefined) stepUp['max_age'] = String(authentication.maxAge);
    if (authentication.prompt !== undefined) stepUp['prompt'] = authentication.prompt;
    this.oauth.customQueryParams = { ...this.authorizeParams, ...stepUp };
    // The library URL-encodes the additional state itself; encoding it here too would break
    // the round trip.
    this.oauth.initCodeFlow(returnPath);
  }

  async completeLogin(search: string): Promise<CompletedLogin> {
    const params = new URLSearchParams(search);
    // Only a sign-in this tab started may show the provider's own words: anyone can send a
    // link to `/?error=x&error_description=<anything>`.
    const startedHere = stateCarriesNonce(params.get('state'), this.scratch.getItem('nonce'));
    try {
      this.checkIssuer(params.get('iss'));
      // The query is handed over explicitly (the library would read window.location itself).
      await this.oauth.tryLoginCodeFlow({ customHashFragment: search });
      return {
        tokens: this.harvestTokens(),
        returnPath: safeReturnPath(decodeState(this.oauth.state)),
      };
    } catch (error: unknown) {
      throw loginFailure(error, startedHere);
    } finally {
      // The library's copies of the tokens (and the used nonce and PKCE verifier) are dropped:
      // the SessionStore holds the only copy.
      this.scratch.clear();
    }
  }

  /**
   * RFC 9207: a provider that names itself in the redirect back must name the configured
   * issuer; a redirect from another provider (a mix-up attack) is refused before any code
   * exchange.
   */
  private checkIssuer(iss: string | null): void {
    const metadata = this.discovered;
    if (!metadata) return;
    if (iss === null && !metadata.authorizationResponseIssParameterSupported) return;
    if (iss !== metadata.issuer) {
      throw new LoginError(
        iss === null
          ? 'the provider promises an iss parameter in its answer, and this answer has none'
          : 'the answer names another issuer than the configured one',
      );
    }
  }

  private harvestTokens(): CompletedLogin['tokens'] {
    const accessToken = this.oauth.getAccessToken();
    const expiresAt = this.oauth.getAccessTokenExpiration();
    const receivedAt = Number(this.scratch.getItem('access_token_stored_at'));
    const storedTokenType = this.scratch.getItem('token_type');
    const tokenType: unknown = storedTokenType === null ? null : JSON.parse(storedTokenType);
    const claims = this.oauth.getIdentityClaims() as UserClaims | null;
    if (!accessToken) throw new LoginError('the token response has no access_token');
    if (!expiresAt || !receivedAt) throw new LoginError('the token response has no expires_in');
    // Bearer, or DPoP when the code exchange carried a proof (the library ignores token_type).
    const bound = this.dpop.wasProved();
    const type = typeof tokenType === 'string' ? tokenType.toLowerCase() : null;
    if (type !== 'bearer' && !(type === 'dpop' && bound)) {
      throw new LoginError(
        `the token response has token_type ${String(tokenType)}, expected ${bound ? 'DPoP' : 'Bearer'}`,
      );
    }
    if (!claims || typeof claims.sub !== 'string')
      throw new LoginError('the ID token has no sub claim');
    // The one time check that needs no clock: the token's own lifetime must be positive.
    if (!(Number(claims['exp']) > Number(claims['iat']))) {
      throw new LoginError('the ID token expires before it was issued');
    }
    const credentials: BrowserCredentials & { readonly refreshExpiresIn: string | null } = {
      accessToken,
      refreshToken: this.oauth.getRefreshToken() || null,
      idToken: this.oauth.getIdToken() || null,
      tokenType: type === 'dpop' ? 'DPoP' : null,
      // Where the provider says when the refresh token ends; the backend turns it into the
      // session's end (session-limits.ts) and drops it.
      refreshExpiresIn: this.scratch.getItem('refresh_expires_in'),
    };
    return {
      receivedAt,
      expiresAt,
      canRefresh: credentials.refreshToken !== null,
      heldBy: 'tab',
      credentials,
      claims,
      providerClockOffsetMs: clockOffset(claims, receivedAt),
    };
  }
}

/**
 * The library's storage. Only the nonce and PKCE verifier must survive the trip to the
 * provider and back (sessionStorage, this tab only); everything else, the tokens included,
 * stays in memory until {@link LibraryOidcClient} moves it to the SessionStore and clears it.
 */
@Injectable()
export class LibraryScratchStorage implements OAuthStorage {
  private static readonly REDIRECT_KEYS = new Set(['nonce', 'PKCE_verifier']);
  private static readonly PREFIX = LIBRARY_STORAGE_PREFIX;
  private readonly memory = new Map<string, string>();
  private readonly sessionStorage: KeyValueStorage | null = inject(SESSION_STORAGE);

  getItem(key: string): string | null {
    if (this.survivesRedirect(key))
      return this.sessionStorage!.getItem(LibraryScratchStorage.PREFIX + key);
    return this.memory.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    if (this.survivesRedirect(key))
      this.sessionStorage!.setItem(LibraryScratchStorage.PREFIX + key, value);
    else this.memory.set(key, value);
  }

  removeItem(key: string): void {
    if (this.survivesRedirect(key))
      this.sessionStorage!.removeItem(LibraryScratchStorage.PREFIX + key);
    else this.memory.delete(key);
  }

  clear(): void {
    this.memory.clear();
    for (const key of LibraryScratchStorage.REDIRECT_KEYS) this.removeItem(key);
  }

  private survivesRedirect(key: string): boolean {
    return this.sessionStorage !== null && LibraryScratchStorage.REDIRECT_KEYS.has(key);
  }
}

/** The library's clock is ours, so expiry is computed on the injected client clock. */
@Injectable()
export class ClockDateTimeProvider extends DateTimeProvider {
  private readonly clock = inject(CLOCK);

  now(): number {
    return this.clock.now();
  }

  new(): Date {
    return new Date(this.clock.now());
  }
}

function loginFailure(error: unknown, startedHere: boolean): LoginError {
  if (error instanceof LoginError) return error;
  if (error instanceof OAuthErrorEvent) {
    const params = error.params as Record<string, string> | null;
    if (!params?.['error']) return new LoginError(describeLibraryEvent(error.type));
    return new LoginError(
      describeAuthorizationError(
        params['error'],
        startedHere ? params['error_description'] : undefined,
      ),
    );
  }
  if (error instanceof HttpErrorResponse) {
    const body = error.error as { error?: string; error_description?: string } | null;
    return new LoginError(
      `the code exchange failed: ${body?.error_description ?? body?.error ?? `HTTP ${error.status}`}`,
    );
  }
  return new LoginError(describe(error));
}

/**
 * The provider's clock minus this device's, from an ID token that just arrived: its `iat` is the
 * provider's time of issue, `receivedAt` ours of receipt (a second or so of latency and rounding).
 */
export function clockOffset(claims: UserClaims, receivedAt: number): number | null {
  const issuedAt = Number(claims['iat']);
  return Number.isFinite(issuedAt) ? issuedAt * 1000 - receivedAt : null;
}

function decodeState(state: string | undefined): string | undefined {
  if (!state) return undefined;
  try {
    return decodeURIComponent(state);
  } catch {
    // A state we cannot decode is not one we produced; safeReturnPath falls back.
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * angular-oauth2-oidc's services without its `provideOAuthClient()`, which would also register
 * its class-based interceptor and its own storage and clock. Here the library stores nothing
 * but the sign-in nonce and PKCE verifier, reads our clock, and never sees API requests.
 */
export function provideOAuthLibrary(): Provider[] {
  return [
    LibrarySignIn,
    LibraryScratchStorage,
    ClockDateTimeProvider,
    OAuthService,
    UrlHelperService,
    { provide: OAuthLogger, useValue: console },
    { provide: OAuthStorage, useExisting: LibraryScratchStorage },
    { provide: DateTimeProvider, useExisting: ClockDateTimeProvider },
    { provide: HashHandler, useClass: DefaultHashHandler },
    // ID tokens come straight from the token endpoint over TLS, which OpenID Connect Core
    // 3.1.3.7 accepts in place of checking their signature; iss, aud, nonce, iat and exp are
    // still checked by the library.
    { provide: ValidationHandler, useClass: NullValidationHandler },
  ];
}

/** The lazy entry point: the library's services in an injector of their own, configured. */
export function createLibrarySignIn(
  parent: EnvironmentInjector,
  config: BrowserAuthConfig,
  metadata: ProviderMetadata,
): LibrarySignIn {
  const injector = createEnvironmentInjector(provideOAuthLibrary(), parent, 'angular-oauth2-oidc');
  const signIn = injector.get(LibrarySignIn);
  signIn.configure(config, metadata);
  return signIn;
}
