import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import {
  DateTimeProvider,
  OAuthErrorEvent,
  OAuthService,
  OAuthStorage,
  OAuthSuccessEvent,
} from 'angular-oauth2-oidc';

import { AuthConfig } from './auth-config';
import { AuthConfigError, LoginError, ProviderUnreachableError } from './auth-errors';
import { KeyValueStorage, SESSION_STORAGE } from './browser-storage';
import { CLOCK } from './clock';
import { CompletedLogin, OidcClient, ProviderMetadata } from './oidc-client';
import { PAGE_NAVIGATION } from './page-navigation';
import { safeReturnPath } from './return-url';
import { UserClaims } from './session';
import { describeAuthorizationError, describeLibraryEvent } from './sign-in-errors';

/** angular-oauth2-oidc's default separator between its nonce and the app's part of `state`. */
const NONCE_STATE_SEPARATOR = ';';

/**
 * Tolerance for the ID token's `iat`/`exp` against this browser's clock. The library's default
 * is 600 s, which would accept an ID token ten minutes after it expired.
 */
const ID_TOKEN_CLOCK_SKEW_SECONDS = 60;

/** The protocol work done by angular-oauth2-oidc: discovery, PKCE redirect, code exchange. */
@Injectable({ providedIn: 'root' })
export class LibraryOidcClient extends OidcClient {
  private readonly oauth = inject(OAuthService);
  private readonly scratch = inject(LibraryScratchStorage);
  private readonly navigate = inject(PAGE_NAVIGATION);
  private discovered: ProviderMetadata | null = null;

  get metadata(): ProviderMetadata | null {
    return this.discovered;
  }

  async discover(config: AuthConfig): Promise<ProviderMetadata> {
    const origin = globalThis.location.origin;
    this.oauth.configure({
      issuer: config.issuer,
      clientId: config.clientId,
      scope: config.scope,
      responseType: 'code',
      redirectUri: origin + config.redirectPath,
      postLogoutRedirectUri: origin + config.postLogoutPath,
      strictDiscoveryDocumentValidation: config.strictDiscovery,
      customQueryParams: config.authorizeParams,
      clockSkewInSec: ID_TOKEN_CLOCK_SKEW_SECONDS,
      // Kept so the code exchange can be checked like a refresh: Bearer, with a lifetime.
      customTokenParameters: ['token_type'],
      sessionChecksEnabled: false,
      openUri: (uri) => this.navigate(uri),
    });
    let document: Record<string, unknown>;
    try {
      const loaded = (await this.oauth.loadDiscoveryDocument()) as OAuthSuccessEvent;
      document = (loaded.info as { discoveryDocument: Record<string, unknown> }).discoveryDocument;
    } catch (error: unknown) {
      throw discoveryFailure(error, config.issuer);
    }
    const tokenEndpoint = document['token_endpoint'];
    if (typeof tokenEndpoint !== 'string' || tokenEndpoint === '') {
      throw new AuthConfigError(
        'issuer',
        `names a provider whose discovery document has no token_endpoint`,
      );
    }
    this.discovered = {
      issuer: String(document['issuer']),
      tokenEndpoint,
      revocationEndpoint: optionalString(document['revocation_endpoint']),
      endSessionEndpoint: optionalString(document['end_session_endpoint']),
      authorizationResponseIssParameterSupported:
        document['authorization_response_iss_parameter_supported'] === true,
    };
    return this.discovered;
  }

  startLogin(returnPath: string): void {
    // The library URL-encodes the additional state itself; encoding it here too would break
    // the round trip.
    this.oauth.initCodeFlow(returnPath);
  }

  hasLoginResponse(search: string): boolean {
    const params = new URLSearchParams(search);
    return (params.has('code') && params.has('state')) || params.has('error');
  }

  async completeLogin(search: string): Promise<CompletedLogin> {
    const params = new URLSearchParams(search);
    // Only a sign-in this tab started may show the provider's own words: anyone can send a
    // link to `/?error=x&error_description=<anything>`.
    const startedHere = this.startedHere(params.get('state'));
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

  /** Whether `state` carries the nonce this tab stored when it left for the provider. */
  private startedHere(state: string | null): boolean {
    const nonce = this.scratch.getItem('nonce');
    return !!state && !!nonce && state.split(NONCE_STATE_SEPARATOR)[0] === nonce;
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
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
      throw new LoginError(
        `the token response has token_type ${String(tokenType)}, expected Bearer`,
      );
    }
    if (!claims || typeof claims.sub !== 'string')
      throw new LoginError('the ID token has no sub claim');
    return {
      accessToken,
      receivedAt,
      expiresAt,
      refreshToken: this.oauth.getRefreshToken() || null,
      idToken: this.oauth.getIdToken() || null,
      claims,
    };
  }
}

/**
 * The library's storage. Only the nonce and PKCE verifier must survive the trip to the
 * provider and back (sessionStorage, this tab only); everything else, the tokens included,
 * stays in memory until {@link LibraryOidcClient} moves it to the SessionStore and clears it.
 */
@Injectable({ providedIn: 'root' })
export class LibraryScratchStorage implements OAuthStorage {
  private static readonly REDIRECT_KEYS = new Set(['nonce', 'PKCE_verifier']);
  private static readonly PREFIX = 'oidc-session.login.';
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
@Injectable({ providedIn: 'root' })
export class ClockDateTimeProvider extends DateTimeProvider {
  private readonly clock = inject(CLOCK);

  now(): number {
    return this.clock.now();
  }

  new(): Date {
    return new Date(this.clock.now());
  }
}

function discoveryFailure(error: unknown, issuer: string): Error {
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) return new ProviderUnreachableError('network');
    if (error.status >= 500) return new ProviderUnreachableError('server_error', error.status);
    return new AuthConfigError(
      'issuer',
      `has no discovery document at ${error.url ?? issuer} (HTTP ${error.status})`,
    );
  }
  if (error === 'discovery_document_validation_error') {
    return new AuthConfigError(
      'issuer',
      `does not match the provider's discovery document (the issuer must be identical, and with ` +
        `strictDiscovery every endpoint must start with it); see the browser console for details`,
    );
  }
  return new AuthConfigError('issuer', `could not be used for discovery: ${describe(error)}`);
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

function decodeState(state: string | undefined): string | undefined {
  if (!state) return undefined;
  try {
    return decodeURIComponent(state);
  } catch {
    // A state we cannot decode is not one we produced; safeReturnPath falls back.
    return undefined;
  }
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
