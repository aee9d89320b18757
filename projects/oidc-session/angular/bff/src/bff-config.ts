import {
  ɵAuthConfigStore as AuthConfigStore,
  ModeConfigRules,
  ɵoptionalPath as optionalPath,
  ɵrequireApis as requireApis,
  SharedAuthConfig,
} from '@oidc-session/angular';

/**
 * BFF mode's configuration: the browser only needs where the BFF and the proxied API are on this
 * origin. The provider, client and scope are the BFF's (confidential client) settings.
 */
export interface BffAuthConfig extends SharedAuthConfig {
  readonly mode: 'bff';
  /** The path under which the BFF answers on this origin (default `/bff`). */
  readonly bffPath: string;
}

/** Naming a provider setting here would suggest the browser uses it: each is refused. */
const PROVIDER_SETTING =
  'belongs to the BFF\'s configuration in "mode": "bff" (the browser never talks to the provider)';

export const BFF_CONFIG_RULES: ModeConfigRules = {
  name: 'bff',
  fields: ['bffPath'],
  refusedFields: Object.fromEntries(
    [
      'dpop',
      'issuer',
      'clientId',
      'scope',
      'redirectPath',
      'storage',
      'authorizeParams',
      'strictDiscovery',
    ].map((field) => [field, PROVIDER_SETTING]),
  ),
  validate: (raw, shared): BffAuthConfig => ({
    ...shared,
    mode: 'bff',
    bffPath:
      raw['bffPath'] === undefined ? '/bff' : optionalPath(raw, 'bffPath').replace(/\/$/, ''),
    apis:
      raw['apis'] === undefined
        ? [{ origin: globalThis.location?.origin ?? 'http://localhost', pathPrefix: '/api' }]
        : requireApis(raw),
  }),
};

/** BFF mode runs only with a configuration that its own rules above have validated. */
export function bffConfig(store: AuthConfigStore): BffAuthConfig {
  return store.current as BffAuthConfig;
}
