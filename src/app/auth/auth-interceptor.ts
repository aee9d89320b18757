import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { Observable, catchError, switchMap, tap, throwError } from 'rxjs';

import { authorizationScheme } from './dpop';
import { RequestScope } from './request-scope';
import { TokenSet } from './session';
import { SKIP_AUTH } from './skip-auth';

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
  const scope = inject(RequestScope);
  if (!scope.allows(request.url)) return next(request);
  const current = scope.store.current();
  // Signed out: the request goes as made and the API decides what an anonymous caller gets.
  if (!current) return next(request);
  // The common case, a fresh token, stays synchronous: no waiting, no extra operators.
  if (!scope.refresher.needsRefresh(current)) return sendWithRetry(request, next, current, scope);
  return scope.refresher
    .freshTokens('expiry')
    .pipe(
      switchMap((tokens) => (tokens ? sendWithRetry(request, next, tokens, scope) : next(request))),
    );
};

/**
 * Sends with the token; on a 401 joins (or starts) the shared refresh and retries once. A 403
 * (the token is fine, the permission is missing) and any other error reach the caller as they are.
 */
function sendWithRetry(
  request: HttpRequest<unknown>,
  next: HttpHandlerFn,
  tokens: TokenSet,
  { refresher, brake, events }: RequestScope,
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
  // DPoP sets go as `DPoP <token>`; dpopInterceptor, next in the chain, adds the proof.
  const scheme = authorizationScheme(tokens);
  return next(request.clone({ setHeaders: { Authorization: `${scheme} ${tokens.accessToken}` } }));
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/)[0];
}
