import { isPlatformServer } from '@angular/common';
import { DOCUMENT, DestroyRef, Injectable, inject, PLATFORM_ID } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { fromEvent } from 'rxjs';

import { AuthConfigLoader } from './core/config/auth-config-loader';
import { AUTH_STARTUP_REPORTER } from './auth-startup-reporter';
import { ActiveSessionBackend } from './core/session-backend';
import { SessionModes } from './core/session-mode';
import { SessionReady } from './core/session-ready';
import { TokenRefresher } from './core/token-refresher';
import { SessionEndWatch } from './core/session-end/session-end-watch';
import { ServerPagePolicy } from './core/server/server-page-policy';
import { RENDER_SESSION } from './core/server/render-session';

/**
 * What runs before the app renders (an app initializer): load and check the configuration,
 * choose the mode's backend, and let it restore the session or finish a sign-in. Restoring asks
 * the provider nothing, not even discovery: a stored session whose access token expired is
 * refreshed by the first request or guard that needs it.
 */
@Injectable({ providedIn: 'root' })
export class AuthStartup {
  private readonly configLoader = inject(AuthConfigLoader);
  private readonly modes = inject(SessionModes);
  private readonly active = inject(ActiveSessionBackend);
  private readonly refresher = inject(TokenRefresher);
  private readonly reporter = inject(AUTH_STARTUP_REPORTER);
  private readonly document = inject(DOCUMENT);
  private readonly destroyRef = inject(DestroyRef);
  private readonly sessionReady = inject(SessionReady);
  private readonly onServer = isPlatformServer(inject(PLATFORM_ID));
  private readonly pagePolicy = inject(ServerPagePolicy);
  private readonly renderSession = inject(RENDER_SESSION);
  private readonly endWatch = inject(SessionEndWatch);

  /** Resolves once the session is known (restored, adopted, signed in or none). */
  readonly ready = this.sessionReady.ready;

  async run(): Promise<void> {
    if (this.onServer) return this.runOnServer();
    try {
      const config = await this.configLoader.load();
      // The mode's backend restores the session without asking the provider (browser mode:
      // this tab's storage or another tab; bff mode: one call to the BFF on this origin).
      const backend = await this.modes.load(config.mode);
      this.active.use(backend);
      await backend.start();
      this.refreshWhenBackOnline();
      // Before any guard runs: a session whose end passed while no tab was open ends now.
      this.endWatch.watch();
      this.reporter.ready();
      this.sessionReady.mark();
    } catch (error: unknown) {
      this.reporter.failed(error);
      throw error;
    }
  }

  /**
   * On the server no mode starts: browser mode's session lives in the tab, and bff mode's reaches
   * the server only through its host, which says what it is (provideAuthRenderContext). Where the
   * host does not, the session stays unknown (AuthService.sessionKnown): pages render neither
   * signed in nor signed out, and the browser decides after hydration. Nothing here touches a
   * browser global, starts a timer or sends a request.
   */
  private async runOnServer(): Promise<void> {
    const config = await this.configLoader.loadOnServer();
    const mode = config ? this.modes.find(config.mode) : null;
    // A mode whose session reaches the server (or a mode nobody told the server) makes every page
    // one that may show who is signed in.
    if (mode?.sessionReachesServer !== false) this.pagePolicy.markPrivate();
    this.renderSession?.start(mode);
    this.sessionReady.mark();
  }

  /** After the network comes back, refresh a token that went stale while it was away. */
  private refreshWhenBackOnline(): void {
    const window = this.document.defaultView;
    if (!window) return;
    fromEvent(window, 'online')
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe(() =>
        this.refresher.freshTokens('online').subscribe({
          // Failures are already events and the session policy has run; nobody else waits here.
          error: () => undefined,
        }),
      );
  }
}
