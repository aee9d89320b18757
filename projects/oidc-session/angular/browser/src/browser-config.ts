import {
  AuthConfigError,
  ɵAuthConfigStore as AuthConfigStore,
  ɵisRecord as isRecord,
  ModeConfigRules,
  ɵoptionalBoolean as optionalBoolean,
  ɵoptionalPath as optionalPath,
  ɵrequireApis as requireApis,
  ɵrequireNonEmptyString as requireNonEmptyString,
  ɵrequireUrl as requireUrl,
  SharedAuthConfig,
  TokenStorageMode,
} from '@oidc-session/angular';

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
}

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

/** Browser mode runs only with a configuration that its own rules above have validated. */
export function browserConfig(store: AuthConfigStore): BrowserAuthConfig {
  return store.current as BrowserAuthConfig;
}

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
