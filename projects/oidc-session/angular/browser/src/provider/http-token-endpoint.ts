import { HttpClient, HttpContext, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, TimeoutError, defer, firstValueFrom, timeout } from 'rxjs';

import {
  ɵAUTH_TIMING as AUTH_TIMING,
  ɵAuthConfigStore as AuthConfigStore,
  AuthError,
  CLOCK,
  ɵObtainedSession as ObtainedSession,
  ProviderUnreachableError,
  SessionExpiredError,
  SKIP_AUTH,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';
import { browserConfig } from '../browser-config';
import { tokensOf } from '../browser-credentials';
import { DPOP_TOKEN_REQUEST, DpopTokenRequest } from '../dpop';
import { ProviderMetadata } from './provider-endpoints';
import { ProviderMetadataStore } from './provider-metadata';
import { TokenEndpoint } from './token-endpoint';
import { parseRefreshResponse } from './token-response';

const FORM_HEADERS = new HttpHeaders({ 'Content-Type': 'application/x-www-form-urlencoded' });

/** The real token endpoint, reached through the app's HttpClient. */
@Injectable({ providedIn: 'root' })
export class HttpTokenEndpoint extends TokenEndpoint {
  private readonly http = inject(HttpClient);
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly config = inject(AuthConfigStore);
  private readonly clock = inject(CLOCK);
  private readonly timing = inject(AUTH_TIMING);

  refresh(tokens: SessionState): Observable<ObtainedSession> {
    return defer(async () => {
      const metadata = await this.provider();
      try {
        return await this.redeem(metadata, tokens);
      } catch (error: unknown) {
        if (!looksMoved(error)) throw classifyTokenEndpointFailure(error);
        // A cached endpoint that answers as if it had moved: ask discovery once before
        // deciding anything, and try the new place if there is one.
        const fresh = await this.provider(true);
        if (fresh.tokenEndpoint === metadata.tokenEndpoint)
          throw classifyTokenEndpointFailure(error);
        return this.redeem(fresh, tokens).catch((retryError: unknown) => {
          throw classifyTokenEndpointFailure(retryError);
        });
      }
    });
  }

  revoke(refreshToken: string): Observable<void> {
    return defer(async () => {
      const endpoint = (await this.provider()).revocationEndpoint;
      if (!endpoint) {
        // Some providers (FusionAuth, Entra ID) publish none; the token then lives out its lifetime.
        console.warn(
          '[auth] The provider has no revocation endpoint; the refresh token is not revoked.',
        );
        return;
      }
      const body = new URLSearchParams({
        token: refreshToken,
        token_type_hint: 'refresh_token',
        client_id: browserConfig(this.config).clientId,
      });
      await firstValueFrom(this.post(endpoint, body, this.timing.revocationTimeoutMs));
    });
  }

  private async redeem(metadata: ProviderMetadata, tokens: SessionState): Promise<ObtainedSession> {
    const { clientId } = browserConfig(this.config);
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: tokensOf(tokens).refreshToken ?? '',
      client_id: clientId,
    });
    // A DPoP-bound refresh token needs a proof of its key; the interceptor adds it and says so.
    const dpop: DpopTokenRequest = {
      bound: tokensOf(tokens).tokenType === 'DPoP',
      proofSent: false,
    };
    const text = await firstValueFrom(this.post(metadata.tokenEndpoint, body, undefined, dpop));
    return parseRefreshResponse(text, {
      receivedAt: this.clock.now(),
      previous: tokens,
      issuer: metadata.issuer,
      clientId,
      proofSent: dpop.proofSent,
      limits: browserConfig(this.config),
    });
  }

  /**
   * The provider's endpoints. Not having them is never a reason to end a session: an unreachable
   * or misconfigured discovery is transient, like an unreachable token endpoint.
   */
  private async provider(rediscover = false): Promise<ProviderMetadata> {
    try {
      return await (rediscover ? this.metadata.rediscover() : this.metadata.get());
    } catch (error: unknown) {
      if (error instanceof ProviderUnreachableError) throw error;
      console.warn(
        "[auth] The provider's discovery document does not fit the configuration.",
        error,
      );
      throw new ProviderUnreachableError('discovery_failed');
    }
  }

  private post(
    url: string,
    body: URLSearchParams,
    timeoutMs = this.timing.tokenRequestTimeoutMs,
    dpop: DpopTokenRequest | null = null,
  ): Observable<string> {
    // URLSearchParams encodes '+' and '/' in refresh tokens correctly; HttpParams does not.
    // `text` so that a 200 with a body that is not JSON is ours to classify, not a parse error.
    return this.http
      .post(url, body.toString(), {
        headers: FORM_HEADERS,
        responseType: 'text',
        context: new HttpContext().set(SKIP_AUTH, true).set(DPOP_TOKEN_REQUEST, dpop),
      })
      .pipe(timeout(timeoutMs));
  }
}

/** 404, 405 or no connection at all: the endpoint may have moved since discovery was cached. */
function looksMoved(error: unknown): boolean {
  return (
    error instanceof HttpErrorResponse &&
    (error.status === 404 || error.status === 405 || error.status === 0)
  );
}

/**
 * The failure policy of a token request. Definitive (the refresh token is no good; the session
 * ends): 400 and 401 (`invalid_grant`, `invalid_client`, ...) and any other 4xx but 408/429, plus
 * malformed 200s. Transient (ask again later; the session stays): no answer, a timeout, 408,
 * 429 and 5xx.
 */
export function classifyTokenEndpointFailure(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof TimeoutError) return new ProviderUnreachableError('timeout');
  if (!(error instanceof HttpErrorResponse)) return new ProviderUnreachableError('network');
  const status = error.status;
  if (status === 0) return new ProviderUnreachableError('network');
  if (status === 429) return new ProviderUnreachableError('rate_limited', status);
  if (status === 408 || status >= 500) return new ProviderUnreachableError('server_error', status);
  return new SessionExpiredError(
    'refresh_rejected',
    oauthErrorCode(error.error) ?? `HTTP ${status}`,
  );
}

/** The `error` member of an OAuth error body (RFC 6749 section 5.2), if the body has one. */
function oauthErrorCode(body: unknown): string | undefined {
  try {
    const json: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    const code = (json as { error?: unknown } | null)?.error;
    return typeof code === 'string' && /^[\x20-\x7e]{1,64}$/.test(code) ? code : undefined;
  } catch {
    // A non-JSON error page has no OAuth error code; the status alone will do.
    return undefined;
  }
}
