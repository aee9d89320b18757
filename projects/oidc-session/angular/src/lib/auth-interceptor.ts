import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { Observable, catchError, switchMap, tap, throwError } from 'rxjs';

import { RequestScope } from './core/request-scope';
import { TokenSet } from './core/session';
import { SKIP_AUTH } from './core/skip-auth';

export { SKIP_AUTH } from './core/skip-auth';

/**
 * Sends requests for the configured APIs with the session's credentials (browser mode: the
 * access token; bff mode: the BFF's CSRF header, the token being attached on the server), after
 * one shared refresh when the access token is about to expire, and answers a refused one with
 * one shared refresh and a single retry.
 *
 * Requests anywhere else (the provider, third parties, this app's own assets) go out exactly as
 * they were made: tokens go only to the APIs they are for.
 */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  if (request.context.get(SKIP_AUTH)) return next(request);
  const scope = inject(RequestScope);
  if (!scope.protects(request.url)) return next(request);
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
 * Sends with the credentials; when the mode's backend judges the answer a refusal of them (a
 * 401 in browser mode), joins (or starts) the shared refresh and retries once. A 403 (the token is
 * fine, the permission is missing) and any other error reach the caller as they are.
 */
function sendWithRetry(
  request: HttpRequest<unknown>,
  next: HttpHandlerFn,
  tokens: TokenSet,
  scope: RequestScope,
): Observable<HttpEvent<unknown>> {
  const { refresher, brake, events, backend } = scope;
  return next(backend.authorize(request, tokens)).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse)) return throwError(() => error);
      const verdict = backend.judge(error);
      if (verdict === 'session-ended') {
        refresher.sessionEndedByServer(`HTTP ${error.status}`);
        return throwError(() => error);
      }
      // A braked token was already refused right after a refresh: another refresh would only
      // produce another token for the API to refuse.
      if (verdict === 'pass' || brake.isBraked(tokens.generation)) return throwError(() => error);
      return refresher.afterRejection(tokens).pipe(
        tap(() => events.emit('request-retried', { url: withoutQuery(request.url) })),
        // The retry is not caught for another refresh: a second 401 reaches the caller, so a
        // request is retried at most once and a misbehaving API cannot cause a refresh loop.
        switchMap((fresh) =>
          next(backend.authorize(request, fresh)).pipe(
            catchError((retryError: unknown) => {
              if (
                retryError instanceof HttpErrorResponse &&
                backend.judge(retryError) === 'refresh'
              ) {
                brake.brake(fresh.generation);
              }
              return throwError(() => retryError);
            }),
          ),
        ),
      );
    }),
  );
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/)[0];
}
