import { Injectable, TransferState, inject, makeStateKey } from '@angular/core';

import { SessionState } from '../session';

/** Whose session the server rendered the page with: its subject, or null when signed out. */
export const RENDERED_FOR = makeStateKey<string | null>('oidc-session.rendered-for');

/**
 * Angular's HTTP transfer cache hands the browser the API answers the server rendered the page
 * with, so that hydration does not ask for them again. They belong to the session the page was
 * rendered with: a tab whose session is another by the time it starts (a sign-out, or another
 * user's sign-in, in another tab meanwhile) sends its requests instead.
 */
@Injectable({ providedIn: 'root' })
export class TransferredAnswers {
  private readonly transferState = inject(TransferState);

  /** Whether a protected request made with `current` may take the page's transferred answer. */
  mayReuse(current: SessionState | null): boolean {
    if (!this.transferState.hasKey(RENDERED_FOR)) return true;
    return (current?.claims.sub ?? null) === this.transferState.get(RENDERED_FOR, null);
  }
}
