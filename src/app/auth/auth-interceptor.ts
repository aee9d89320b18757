import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { DOCUMENT, inject } from '@angular/core';
import { Observable, catchError, switchMap, tap, throwError } from 'rxjs';

import { isAllowedApi, parseRequestUrl } from './api-allowlist';
import { AuthConfigStore } from './auth-config-store';
import { AuthEventLog } from './auth-events';
import { OidcClient } from './oidc-client';
import { RefusalBrake } from './refusal-brake';
import { TokenSet } from './session';
import { SessionStore } from './session-store';
import { SKIP_AUTH } from './skip-auth';
import { TokenRefresher } from './token-refresher';

export { SKIP_AUTH } from './skip-auth';

/**
 * Attaches the access token to requests for the configured APIs, after a refresh when it is
 * about to expire, and answers a 401 with one shared refresh and a single retry.
 *
 * Requests anywhere else (the provider, third parties, this app's own assets) go out exactly as
 * they were made: tokens go only to the APIs they are for.
 */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  if (request.context.get(SKIP_AUTH)) return next(request);
  const config = inject(AuthConfigStore);
  // Before start-up has loaded the configuration no API is known, so nothing gets a token.
  if (!config.isLoaded) return next(request);
  // Only relative URLs need the document's base (a DOM read); most API calls are absolute.
  const base = ABSOLUTE_URL.test(request.url) ? undefined : inject(DOCUMENT).baseURI;
  const target = parseRequestUrl(request.url, base);
  if (!target || !isAllowedApi(target, config.current.apis)) return next(request);
  // Defence in depth: even a misconfigured allowlist must not touch the token endpoint.
  if (target.origin + target.pathname === inject(OidcClient).metadata?.tokenEndpoint)
    return next(request);

  const current = inject(SessionStore).current();
  // Signed out: the request goes as made and the API decides what an anonymous caller gets.
  if (!current) return next(request);
  const refresher = inject(TokenRefresher);
  const retry: RetryContext = {
    refresher,
    brake: inject(RefusalBrake),
    events: inject(AuthEventLog),
  };
  // The common case, a fresh token, stays synchronous: no waiting, no extra operators.
  if (!refresher.needsRefresh(current)) return sendWithRetry(request, next, current, retry);
  return refresher
    .freshTokens('expiry')
    .pipe(
      switchMap((tokens) => (tokens ? sendWithRetry(request, next, tokens, retry) : next(request))),
    );
};

const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:/i;

interface RetryContext {
  readonly refresher: TokenRefresher;
  readonly brake: RefusalBrake;
  readonly events: AuthEventLog;
}

/**
 * Sends with the token; on a 401 joins (or starts) the shared refresh and retries once. A 403
 * (the token is fine, the permission is missing) and any other error reach the caller as they are.
 */
function sendWithRetry(
  request: HttpRequest<unknown>,
  next: HttpHandlerFn,
  tokens: TokenSet,
  { refresher, brake, events }: RetryContext,
): Observable<HttpEvent<unknown>> {
  return sendWithToken(request, next, tokens).pipe(
    catchError((error: unknown) => {
      // A braked token was already refused right after a refresh: another refresh would only
      // produce another token for the API to refuse.
      if (!isUnauthorized(error) || brake.isBraked(tokens.generation)) {
        return throwError(() => error);
      }
      return refresher.afterRejection(tokens).pipe(
        tap(() => events.emit('request-retried', { url: withoutQuery(request.url) })),
        // The retry is not caught for another refresh: a second 401 reaches the caller, so a
        // request is retried at most once and a misbehaving API cannot cause a refresh loop.
        switchMap((fresh) =>
          sendWithToken(request, next, fresh).pipe(
            catchError((retryError: unknown) => {
              if (isUnauthorized(retryError)) brake.brake(fresh.generation);
              return throwError(() => retryError);
            }),
          ),
        ),
      );
    }),
  );
}

function isUnauthorized(error: unknown): boolean {
  return error instanceof HttpErrorResponse && error.status === 401;
}

function sendWithToken(
  request: HttpRequest<unknown>,
  next: HttpHandlerFn,
  tokens: TokenSet,
): Observable<HttpEvent<unknown>> {
  return next(request.clone({ setHeaders: { Authorization: `Bearer ${tokens.accessToken}` } }));
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/)[0];
}
