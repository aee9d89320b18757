import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { ɵSignOutPending as SignOutPending } from '@oidc-session/angular';
import { BffClient } from './bff-client';

/**
 * What the BFF said to a sign-out: heard (where to go next, and whether the provider's refresh
 * token could be revoked), or not heard.
 */
export type BffSignOutResult =
  | {
      readonly heard: true;
      readonly endSessionUrl: string | null;
      readonly refreshTokenRevoked: boolean;
    }
  | { readonly heard: false };

/**
 * A sign-out in bff mode is final whatever the network. The tab cannot clear the BFF's HttpOnly
 * cookie, so the user's decision is recorded first (SignOutPending: localStorage for every tab, a
 * cookie for every request) and only forgotten once the BFF has ended the stored session. Until
 * then every start-up and sign-in of every tab sends the sign-out before anything else.
 */
@Injectable()
export class BffSignOut {
  private readonly client = inject(BffClient);
  private readonly pending = inject(SignOutPending);

  /** Whether a sign-out waits for the BFF. */
  get isPending(): boolean {
    return this.pending.isPending();
  }

  /** The user signs out: recorded before the BFF is asked, so a lost answer changes nothing. */
  signOut(): Promise<BffSignOutResult> {
    this.pending.record();
    return this.tell();
  }

  /** Sends a pending sign-out again (start-up, sign-in); a no-op when none is pending. */
  async finish(): Promise<BffSignOutResult> {
    return this.isPending
      ? this.tell()
      : { heard: true, endSessionUrl: null, refreshTokenRevoked: true };
  }

  /** The BFF answered that this browser has no session: whatever was pending is done. */
  confirmedSignedOut(): void {
    if (this.isPending) this.pending.clear();
  }

  private async tell(): Promise<BffSignOutResult> {
    try {
      const { endSessionUrl, refreshTokenRevoked } = await firstValueFrom(this.client.logout());
      this.pending.clear();
      return { heard: true, endSessionUrl, refreshTokenRevoked };
    } catch (error: unknown) {
      // Not heard (offline, BFF or its store down): the decision stays recorded, every tab keeps
      // honouring it, and the next start-up or sign-in sends it again.
      const status = error instanceof HttpErrorResponse ? error.status : 'no answer';
      console.warn(`[auth] The BFF did not confirm the sign-out (${status}); it stays pending.`);
      return { heard: false };
    }
  }
}
