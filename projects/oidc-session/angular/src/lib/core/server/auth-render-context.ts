import { InjectionToken } from '@angular/core';

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
  /**
   * The session of the page request, where the host holds it (bff mode: the BFF finds it from the
   * request's cookie, as its `/bff/session` would): null when signed out; absent when the host
   * does not know it (browser mode, or the BFF's store unreachable), and the browser decides.
   * Only in a mode whose session reaches the server (`SessionMode.sessionReachesServer`).
   */
  readonly session?: RenderedSessionView | null;
  /**
   * How the page's requests to the session's APIs are sent while it renders with a session (the
   * render's HttpClient carries no cookie, and no token may reach it): the BFF sends them in
   * process through its API proxy, which attaches the token and refreshes as for the browser.
   */
  readonly fetch?: (request: Request) => Promise<Response>;
}

/** A session as the host describes it to the render: what `/bff/session` says, never a token. */
export interface RenderedSessionView {
  /** The user's claims, as the app may show them. */
  readonly user: { readonly sub: string; readonly [claim: string]: unknown };
  /** Whole seconds the access token has left on the host's clock. */
  readonly accessTokenExpiresIn: number;
  /** The host's session version (grows with every refresh). */
  readonly version: number;
  /** Seconds until the host ends the session however much it is used. */
  readonly sessionExpiresIn?: number;
  /** Seconds until the host ends the session unless it is used meanwhile (its idle end). */
  readonly idleExpiresIn?: number;
  /** The host's idle timeout, seconds: each use moves the idle end this far ahead. */
  readonly idleTimeout?: number;
}

/** The render context of the current server render; null in the browser or when none was given. */
export const AUTH_RENDER_CONTEXT = new InjectionToken<AuthRenderContext | null>(
  'AUTH_RENDER_CONTEXT',
  { providedIn: 'root', factory: () => null },
);
