import { Injectable, TransferState, inject, signal } from '@angular/core';

import { AuthConfigError } from '../auth-errors';
import { CLOCK } from '../platform/clock';
import { serverHeldState } from '../server-held-session';
import { SessionMode } from '../session-mode';
import { SessionStore } from '../tabs/session-store';
import { AUTH_RENDER_CONTEXT, RenderedSessionView } from './auth-render-context';
import { RenderSession } from './render-session';
import { RENDERED_FOR } from './transferred-answers';

/**
 * The session of the page being rendered on the server. It is known only where the host gave it
 * and the mode's session reaches the server (bff mode): `session$` then has it for the whole
 * render, guards decide as in the browser, and the page's API calls go through the host with it.
 * Otherwise (browser mode, no render context, the BFF's store away) it stays unknown, and the
 * browser decides after hydration. Nothing here refreshes: the host's API path does that.
 */
@Injectable()
export class ServerSession implements RenderSession {
  private readonly context = inject(AUTH_RENDER_CONTEXT);
  private readonly store = inject(SessionStore);
  private readonly clock = inject(CLOCK);
  private readonly transferState = inject(TransferState);
  private readonly isKnown = signal(false);

  /** Whether the render knows the session (signed in or out). */
  readonly known = this.isKnown.asReadonly();

  /** Whether the render knows a signed-in session (its API calls then go through the host). */
  get signedIn(): boolean {
    return this.isKnown() && this.store.current() !== null;
  }

  /**
   * Start-up on the server, once the configuration has named the mode.
   * @throws AuthConfigError when the host's session is not one, or cannot be used.
   */
  start(mode: SessionMode | null): void {
    const session = this.context?.session;
    if (!mode?.sessionReachesServer || session === undefined) return;
    this.store.open('memory');
    if (session !== null) {
      // A session whose API calls could not go through the host would render its pages broken.
      if (typeof this.context?.fetch !== 'function') {
        throw new AuthConfigError(
          'renderContext.fetch',
          'must be a function when a session is given',
        );
      }
      this.store.replace(serverHeldState(checked(session), this.clock.now(), 0));
    }
    // The browser reuses this page's API answers for the same session only (TransferredAnswers).
    this.transferState.set(RENDERED_FOR, session?.user.sub ?? null);
    this.isKnown.set(true);
  }
}

function checked(view: RenderedSessionView): RenderedSessionView {
  const problem =
    typeof view !== 'object' || view === null
      ? ['session', 'must be an object or null']
      : typeof view.user?.sub !== 'string'
        ? ['session.user.sub', 'must be a string']
        : !Number.isFinite(view.accessTokenExpiresIn)
          ? ['session.accessTokenExpiresIn', 'must be a number of seconds']
          : !Number.isInteger(view.version)
            ? ['session.version', 'must be an integer']
            : view.sessionExpiresIn !== undefined && !Number.isFinite(view.sessionExpiresIn)
              ? ['session.sessionExpiresIn', 'must be a number of seconds']
              : null;
  if (problem) throw new AuthConfigError(`renderContext.${problem[0]}`, problem[1]);
  return view;
}
