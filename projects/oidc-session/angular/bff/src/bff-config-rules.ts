import type { ModeConfigRules } from '@oidc-session/angular';

import { BffAuthConfig } from './bff-config';

/** Naming a provider setting here would suggest the browser uses it: each is refused. */
const PROVIDER_SETTING =
  'belongs to the BFF\'s configuration in "mode": "bff" (the browser never talks to the provider)';

/** The BFF ends its sessions; the app learns when from it. */
const SESSION_LIFETIME =
  'is the BFF\'s in "mode": "bff" (SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_LIFETIME); the app learns both from it';

/** BFF mode's part of auth.config.json: its fields and how each is checked. */
export const BFF_CONFIG_RULES: ModeConfigRules = {
  name: 'bff',
  fields: ['bffPath'],
  refusedFields: {
    ...Object.fromEntries(
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
    idleTimeoutSeconds: SESSION_LIFETIME,
    maxSessionSeconds: SESSION_LIFETIME,
  },
  validate: (raw, shared, check): BffAuthConfig => ({
    ...shared,
    mode: 'bff',
    bffPath:
      raw['bffPath'] === undefined ? '/bff' : check.optionalPath(raw, 'bffPath').replace(/\/$/, ''),
    apis:
      raw['apis'] === undefined
        ? [{ origin: globalThis.location?.origin ?? 'http://localhost', pathPrefix: '/api' }]
        : check.requireApis(raw),
  }),
};
