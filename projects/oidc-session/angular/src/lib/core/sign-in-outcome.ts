import { Injectable, signal } from '@angular/core';

import { LoginError } from './auth-errors';

/** Why the last sign-in could not be completed, whichever mode ran it; read by the login page. */
@Injectable({ providedIn: 'root' })
export class SignInOutcome {
  readonly error = signal<LoginError | null>(null);
}
