import { HttpBackend } from '@angular/common/http';
import {
  EnvironmentProviders,
  REQUEST_CONTEXT,
  inject,
  makeEnvironmentProviders,
  provideEnvironmentInitializer,
} from '@angular/core';

import { AuthConfigError } from '../auth-errors';
import { AUTH_RENDER_CONTEXT, AuthRenderContext } from './auth-render-context';
import { RENDER_SESSION } from './render-session';
import { RenderContextBackend } from './render-context-backend';
import { ServerSession } from './server-session';

/**
 * For the app's server configuration (`app.config.server.ts`), after its `provideHttpClient()`
 * if it has one: where this request's {@link AuthRenderContext} comes from. By default the
 * `auth` property of `@angular/ssr`'s request context, the second argument of the engine's
 * `handle(request, { auth })`. It also gives the render the HttpBackend that sends the page's
 * API calls through the host while it renders with a session.
 * Without it the server still renders, but knows neither the mode nor the configuration, so it
 * treats every page as one that may show who is signed in (private, never cached).
 */
export function provideAuthRenderContext(
  context: () => AuthRenderContext | null | undefined = authFromRequestContext,
): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: AUTH_RENDER_CONTEXT, useFactory: () => context() ?? null },
    ServerSession,
    { provide: RENDER_SESSION, useExisting: ServerSession },
    RenderContextBackend,
    { provide: HttpBackend, useExisting: RenderContextBackend },
    provideEnvironmentInitializer(() => {
      // A later provideHttpClient() puts its own backend back: the page's API calls would then
      // go out without the session. Refused at once, on every page, rather than found later.
      if (!(inject(HttpBackend) instanceof RenderContextBackend)) {
        throw new AuthConfigError(
          'provideAuthRenderContext()',
          "is overridden by a later provideHttpClient(): list it after every provideHttpClient() of the app's server configuration",
        );
      }
    }),
  ]);
}

function authFromRequestContext(): AuthRenderContext | null {
  const request = inject(REQUEST_CONTEXT, { optional: true }) as { auth?: unknown } | null;
  const auth = request?.auth;
  return typeof auth === 'object' && auth !== null && 'config' in auth
    ? (auth as AuthRenderContext)
    : null;
}
