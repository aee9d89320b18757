import { Injectable } from '@angular/core';

/**
 * The last `DPoP-Nonce` each server gave, per origin (RFC 9449 sections 8 and 9: the provider
 * and each API have nonces of their own). Kept in memory: a new page pays at most one retry per
 * server to learn it again.
 */
@Injectable({ providedIn: 'root' })
export class DpopNonces {
  private readonly nonces = new Map<string, string>();

  get(origin: string): string | undefined {
    return this.nonces.get(origin);
  }

  /** Keeps a nonce from a response header (any answer may carry a newer one). */
  remember(origin: string, nonce: string | null): void {
    // RFC 9449 section 8.1: a nonce is one or more NQCHAR (printable ASCII but '"' and '\').
    if (nonce && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(nonce)) this.nonces.set(origin, nonce);
  }
}
