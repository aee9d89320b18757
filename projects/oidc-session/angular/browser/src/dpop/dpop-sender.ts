import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { DOCUMENT, Injectable, inject } from '@angular/core';
import { Observable, catchError, defer, switchMap, tap, throwError } from 'rxjs';

import { DpopKey } from './dpop-key-store';
import { DpopNonces } from './dpop-nonces';

/** Where a request goes decides its headers and how its server asks for a nonce. */
export type DpopAudience =
  /** The provider's token endpoint: a proof without `ath`; a nonce is asked for with a 400. */
  | { readonly kind: 'token-endpoint' }
  /** An API: `Authorization: DPoP <token>` and a proof with `ath`; a nonce with a 401. */
  | { readonly kind: 'api'; readonly accessToken: string };

/**
 * Sends a request with a DPoP proof (RFC 9449) made by `dpop` with the stored key. Every
 * attempt gets a proof of its own (a new `jti`); a `use_dpop_nonce` answer is retried once with
 * the server's nonce, and a nonce in any answer is kept for the next proof to that server.
 *
 * The proof's `iat` is the device clock (`dpop` sets it and lets nobody override it). A device
 * whose clock is off is rescued by server nonces: a server that sees a stale `iat` answers
 * `use_dpop_nonce`, and a proof with its nonce is judged by the nonce, not the clock.
 */
@Injectable({ providedIn: 'root' })
export class DpopSender {
  private readonly nonces = inject(DpopNonces);
  private readonly document = inject(DOCUMENT);

  send(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
    key: DpopKey,
    audience: DpopAudience,
  ): Observable<HttpEvent<unknown>> {
    const url = new URL(request.url, this.document.baseURI);
    // htu: the URL without query and fragment (RFC 9449 section 4.2).
    const htu = url.origin + url.pathname;
    const attempt = (isRetry: boolean): Observable<HttpEvent<unknown>> =>
      defer(() => this.prove(key, htu, request.method, url.origin, audience)).pipe(
        switchMap((proof) => next(request.clone({ setHeaders: headers(proof, audience) }))),
        tap((event) => {
          if (event instanceof HttpResponse) {
            this.nonces.remember(url.origin, event.headers.get('DPoP-Nonce'));
          }
        }),
        catchError((error: unknown) => {
          if (error instanceof HttpErrorResponse) {
            this.nonces.remember(url.origin, error.headers?.get('DPoP-Nonce') ?? null);
          }
          // One retry: a server that asks for a nonce again is refusing, not asking.
          if (!isRetry && isNonceChallenge(error)) return attempt(true);
          return throwError(() => error);
        }),
      );
    return attempt(false);
  }

  /** `dpop` is imported with the first proof: a session without DPoP never loads it. */
  private async prove(
    key: DpopKey,
    htu: string,
    method: string,
    origin: string,
    audience: DpopAudience,
  ): Promise<string> {
    const { generateProof } = await import('dpop');
    const accessToken = audience.kind === 'api' ? audience.accessToken : undefined;
    return generateProof(key.pair, htu, method, this.nonces.get(origin), accessToken);
  }
}

function headers(proof: string, audience: DpopAudience): Record<string, string> {
  return audience.kind === 'api'
    ? { Authorization: `DPoP ${audience.accessToken}`, DPoP: proof }
    : { DPoP: proof };
}

/**
 * Whether the answer asks for a (newer) server nonce: the provider with 400 and
 * `{"error":"use_dpop_nonce"}` (RFC 9449 section 8), an API with 401 and
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` (section 9). Both send `DPoP-Nonce`.
 */
export function isNonceChallenge(error: unknown): boolean {
  if (!(error instanceof HttpErrorResponse) || !error.headers?.get('DPoP-Nonce')) return false;
  if (error.status === 401) {
    return /(^|[\s,])error="use_dpop_nonce"/.test(error.headers.get('WWW-Authenticate') ?? '');
  }
  return error.status === 400 && oauthError(error.error) === 'use_dpop_nonce';
}

/** The `error` member of an OAuth error body, parsed (json) or not (text) by HttpClient. */
function oauthError(body: unknown): unknown {
  try {
    const json: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    return (json as { error?: unknown } | null)?.error;
  } catch {
    // Not JSON: not an OAuth error body, so not a nonce request either.
    return undefined;
  }
}
