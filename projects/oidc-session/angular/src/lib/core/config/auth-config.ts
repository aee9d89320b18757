import { AuthConfigError } from '../auth-errors';
import { closestName } from './closest-name';
import * as fields from './config-fields';
import { ConfigFieldChecks, ModeConfigRules, SharedAuthConfig } from './config-types';

const FIELD_CHECKS: ConfigFieldChecks = {
  requireNonEmptyString: fields.requireNonEmptyString,
  requireUrl: fields.requireUrl,
  requireApis: fields.requireApis,
  optionalPath: fields.optionalPath,
  optionalBoolean: fields.optionalBoolean,
  optionalSeconds: fields.optionalSeconds,
  isRecord: fields.isRecord,
  refuse: (field, problem) => new AuthConfigError(field, problem),
};

/** The fields every mode shares, checked here; `apis` is the mode's (BFF mode has a default). */
const SHARED_FIELDS = [
  'mode',
  'apis',
  'postLogoutPath',
  'leewaySeconds',
  'stepUp',
  'sessionWarningSeconds',
] as const;

/**
 * Checks a parsed configuration file against the modes the app declared and fills in defaults.
 * `"mode"` may be left out: it is then the first declared mode.
 * @throws AuthConfigError naming the first offending field.
 */
export function validateConfigFor(
  raw: unknown,
  modes: readonly ModeConfigRules[],
): SharedAuthConfig {
  if (!fields.isRecord(raw)) throw new AuthConfigError('(file)', 'must be a JSON object');
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
    postLogoutPath: fields.optionalPath(raw, 'postLogoutPath'),
    leewaySeconds: fields.optionalLeeway(raw),
    stepUp: fields.optionalStepUp(raw),
    sessionWarningSeconds: fields.optionalSeconds(raw, 'sessionWarningSeconds', 60, 1, 3600),
  };
  return mode.validate(raw, shared, FIELD_CHECKS);
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
