import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { DOCUMENT, inject } from '@angular/core';
import { Observable, catchError, switchMap, tap, throwError } from 'rxjs';

import { isAllowedApiUrl } from './api-allowlist';
import { AuthConfigStore } from './auth-config-store';
import { AuthEventLog } from './auth-events';
import { OidcClient } from './oidc-client';
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
  const base = inject(DOCUMENT).baseURI;
  const tokenEndpoint = inject(OidcClient).metadata?.tokenEndpoint;
  if (
    !isAllowedApiUrl(request.url, config.current.apis, base) ||
    isEndpoint(request.url, tokenEndpoint, base)
  ) {
    return next(request);
  }
  const refresher = inject(TokenRefresher);
  const events = inject(AuthEventLog);
  return refresher.freshTokens('expiry').pipe(
    switchMap((tokens) => {
      // Signed out: the request goes as made and the API decides what an anonymous caller gets.
      if (!tokens) return next(request);
      return sendWithToken(request, next, tokens.accessToken).pipe(
        catchError((error: unknown) => {
          if (!(error instanceof HttpErrorResponse) || error.status !== 401)
            return throwError(() => error);
          return refresher.afterRejection(tokens.accessToken).pipe(
            tap(() => events.emit('request-retried', { url: withoutQuery(request.url) })),
            // The retry is not caught again: a second 401 reaches the caller, so a request is
            // retried at most once and a misbehaving API cannot cause a refresh loop.
            switchMap((fresh) => sendWithToken(request, next, fresh.accessToken)),
          );
        }),
      );
    }),
  );
};

/** Defence in depth: even a misconfigured allowlist must not touch the provider's token endpoint. */
function isEndpoint(url: string, endpoint: string | undefined, base: string): boolean {
  return !!endpoint && withoutQuery(new URL(url, base).href) === endpoint;
}

function sendWithToken(
  request: HttpRequest<unknown>,
  next: HttpHandlerFn,
  accessToken: string,
): Observable<HttpEvent<unknown>> {
  return next(request.clone({ setHeaders: { Authorization: `Bearer ${accessToken}` } }));
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/)[0];
}
