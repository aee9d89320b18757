import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';

import { AuthService, safeReturnPath } from '../auth';

/** Starts the sign-in redirect; afterwards the user lands on `returnUrl` (same-origin paths only). */
@Component({
  selector: 'app-login-page',
  imports: [RouterLink],
  template: `
    <h1>Sign in</h1>
    @if (loginError(); as error) {
      <p role="alert" class="error" data-testid="login-error">{{ error.message }}</p>
    }
    @if (session(); as current) {
      <p>You are signed in as {{ current.claims.name ?? current.claims.sub }}.</p>
      <p><a [routerLink]="target()">Continue</a></p>
    } @else {
      <p>
        You will be sent to the identity provider and brought back to <code>{{ target() }}</code>.
      </p>
      <button type="button" (click)="signIn()">Sign in</button>
    }
  `,
  styles: `
    .error {
      color: #cf222e;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage {
  private readonly auth = inject(AuthService);

  /** Bound from the `returnUrl` query parameter. */
  readonly returnUrl = input<string>();

  protected readonly session = this.auth.session;
  protected readonly loginError = this.auth.loginError;
  protected readonly target = computed(() => safeReturnPath(this.returnUrl()));

  protected signIn(): void {
    this.auth.login(this.target());
  }
}
