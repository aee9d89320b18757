import { InjectionToken } from '@angular/core';

import { AuthConfigError } from '../auth-errors';
import { closestName } from './closest-name';
import { ApiLocation } from './api-allowlist';
import { isRecord, optionalLeeway, optionalPath } from './config-fields';

/**
 * The part of the validated runtime configuration (`auth.config.json`) that every mode has. Each
 * mode adds its own fields (see `BrowserAuthConfig`, `BffAuthConfig`); the whole configuration is
 * a union discriminated by `mode`.
 */
export interface SharedAuthConfig {
  /** The mode that runs: one of those the app declared (`withBrowserMode()`, `withBffMode()`). */
  readonly mode: string;
  readonly apis: readonly ApiLocation[];
  /** Path of the post-logout redirect URI on the app's origin. */
  readonly postLogoutPath: string;
  /** Refresh this many seconds before expiry; null = a quarter of the lifetime, at most 30 s. */
  readonly leewaySeconds: number | null;
}

/** The fields every mode shares, checked here; `apis` is the mode's (BFF mode has a default). */
const SHARED_FIELDS = ['mode', 'apis', 'postLogoutPath', 'leewaySeconds'] as const;

/**
 * A mode's part of the configuration: which fields it reads, which it refuses with a reason of its
 * own (BFF mode: the provider settings, which belong to the BFF's server configuration), and the
 * check that turns the file into the mode's typed configuration.
 */
export interface ModeConfigRules {
  /** The value of `"mode"` that selects this mode. */
  readonly name: string;
  readonly fields: readonly string[];
  readonly refusedFields?: Readonly<Record<string, string>>;
  validate(raw: Record<string, unknown>, shared: SharedAuthConfig): SharedAuthConfig;
}

/** Where the configuration comes from: a URL fetched at start-up, or a literal object. */
export type AuthConfigSource = { readonly url: string } | { readonly config: unknown };

export const AUTH_CONFIG_SOURCE = new InjectionToken<AuthConfigSource>('AUTH_CONFIG_SOURCE');

/**
 * Checks a parsed configuration file against the modes the app declared and fills in defaults.
 * `"mode"` may be left out: it is then the first declared mode.
 * @throws AuthConfigError naming the first offending field.
 */
export function validateConfigFor(
  raw: unknown,
  modes: readonly ModeConfigRules[],
): SharedAuthConfig {
  if (!isRecord(raw)) throw new AuthConfigError('(file)', 'must be a JSON object');
  if (modes.length === 0) {
    throw new AuthConfigError(
      'mode',
      'no mode is declared: add withBrowserMode() or withBffMode() to provideAuth(...)',
    );
  }
  const mode = chooseMode(raw['mode'], modes);
  for (const key of Object.keys(raw)) checkField(key, mode, modes);
  const shared: SharedAuthConfig = {
    mode: mode.name,
    apis: [],
    postLogoutPath: optionalPath(raw, 'postLogoutPath'),
    leewaySeconds: optionalLeeway(raw),
  };
  return mode.validate(raw, shared);
}

function chooseMode(value: unknown, modes: readonly ModeConfigRules[]): ModeConfigRules {
  if (value === undefined) return modes[0];
  const mode = modes.find((declared) => declared.name === value);
  if (mode) return mode;
  const names = modes.map((declared) => `"${declared.name}"`).join(' or ');
  throw new AuthConfigError(
    'mode',
    `must be ${names}, the mode${modes.length > 1 ? 's' : ''} this app declares in provideAuth(...)` +
      (typeof value === 'string' ? ` (to run "${value}", declare it there too)` : ''),
  );
}

function checkField(key: string, mode: ModeConfigRules, modes: readonly ModeConfigRules[]): void {
  if ((SHARED_FIELDS as readonly string[]).includes(key) || mode.fields.includes(key)) return;
  const refused = mode.refusedFields?.[key];
  if (refused) throw new AuthConfigError(key, refused);
  const other = modes.find((declared) => declared.fields.includes(key));
  if (other) throw new AuthConfigError(key, `applies only with "mode": "${other.name}"`);
  const known = [...SHARED_FIELDS, ...modes.flatMap((declared) => declared.fields)];
  const guess = closestName(key, known);
  throw new AuthConfigError(
    key,
    `is not a known setting${guess ? ` (did you mean "${guess}"?)` : ''}`,
  );
}
