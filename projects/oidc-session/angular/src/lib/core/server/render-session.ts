import { InjectionToken, Signal } from '@angular/core';

import { SessionMode } from '../session-mode';

/**
 * The session of the page being rendered, as the core asks about it on the server (ServerSession,
 * provided with `provideAuthRenderContext()`; null where none was, and in the browser, which
 * so carries none of it).
 */
export interface RenderSession {
  /** Whether the render knows the session (signed in or out). */
  readonly known: Signal<boolean>;
  /** Whether the render knows a signed-in session. */
  readonly signedIn: boolean;
  /** Start-up on the server, once the configuration has named the mode. */
  start(mode: SessionMode | null): void;
}

export const RENDER_SESSION = new InjectionToken<RenderSession | null>('RENDER_SESSION', {
  providedIn: 'root',
  factory: () => null,
});
