import { Injectable, inject } from '@angular/core';

import { AuthConfigStore } from '../core/config/auth-config-store';

/** Long enough for a slow provider, short enough that the login page answers soon. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Tells "the provider is down" from "the provider answers, but not to this origin" (CORS), which
 * look the same to the app: a request whose answer the browser may not read fails like one that
 * got no answer. A `no-cors` request resolves (with an opaque response, nothing readable) whenever
 * the server answered at all, and fails only when nothing did. Browser mode only: there the tab
 * reads the provider's discovery document itself.
 */
@Injectable({ providedIn: 'root' })
export class ProviderAnswerProbe {
  private readonly config = inject(AuthConfigStore);

  /** True when the provider's discovery URL answers a request this page may not read. */
  async answersOtherClients(): Promise<boolean> {
    if (typeof fetch !== 'function' || !this.config.isLoaded) return false;
    // Only browser mode talks to the provider from the page; its configuration names the issuer.
    const { mode, issuer } = this.config.current as { mode: string; issuer?: unknown };
    if (mode !== 'browser' || typeof issuer !== 'string') return false;
    const url = `${issuer}${issuer.endsWith('/') ? '' : '/'}.well-known/openid-configuration`;
    try {
      await fetch(url, {
        mode: 'no-cors',
        cache: 'no-store',
        credentials: 'omit',
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      return true;
    } catch {
      // No answer at all (refused, offline, timed out): the provider is unreachable.
      return false;
    }
  }
}
