import type { SharedAuthConfig } from '@oidc-session/angular';

/**
 * BFF mode's configuration: the browser only needs where the BFF and the proxied API are on this
 * origin. The provider, client and scope are the BFF's (confidential client) settings.
 */
export interface BffAuthConfig extends SharedAuthConfig {
  readonly mode: 'bff';
  /** The path under which the BFF answers on this origin (default `/bff`). */
  readonly bffPath: string;
}

/** BFF mode runs only with a configuration that its own rules (bff-config-rules.ts) validated. */
export function bffConfig(store: { readonly current: SharedAuthConfig }): BffAuthConfig {
  return store.current as BffAuthConfig;
}
