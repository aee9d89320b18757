import { Injectable, inject } from '@angular/core';

import { AuthConfigStore } from '../../auth-config-store';
import { LoginError } from '../../auth-errors';
import { AuthEventLog } from '../../auth-events';
import { ProviderMetadata } from '../oidc-client';
import { ProviderMetadataStore } from '../provider-metadata';
import { DPOP_KEY_STORE, DpopKey, DpopKeyStore } from './dpop-key-store';

/** The only proof algorithm the session layer makes (the one every DPoP provider supports). */
export const DPOP_ALGORITHM = 'ES256';

/**
 * Decides whether a sign-in binds its tokens to a DPoP key, from the configuration (`dpop`:
 * `auto`, `off` or `required`), the provider's discovery (`dpop_signing_alg_values_supported`
 * must list ES256) and the browser (IndexedDB and WebCrypto). Once a sign-in is bound, its
 * refreshes and API requests follow the token set's `token_type`, not this decision.
 *
 * The fallback rule: where the browser cannot keep a key, `auto` signs in with Bearer tokens and
 * emits a `dpop-unavailable` event; `required` refuses to sign in (LoginError).
 */
@Injectable({ providedIn: 'root' })
export class DpopSupport {
  private readonly config = inject(AuthConfigStore);
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly events = inject(AuthEventLog);
  private readonly keys: DpopKeyStore | null = inject(DPOP_KEY_STORE);

  /** Whether configuration and provider call for DPoP (the browser is not asked here). */
  wanted(metadata: ProviderMetadata): boolean {
    const setting = this.config.current.dpop;
    if (setting === 'off') return false;
    const advertised = metadata.dpopSigningAlgValuesSupported?.includes(DPOP_ALGORITHM) === true;
    if (!advertised && setting === 'required') {
      throw new LoginError(
        `the configuration requires DPoP, and the provider's discovery does not advertise ` +
          `dpop_signing_alg_values_supported with ${DPOP_ALGORITHM}`,
      );
    }
    return advertised;
  }

  /**
   * Before the authorization request: a new key for this sign-in, or null for Bearer.
   * @throws LoginError when DPoP is required and cannot be had.
   */
  async prepareSignIn(): Promise<DpopKey | null> {
    return this.key((keys) => keys.rotate());
  }

  /**
   * At the code exchange: the key to prove with (the one made for this sign-in, or a new one if
   * it is gone), or null for Bearer.
   * @throws LoginError when DPoP is required and cannot be had.
   */
  async codeExchangeKey(): Promise<DpopKey | null> {
    return this.key((keys) => keys.readOrCreate());
  }

  private async key(use: (keys: DpopKeyStore) => Promise<DpopKey>): Promise<DpopKey | null> {
    if (this.config.current.dpop === 'off') return null;
    if (!this.wanted(await this.metadata.get())) return null;
    if (!this.keys) return this.unavailable('this browser has no IndexedDB or WebCrypto');
    try {
      return await use(this.keys);
    } catch (error: unknown) {
      // Private modes may have IndexedDB yet refuse to open it or to store a CryptoKey.
      return this.unavailable(
        `the key could not be stored (${error instanceof Error ? error.name : 'error'})`,
      );
    }
  }

  private unavailable(reason: string): null {
    if (this.config.current.dpop === 'required') {
      throw new LoginError(`the configuration requires DPoP, and ${reason}`);
    }
    console.warn(`[auth] DPoP is off for this sign-in: ${reason}. Tokens are Bearer tokens.`);
    this.events.emit('dpop-unavailable', { reason });
    return null;
  }
}
