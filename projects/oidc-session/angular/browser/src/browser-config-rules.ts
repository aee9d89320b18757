import {
  AuthConfigError,
  ɵisRecord as isRecord,
  ModeConfigRules,
  ɵoptionalBoolean as optionalBoolean,
  ɵoptionalPath as optionalPath,
  ɵrequireApis as requireApis,
  ɵrequireNonEmptyString as requireNonEmptyString,
  ɵrequireUrl as requireUrl,
  TokenStorageMode,
} from '@oidc-session/angular';

import { BrowserAuthConfig, DpopSetting } from './browser-config';

/** Parameters the sign-in request sets itself; overriding them would break the flow. */
const RESERVED_AUTHORIZE_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/** Browser mode's part of auth.config.json: its fields and how each is checked. */
export const BROWSER_CONFIG_RULES: ModeConfigRules = {
  name: 'browser',
  fields: [
    'issuer',
    'clientId',
    'scope',
    'redirectPath',
    'storage',
    'authorizeParams',
    'strictDiscovery',
    'dpop',
  ],
  validate: (raw, shared): BrowserAuthConfig => ({
    ...shared,
    mode: 'browser',
    issuer: requireUrl(raw, 'issuer', { allowPath: true }),
    clientId: requireNonEmptyString(raw, 'clientId'),
    scope: requireScope(raw),
    apis: requireApis(raw),
    redirectPath: optionalPath(raw, 'redirectPath'),
    storage: optionalStorage(raw),
    authorizeParams: optionalAuthorizeParams(raw),
    strictDiscovery: optionalBoolean(raw, 'strictDiscovery', true),
    dpop: optionalDpop(raw),
  }),
};

function requireScope(raw: Record<string, unknown>): string {
  const scope = requireNonEmptyString(raw, 'scope');
  if (!scope.split(/\s+/).includes('openid')) {
    throw new AuthConfigError('scope', 'must include "openid"');
  }
  return scope;
}

function optionalStorage(raw: Record<string, unknown>): TokenStorageMode {
  const value = raw['storage'] ?? 'session';
  if (value !== 'session' && value !== 'memory') {
    throw new AuthConfigError('storage', 'must be "session" or "memory"');
  }
  return value;
}

function optionalDpop(raw: Record<string, unknown>): DpopSetting {
  const value = raw['dpop'] ?? 'auto';
  if (value !== 'auto' && value !== 'off' && value !== 'required') {
    throw new AuthConfigError('dpop', 'must be "auto", "off" or "required"');
  }
  return value;
}

function optionalAuthorizeParams(raw: Record<string, unknown>): Record<string, string> {
  const value = raw['authorizeParams'] ?? {};
  if (!isRecord(value))
    throw new AuthConfigError('authorizeParams', 'must be an object of strings');
  for (const [key, param] of Object.entries(value)) {
    if (typeof param !== 'string') {
      throw new AuthConfigError(`authorizeParams.${key}`, 'must be a string');
    }
    if (RESERVED_AUTHORIZE_PARAMS.has(key)) {
      throw new AuthConfigError(`authorizeParams.${key}`, 'is set by the sign-in flow itself');
    }
  }
  return { ...(value as Record<string, string>) };
}
