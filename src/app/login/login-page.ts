import { isPlatformServer } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DOCUMENT,
  DestroyRef,
  PLATFORM_ID,
  computed,
  inject,
  input,
  signal,
} from '@angular/core';
import { RouterLink } from '@angular/router';

import {
  AuthService,
  diagnoseSignInFailure,
  ProviderAnswerProbe,
  ProviderUnreachableError,
  safeReturnPath,
  SignInDiagnosis,
} from '@oidc-session/angular';
import { SignInAttempt } from './sign-in-attempt';

const NO_ANSWER = 'Your last sign-in did not come back from the identity provider.';

const CORS_BLOCKED =
  "Sign-in could not start: the identity provider answers, but it does not allow this app's origin (CORS), so the browser may not read its discovery document.";

/**
 * Starts the sign-in redirect; afterwards the user lands on `returnUrl` (same-origin paths only).
 * When the provider cannot be reached the page says so and offers to try again; when a sign-in
 * failed it names the likely cause at the provider and the doctor check that confirms it.
 */
@Component({
  selector: 'app-login-page',
  imports: [RouterLink],
  template: `
    <h1>Sign in</h1>
    @if (loginError(); as error) {
      <p role="alert" class="error" data-testid="login-error">{{ error.message }}</p>
    }
    @if (unreachable()) {
      <p role="alert" class="error" data-testid="provider-unreachable">
        The identity provider cannot be reached right now, so you cannot sign in. Pages you are
        already signed in to keep working. Check your connection, then try again.
        <button type="button" (click)="signIn()" [disabled]="starting()">Try again</button>
      </p>
    } @else if (startError(); as error) {
      <p role="alert" class="error" data-testid="login-error">{{ error }}</p>
    }
    @if (diagnosis(); as found) {
      <p class="hint" data-testid="login-diagnosis">
        Likely cause: {{ found.likelyCause }} To confirm, run <code>npm run doctor</code> and see
        the check <code>{{ found.doctorCheck }}</code>.
      </p>
    }
    @if (!sessionKnown()) {
      <!-- Rendered on the server without the session: the browser shows the button or the user. -->
    } @else if (session(); as current) {
      <p>You are signed in as {{ current.claims.name ?? current.claims.sub }}.</p>
      <p><a [routerLink]="target()">Continue</a></p>
    } @else {
      <p>
        You will be sent to the identity provider and brought back to <code>{{ target() }}</code>.
      </p>
      <button type="button" (click)="signIn()" [disabled]="starting()">Sign in</button>
    }
  `,
  styles: `
    .error {
      color: #cf222e;
    }
    .hint {
      color: #57606a;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage {
  private readonly auth = inject(AuthService);
  private readonly probe = inject(ProviderAnswerProbe);
  private readonly attempt = inject(SignInAttempt);

  /** Bound from the `returnUrl` query parameter. */
  readonly returnUrl = input<string>();

  protected readonly session = this.auth.session;
  protected readonly sessionKnown = this.auth.sessionKnown;
  protected readonly loginError = this.auth.loginError;
  protected readonly target = computed(() => safeReturnPath(this.returnUrl()));
  protected readonly starting = signal(false);
  protected readonly unreachable = signal(false);
  /** Why the last attempt to leave for the provider failed, other than being unreachable. */
  protected readonly startError = signal<string | null>(null);
  protected readonly diagnosis = computed<SignInDiagnosis | null>(() => {
    const message = this.startError() ?? this.loginError()?.message;
    return message ? diagnoseSignInFailure(message) : null;
  });

  constructor() {
    this.noticeUnansweredSignIn(false);
    // A page restored from the back/forward cache is not constructed again. (A server render has
    // no such page.)
    const window = isPlatformServer(inject(PLATFORM_ID)) ? null : inject(DOCUMENT).defaultView;
    const restored = (event: PageTransitionEvent) => {
      if (event.persisted) this.noticeUnansweredSignIn(true);
    };
    window?.addEventListener('pageshow', restored);
    inject(DestroyRef).onDestroy(() => window?.removeEventListener('pageshow', restored));
  }

  protected async signIn(): Promise<void> {
    this.starting.set(true);
    this.startError.set(null);
    try {
      this.attempt.started();
      await this.auth.login(this.target());
      this.unreachable.set(false);
    } catch (error: unknown) {
      // Still here: the sign-in never left, so there is nothing to come back from.
      this.attempt.forget();
      // Either the provider cannot be reached (say so, offer to try again), or it answers but not
      // to this origin (CORS: name that), or its discovery does not fit the configuration.
      if (
        error instanceof ProviderUnreachableError &&
        error.reason === 'network' &&
        (await this.probe.answersOtherClients())
      ) {
        this.unreachable.set(false);
        this.startError.set(CORS_BLOCKED);
      } else {
        this.unreachable.set(error instanceof ProviderUnreachableError);
        if (!(error instanceof ProviderUnreachableError)) {
          this.startError.set(error instanceof Error ? error.message : String(error));
        }
      }
    } finally {
      this.starting.set(false);
    }
  }

  /** Back from the provider without an answer: likely its error page about the redirect URI. */
  private noticeUnansweredSignIn(restored: boolean): void {
    if (this.attempt.cameBackWithoutAnswer(restored) && !this.session() && !this.loginError()) {
      this.startError.set(NO_ANSWER);
    }
  }
}
