import { Injectable } from '@angular/core';

/**
 * Whether the last code exchange carried a DPoP proof. angular-oauth2-oidc sends the exchange and
 * ignores `token_type`; the interceptor that adds the proof records it here, and the sign-in
 * then expects `token_type: DPoP` (and Bearer otherwise). No dependencies, so that the sign-in
 * can read it without the rest of the DPoP machinery.
 */
@Injectable({ providedIn: 'root' })
export class DpopCodeExchange {
  private proved = false;

  /** Called for every code exchange, with or without a proof. */
  record(proved: boolean): void {
    this.proved = proved;
  }

  wasProved(): boolean {
    return this.proved;
  }
}
