import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { Observable, catchError, switchMap, tap, throwError } from 'rxjs';

import { StepUpRequiredError } from './core/auth-errors';
import { RequestScope } from './core/request-scope';
import { SessionState } from './core/session';
import { SKIP_AUTH } from './core/skip-auth';
import { stepUpRequired } from './core/step-up/step-up-required';

export { SKIP_AUTH } from './core/skip-auth';

/**
 * Sends requests for the configured APIs with the session's credentials (browser mode: the
 * access token; bff mode: the BFF's CSRF header, the token being attached on the server), after
 * one shared refresh when the access token is about to expire, and answers a refused one with
 * one shared refresh and a single retry.
 *
 * Requests anywhere else (the provider, third parties, this app's own assets) go out as they were
 * made, tokens only to the APIs they are for; browser mode adds DPoP proofs to its own token
 * requests. It is the only interceptor to register: `withInterceptors([authInterceptor])`.
 */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const scope = inject(RequestScope);
  // Before start-up has chosen the mode (the configuration file itself), nothing is protected.
  if (!scope.started) return next(request);
  const { backend } = scope;
  if (request.context.get(SKIP_AUTH) || !backend.protects(request.url)) {
    return backend.sendUnprotected(request, next);
  }
  const current = scope.store.current();
  // A server-rendered page's API answers come with it, for the session it was rendered with.
  if (!scope.transferred.mayReuse(current)) request = request.clone({ transferCache: false });
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
  tokens: SessionState,
  scope: RequestScope,
): Observable<HttpEvent<unknown>> {
  const { refresher, brake, events, backend } = scope;
  return backend.send(request, tokens, next).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse)) return throwError(() => error);
      const stepUp = stepUpRequired(error);
      if (stepUp) return failForStepUp(stepUp, scope);
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
          backend.send(request, fresh, next).pipe(
            catchError((retryError: unknown) => {
              if (!(retryError instanceof HttpErrorResponse)) return throwError(() => retryError);
              // The fresh token was accepted, and the API wants more of the sign-in behind it.
              const retryStepUp = stepUpRequired(retryError);
              if (retryStepUp) return failForStepUp(retryStepUp, scope);
              if (backend.judge(retryError) === 'refresh') brake.brake(fresh.generation);
              return throwError(() => retryError);
            }),
          ),
        ),
      );
    }),
  );
}

/**
 * RFC 9470: the API wants a stronger sign-in. A refresh cannot give one: no refresh, no retry, no
 * brake; the caller gets what to ask for (AuthService.stepUp), unless the app steps up by itself.
 */
function failForStepUp(stepUp: StepUpRequiredError, scope: RequestScope): Observable<never> {
  scope.events.emit('step-up-required', { url: stepUp.url });
  scope.stepUp.startAutomatically(stepUp);
  return throwError(() => stepUp);
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/)[0];
}
