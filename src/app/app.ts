import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { AuthService, SessionEndingWarning } from '@oidc-session/angular';

/** The shell: navigation, who is signed in, and Sign out (which signs out every tab). */
@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, SessionEndingWarning],
  templateUrl: './app.html',
  styleUrl: './app.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  private readonly auth = inject(AuthService);

  protected readonly session = this.auth.session;
  /** False on the server in browser mode: the header then says neither who nor "Sign in". */
  protected readonly sessionKnown = this.auth.sessionKnown;
  /** A guarded page rendered on the server, which cannot know whether it may be shown. */
  protected readonly pageHeldForBrowser = this.auth.pageHeldForBrowser;
  protected readonly userName = computed(() => {
    const claims = this.session()?.claims;
    return claims ? (claims.name ?? claims.sub) : null;
  });

  /** Why the last sign-out may have left the provider's own session open. */
  protected readonly signOutNotice = this.auth.signOutNotice;

  /** A sign-out the server has not confirmed yet (bff mode): every tab says so. */
  protected readonly signOutPending = this.auth.signOutPending;

  protected signOut(): void {
    void this.auth.logout();
  }

  protected dismissNotice(): void {
    this.auth.dismissSignOutNotice();
  }
}
