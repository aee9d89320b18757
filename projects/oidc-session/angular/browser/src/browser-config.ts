import type { SharedAuthConfig } from '@oidc-session/angular';
import type { TokenStorageMode } from '@oidc-session/angular';

/**
 * DPoP-bound tokens (RFC 9449): `auto` when the provider advertises ES256 proofs, `off` never,
 * `required` always (sign-in is refused where the provider or the browser cannot do it).
 */
export type DpopSetting = 'auto' | 'off' | 'required';

/** Browser mode's configuration: the tab talks to the provider itself. */
export interface BrowserAuthConfig extends SharedAuthConfig {
  readonly mode: 'browser';
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  /** Path of the redirect URI on the app's origin. */
  readonly redirectPath: string;
  readonly storage: TokenStorageMode;
  /** Extra authorization request parameters, e.g. Auth0's `audience`. */
  readonly authorizeParams: Readonly<Record<string, string>>;
  /** Require every discovery endpoint to live under the issuer URL (false for Entra ID). */
  readonly strictDiscovery: boolean;
  /** Whether tokens are bound to a key of this browser (default `auto`); see {@link DpopSetting}. */
  readonly dpop: DpopSetting;
  /** The session ends after this many seconds without activity in any tab; null: never idle. */
  readonly idleTimeoutSeconds: number | null;
  /**
   * The session ends this many seconds after sign-in whatever happens, unless the provider says
   * sooner (`refresh_expires_in`); null: only the provider's word.
   */
  readonly maxSessionSeconds: number | null;
}

/** Browser mode runs only with a configuration that its own rules (browser-config-rules.ts) validated. */
export function browserConfig(store: { readonly current: SharedAuthConfig }): BrowserAuthConfig {
  return store.current as BrowserAuthConfig;
}
