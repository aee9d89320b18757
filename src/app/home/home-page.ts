import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink } from '@angular/router';

import { AuthService } from '@oidc-session/angular';

/** Public landing page. */
@Component({
  selector: 'app-home-page',
  imports: [RouterLink],
  template: `
    <h1>Stay signed in, without noticing</h1>
    <p>
      This demo signs you in with OpenID Connect (authorization code + PKCE) and keeps the session
      alive by refreshing access tokens before they expire: one shared refresh for every request,
      guard and tab.
    </p>
    @if (!sessionKnown()) {
      <!-- Rendered on the server without the session: the browser says which applies. -->
    } @else if (session()) {
      <p>
        <a routerLink="/dashboard">Go to your dashboard</a> or watch the
        <a routerLink="/session">session panel</a>.
      </p>
    } @else {
      <p>
        <a routerLink="/login">Sign in</a> as <code>alice</code> / <code>wonderland</code> to try
        it.
      </p>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HomePage {
  private readonly auth = inject(AuthService);
  protected readonly session = this.auth.session;
  protected readonly sessionKnown = this.auth.sessionKnown;
}
