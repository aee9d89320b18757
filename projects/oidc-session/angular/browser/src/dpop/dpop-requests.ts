import {
  HttpContextToken,
  HttpEvent,
  HttpHandlerFn,
  HttpParams,
  HttpRequest,
} from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, defer, from, switchMap, throwError } from 'rxjs';

import { SessionExpiredError, ɵSessionState as SessionState } from '@oidc-session/angular';
import { ProviderMetadataStore } from '../provider/provider-metadata';
import { DpopCodeExchange } from './dpop-code-exchange';
import { DPOP_KEY_STORE, DpopKey, DpopKeyStore } from './dpop-key-store';
import { DpopSender } from './dpop-sender';
import { DpopSupport } from './dpop-support';

/**
 * Set by the refresh on its token request: whether the set being refreshed is DPoP-bound (then
 * the request needs a proof of its key), and, once sent, whether it carried one (then the answer
 * may be `token_type: DPoP`). A mutable holder, since the interceptor runs after the caller.
 */
export interface DpopTokenRequest {
  readonly bound: boolean;
  proofSent: boolean;
}

export const DPOP_TOKEN_REQUEST = new HttpContextToken<DpopTokenRequest | null>(() => null);

/**
 * Where DPoP meets HTTP, for browser mode's backend (authInterceptor hands it every request):
 * proofs on the provider's token endpoint (the library's code exchange and our refresh, both
 * through the app's HttpClient) and on API requests of DPoP token sets. Every attempt, retries
 * included, gets a proof of its own.
 */
@Injectable({ providedIn: 'root' })
export class DpopRequests {
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly support = inject(DpopSupport);
  private readonly codeExchange = inject(DpopCodeExchange);
  private readonly sender = inject(DpopSender);
  private readonly keys: DpopKeyStore | null = inject(DPOP_KEY_STORE);

  /** Whether this is a token request (a POST to the token endpoint). Cheap: runs per request. */
  isTokenRequest(request: HttpRequest<unknown>): boolean {
    if (request.method !== 'POST') return false;
    const endpoint = this.metadata.current()?.tokenEndpoint;
    return endpoint !== undefined && request.url.split(/[?#]/)[0] === endpoint;
  }

  /**
   * Sends a token request: a refresh of a DPoP set with a proof of the stored key (it is the
   * key the refresh token is bound to), a code exchange with a proof when the sign-in uses DPoP,
   * anything else as it is.
   */
  sendTokenRequest(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
  ): Observable<HttpEvent<unknown>> {
    const refresh = request.context.get(DPOP_TOKEN_REQUEST);
    if (refresh) {
      // A Bearer set stays Bearer: no proof, no wait (the common case before DPoP is on).
      if (!refresh.bound) return next(request);
      return from(this.storedKey()).pipe(
        switchMap((key) => {
          if (!key) {
            // Signed out in another tab, or storage cleared: the refresh token cannot be used.
            return throwError(
              () => new SessionExpiredError('refresh_rejected', 'the DPoP key is gone'),
            );
          }
          refresh.proofSent = true;
          return this.sender.send(request, next, key, { kind: 'token-endpoint' });
        }),
      );
    }
    if (grantType(request.body) !== 'authorization_code') return next(request);
    return from(this.support.codeExchangeKey()).pipe(
      switchMap((key) => {
        this.codeExchange.record(key !== null);
        return key
          ? this.sender.send(request, next, key, { kind: 'token-endpoint' })
          : next(request);
      }),
    );
  }

  /**
   * Sends an API request with a DPoP set's access token (`Authorization: DPoP <token>`) and a
   * fresh proof bound to that token (`ath`).
   */
  sendToApi(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
    accessToken: string,
  ): Observable<HttpEvent<unknown>> {
    const audience = { kind: 'api', accessToken } as const;
    const cached = this.keys?.cached();
    if (cached) return this.sender.send(request, next, cached, audience);
    return defer(() => this.storedKey()).pipe(
      // No key: the API refuses the token, and the refresh that follows ends the session.
      switchMap((key) => (key ? this.sender.send(request, next, key, audience) : next(request))),
    );
  }

  /** Read again from IndexedDB: after another tab's sign-in the key this tab knew is stale. */
  private async storedKey(): Promise<DpopKey | null> {
    try {
      return (await this.keys?.read()) ?? null;
    } catch (error: unknown) {
      // Storage failing now is like a missing key: the bound tokens cannot be used.
      console.warn('[auth] Reading the DPoP key failed.', error instanceof Error ? error.name : '');
      return null;
    }
  }
}

function grantType(body: unknown): string | null {
  if (body instanceof HttpParams) return body.get('grant_type');
  if (typeof body === 'string') return new URLSearchParams(body).get('grant_type');
  if (body instanceof URLSearchParams) return body.get('grant_type');
  return null;
}
