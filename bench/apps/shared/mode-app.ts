// A minimal app that declares one mode, for the bundle rows: what an app pays for the session
// layer when it runs only that mode. Built, never served; plain-app.ts is its baseline.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  inject,
  provideZonelessChangeDetection,
} from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

import {
  AuthFeature,
  AuthService,
  authGuard,
  authInterceptor,
  configFromUrl,
  provideAuth,
} from '@oidc-session/angular';

/** Uses the session as an app does: its signal, sign-in and sign-out. */
@Component({
  selector: 'app-root',
  template: `<p>{{ auth.session()?.claims?.name ?? 'signed out' }}</p>
    <button (click)="auth.login('/')">Sign in</button>
    <button (click)="auth.logout()">Sign out</button>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class ModeRoot {
  protected readonly auth = inject(AuthService);
}

export function bootstrapModeApp(mode: AuthFeature): void {
  void bootstrapApplication(ModeRoot, {
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideRouter([{ path: 'account', canActivate: [authGuard], children: [] }]),
      provideAuth(configFromUrl('/auth.config.json'), mode),
    ],
  });
}
