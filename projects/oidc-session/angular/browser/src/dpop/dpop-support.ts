import { Injectable, inject } from '@angular/core';

import {
  ɵAuthConfigStore as AuthConfigStore,
  ɵAuthEventLog as AuthEventLog,
  ɵKeyValueStorage as KeyValueStorage,
  LoginError,
  ɵSESSION_STORAGE as SESSION_STORAGE,
} from '@oidc-session/angular';
import { browserConfig } from '../browser-config';
import { ProviderMetadata } from '../provider/provider-endpoints';
import { ProviderMetadataStore } from '../provider/provider-metadata';
import { DPOP_KEY_STORE, DpopKey, DpopKeyStore } from './dpop-key-store';

/** The only proof algorithm the session layer makes (the one every DPoP provider supports). */
export const DPOP_ALGORITHM = 'ES256';

/** The id of this tab's sign-in attempt's key, in this tab's sessionStorage (not a secret). */
const SIGN_IN_KEY_ID = 'oidc-session.dpop.sign-in-key';

/**
 * Decides whether a sign-in binds its tokens to a DPoP key, from the configuration (`dpop`:
 * `auto`, `off` or `required`), the provider's discovery (`dpop_signing_alg_values_supported`
 * must list ES256) and the browser (IndexedDB and WebCrypto). Once a sign-in is bound, its
 * refreshes and API requests follow the token set's `token_type`, not this decision.
 *
 * The fallback rule: where the browser cannot keep a key, `auto` signs in with Bearer tokens and
 * emits a `dpop-unavailable` event; `required` refuses to sign in (LoginError).
 *
 * Each sign-in attempt has a key of its own: made before leaving for the provider, used for the
 * code exchange, and made the key every tab shares only when the session is adopted. The tab
 * remembers its attempt's key id across the trip to the provider (sessionStorage).
 */
@Injectable({ providedIn: 'root' })
export class DpopSupport {
  private readonly config = inject(AuthConfigStore);
  private readonly metadata = inject(ProviderMetadataStore);
  private readonly events = inject(AuthEventLog);
  private readonly keys: DpopKeyStore | null = inject(DPOP_KEY_STORE);
  private readonly sessionStorage: KeyValueStorage | null = inject(SESSION_STORAGE);
  /** The attempt's key id where this tab has no sessionStorage (then it lives for this page). */
  private signInKeyIdInMemory: string | null = null;

  /** Whether configuration and provider call for DPoP (the browser is not asked here). */
  wanted(metadata: ProviderMetadata): boolean {
    const setting = browserConfig(this.config).dpop;
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
   * Before the authorization request: a new key for this sign-in attempt, or null for Bearer.
   * The key every tab shares stays as it is: the attempt may be abandoned at the provider.
   * @throws LoginError when DPoP is required and cannot be had.
   */
  async prepareSignIn(): Promise<DpopKey | null> {
    return this.key((keys) => this.newSignInKey(keys));
  }

  /**
   * At the code exchange: the key to prove with (the one made for this sign-in attempt, or a
   * new one of its own if it is gone), or null for Bearer.
   * @throws LoginError when DPoP is required and cannot be had.
   */
  async codeExchangeKey(): Promise<DpopKey | null> {
    return this.key(async (keys) => {
      const id = this.signInKeyId();
      const prepared = id ? await keys.signInKey(id) : null;
      // Gone after a long stay at the provider (cleaned up as abandoned), or never remembered
      // (no sessionStorage): nothing is bound to a key before the exchange, so a new one serves.
      return prepared ?? this.newSignInKey(keys);
    });
  }

  /**
   * The sign-in completed with DPoP-bound tokens and its session is being adopted: its key
   * becomes the one every tab shares. Call it holding the refresh lock, right before the
   * session is published, so that no refresh runs between the two.
   * @throws LoginError when the attempt's key is gone or cannot be made the shared one.
   */
  async adoptSignInKey(): Promise<void> {
    const id = this.signInKeyId();
    this.forgetSignInKeyId();
    let adopted: DpopKey | null = null;
    try {
      adopted = id && this.keys ? await this.keys.adoptSignInKey(id) : null;
    } catch (error: unknown) {
      // Storage failing now: the tokens are bound to a key the tabs could not use.
      console.warn('[auth] Adopting the sign-in DPoP key failed.', describe(error));
    }
    if (!adopted) {
      throw new LoginError("the key this sign-in's tokens are bound to is gone; please try again");
    }
  }

  /** The sign-in failed: its attempt's key goes (best effort; a later attempt cleans it up). */
  abandonSignInKey(): void {
    const id = this.signInKeyId();
    this.forgetSignInKeyId();
    if (id && this.keys) this.dropBestEffort(this.keys, id);
  }

  private async newSignInKey(keys: DpopKeyStore): Promise<DpopKey> {
    const previous = this.signInKeyId();
    const key = await keys.prepareSignInKey();
    this.rememberSignInKeyId(key.id);
    // This tab's earlier attempt (left at the provider, then started again) is over.
    if (previous) this.dropBestEffort(keys, previous);
    return key;
  }

  private dropBestEffort(keys: DpopKeyStore, id: string): void {
    keys.dropSignInKey(id).catch((error: unknown) => {
      // Left behind, it is deleted as abandoned when a later sign-in prepares its key.
      console.warn('[auth] Deleting a sign-in DPoP key failed.', describe(error));
    });
  }

  private signInKeyId(): string | null {
    return this.sessionStorage?.getItem(SIGN_IN_KEY_ID) ?? this.signInKeyIdInMemory;
  }

  private rememberSignInKeyId(id: string): void {
    this.signInKeyIdInMemory = id;
    try {
      this.sessionStorage?.setItem(SIGN_IN_KEY_ID, id);
    } catch {
      // Storage full or refused: the code exchange, back from the provider, makes a new key.
    }
  }

  private forgetSignInKeyId(): void {
    this.signInKeyIdInMemory = null;
    this.sessionStorage?.removeItem(SIGN_IN_KEY_ID);
  }

  private async key(use: (keys: DpopKeyStore) => Promise<DpopKey>): Promise<DpopKey | null> {
    if (browserConfig(this.config).dpop === 'off') return null;
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
    if (browserConfig(this.config).dpop === 'required') {
      throw new LoginError(`the configuration requires DPoP, and ${reason}`);
    }
    console.warn(`[auth] DPoP is off for this sign-in: ${reason}. Tokens are Bearer tokens.`);
    this.events.emit('dpop-unavailable', { reason });
    return null;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
