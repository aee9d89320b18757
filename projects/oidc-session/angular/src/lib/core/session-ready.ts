import { Injectable } from '@angular/core';

/**
 * Whether start-up has made the session known (restored, adopted, signed in, or none). Guards
 * and the service wait for it; only start-up marks it, so they need nothing else of start-up.
 */
@Injectable({ providedIn: 'root' })
export class SessionReady {
  private markReady!: () => void;

  /** Resolves once the session is known. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  /** Start-up's one call. */
  mark(): void {
    this.markReady();
  }
}
