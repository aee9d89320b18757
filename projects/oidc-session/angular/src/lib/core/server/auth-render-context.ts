import {
  EnvironmentProviders,
  InjectionToken,
  REQUEST_CONTEXT,
  inject,
  makeEnvironmentProviders,
} from '@angular/core';

/**
 * What the server that renders a page tells the session layer about that request. The host (the
 * app's `server.ts`, or the BFF) passes it through `@angular/ssr`'s request context, and the app's
 * server configuration hands it over with {@link provideAuthRenderContext}.
 */
export interface AuthRenderContext {
  /**
   * The runtime configuration the host serves at the app's configuration URL (the same JSON):
   * the server renders with it instead of fetching that URL from itself.
   */
  readonly config: unknown;
}

/** The render context of the current server render; null in the browser or when none was given. */
export const AUTH_RENDER_CONTEXT = new InjectionToken<AuthRenderContext | null>(
  'AUTH_RENDER_CONTEXT',
  { providedIn: 'root', factory: () => null },
);

/**
 * For the app's server configuration (`app.config.server.ts`): where this request's
 * {@link AuthRenderContext} comes from. By default the `auth` property of `@angular/ssr`'s
 * request context, the second argument of the engine's `handle(request, { auth })`.
 * Without it the server still renders, but knows neither the mode nor the configuration, so it
 * treats every page as one that may show who is signed in (private, never cached).
 */
export function provideAuthRenderContext(
  context: () => AuthRenderContext | null | undefined = authFromRequestContext,
): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: AUTH_RENDER_CONTEXT, useFactory: () => context() ?? null },
  ]);
}

function authFromRequestContext(): AuthRenderContext | null {
  const request = inject(REQUEST_CONTEXT, { optional: true }) as { auth?: unknown } | null;
  const auth = request?.auth;
  return typeof auth === 'object' && auth !== null && 'config' in auth
    ? (auth as AuthRenderContext)
    : null;
}
