import { Injectable, inject } from '@angular/core';

import { TAB_SYNC } from './tabs/tab-sync';

/** Enough for every generation a tab lives through; older entries cannot matter any more. */
const REMEMBERED_GENERATIONS = 32;

/**
 * The 401 brake. An API that answers 401 to a token it was just given (a wrong audience, a
 * missing permission reported as 401) would otherwise make every call refresh again, since each
 * refresh yields a new token that is refused once more. When the retry after a 401 is refused
 * too, the token's generation is braked, in every tab: further 401s for it reach the caller
 * without a refresh. A newer token (after expiry) starts unbraked, so an endpoint that refuses
 * every token costs at most one refresh per token.
 */
@Injectable({ providedIn: 'root' })
export class RefusalBrake {
  private readonly tabs = inject(TAB_SYNC);
  private readonly braked = new Set<number>();

  /** Whether a 401 for this generation's token should pass through without a refresh. */
  isBraked(generation: number): boolean {
    return this.braked.has(generation);
  }

  /** The API refused this generation's token on the retry right after a refresh. */
  brake(generation: number): void {
    this.heard(generation);
    this.tabs.post({ kind: 'token-refused', generation });
  }

  /** Another tab braked this generation (delivered by SessionSharing, which hears every tab). */
  heard(generation: number): void {
    this.braked.add(generation);
    if (this.braked.size > REMEMBERED_GENERATIONS) this.braked.delete(Math.min(...this.braked));
  }
}
