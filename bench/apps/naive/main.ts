// Subject "naive": the interceptor many apps write by hand: attach the library's token, and on
// a 401 call refreshToken() and retry, for every failing request on its own.
import {
  HttpErrorResponse,
  HttpInterceptorFn,
  HttpRequest,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { OAuthService, provideOAuthClient } from 'angular-oauth2-oidc';
import { catchError, from, switchMap, throwError } from 'rxjs';

import { startLibraryBaseline } from '../shared/library-baseline';
import { apiBase, loadBenchConfig } from '../shared/runtime-config';

let base = '';

const naiveInterceptor: HttpInterceptorFn = (request, next) => {
  if (!request.url.startsWith(base)) return next(request);
  const oauth = inject(OAuthService);
  const withToken = (r: HttpRequest<unknown>) =>
    r.clone({ setHeaders: { Authorization: `Bearer ${oauth.getAccessToken()}` } });
  return next(withToken(request)).pipe(
    catchError((error: unknown) =>
      error instanceof HttpErrorResponse && error.status === 401
        ? from(oauth.refreshToken()).pipe(switchMap(() => next(withToken(request))))
        : throwError(() => error),
    ),
  );
};

window.benchReady = (async () => {
  const config = await loadBenchConfig('naive');
  base = apiBase(config);
  await startLibraryBaseline(config, {
    providers: [provideHttpClient(withInterceptors([naiveInterceptor])), provideOAuthClient()],
    costedInterceptors: { interceptors: [naiveInterceptor] },
    automaticSilentRefresh: false,
  });
})();
