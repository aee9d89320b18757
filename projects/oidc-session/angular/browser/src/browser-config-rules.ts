import type { ConfigFieldChecks, ModeConfigRules, TokenStorageMode } from '@oidc-session/angular';

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
    'idleTimeoutSeconds',
    'maxSessionSeconds',
  ],
  validate: (raw, shared, check): BrowserAuthConfig => ({
    ...shared,
    mode: 'browser',
    issuer: check.requireUrl(raw, 'issuer', { allowPath: true }),
    clientId: check.requireNonEmptyString(raw, 'clientId'),
    scope: requireScope(raw, check),
    apis: check.requireApis(raw),
    redirectPath: check.optionalPath(raw, 'redirectPath'),
    storage: optionalStorage(raw, check),
    authorizeParams: optionalAuthorizeParams(raw, check),
    strictDiscovery: check.optionalBoolean(raw, 'strictDiscovery', true),
    dpop: optionalDpop(raw, check),
    idleTimeoutSeconds: optionalDuration(raw, check, 'idleTimeoutSeconds'),
    maxSessionSeconds: optionalDuration(raw, check, 'maxSessionSeconds'),
  }),
};

function requireScope(raw: Record<string, unknown>, check: ConfigFieldChecks): string {
  const scope = check.requireNonEmptyString(raw, 'scope');
  if (!scope.split(/\s+/).includes('openid')) {
    throw check.refuse('scope', 'must include "openid"');
  }
  return scope;
}

function optionalStorage(raw: Record<string, unknown>, check: ConfigFieldChecks): TokenStorageMode {
  const value = raw['storage'] ?? 'session';
  if (value !== 'session' && value !== 'memory') {
    throw check.refuse('storage', 'must be "session" or "memory"');
  }
  return value;
}

function optionalDpop(raw: Record<string, unknown>, check: ConfigFieldChecks): DpopSetting {
  const value = raw['dpop'] ?? 'auto';
  if (value !== 'auto' && value !== 'off' && value !== 'required') {
    throw check.refuse('dpop', 'must be "auto", "off" or "required"');
  }
  return value;
}

function optionalAuthorizeParams(
  raw: Record<string, unknown>,
  check: ConfigFieldChecks,
): Record<string, string> {
  const value = raw['authorizeParams'] ?? {};
  if (!check.isRecord(value)) throw check.refuse('authorizeParams', 'must be an object of strings');
  for (const [key, param] of Object.entries(value)) {
    if (typeof param !== 'string') {
      throw check.refuse(`authorizeParams.${key}`, 'must be a string');
    }
    if (RESERVED_AUTHORIZE_PARAMS.has(key)) {
      throw check.refuse(`authorizeParams.${key}`, 'is set by the sign-in flow itself');
    }
  }
  return { ...(value as Record<string, string>) };
}

/** Seconds, at least 5 (a test's idle timeout) and at most a year; null when absent. */
function optionalDuration(
  raw: Record<string, unknown>,
  check: ConfigFieldChecks,
  field: string,
): number | null {
  return raw[field] === undefined || raw[field] === null
    ? null
    : check.optionalSeconds(raw, field, 0, 5, 31_536_000);
}
