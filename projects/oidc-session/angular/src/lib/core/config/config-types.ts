// The configuration's types, with no imports: every part of the session layer reads them.

/** One place the access token may be sent: an exact origin and whole leading path segments. */
export interface ApiLocation {
  /** `https://api.example.com` (scheme, host and port only). */
  readonly origin: string;
  /** `/v1` matches `/v1` and `/v1/...` but never `/v1x`. `/` matches the whole origin. */
  readonly pathPrefix: string;
}

/**
 * Where the session is kept between page loads of a tab: `session` (sessionStorage) or `memory`.
 * Never `localStorage`: see docs/security.md.
 */
export type TokenStorageMode = 'session' | 'memory';

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
  /** What an API's RFC 9470 step-up challenge starts: see {@link StepUpMode}. Default `manual`. */
  readonly stepUp: StepUpMode;
  /** How long before the session's end the app warns (the `session-ending` event). Default 60. */
  readonly sessionWarningSeconds: number;
}

/**
 * `manual`: the request fails with StepUpRequiredError and the page offers the stronger sign-in
 * (`AuthService.stepUp`). `automatic`: the page leaves for it at once, back to where it was (never
 * twice in a row for the same challenge: a provider that cannot give what the API asks for would
 * otherwise send the user round in a loop).
 */
export type StepUpMode = 'manual' | 'automatic';

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
  /** `check`: the core's field checks, handed in so a mode's rules import none of the core. */
  validate(
    raw: Record<string, unknown>,
    shared: SharedAuthConfig,
    check: ConfigFieldChecks,
  ): SharedAuthConfig;
}

/** Where the configuration comes from: a URL fetched at start-up, or a literal object. */
export type AuthConfigSource = { readonly url: string } | { readonly config: unknown };

/** The field checks of the core's configuration rules; each throws an AuthConfigError naming the field. */
export interface ConfigFieldChecks {
  requireNonEmptyString(raw: Record<string, unknown>, field: string): string;
  requireUrl(raw: Record<string, unknown>, field: string, opts: { allowPath: boolean }): string;
  requireApis(raw: Record<string, unknown>): ApiLocation[];
  optionalPath(raw: Record<string, unknown>, field: string): string;
  optionalBoolean(raw: Record<string, unknown>, field: string, fallback: boolean): boolean;
  /** A whole number of seconds from `min` to `max`, or `fallback` when the field is absent. */
  optionalSeconds(
    raw: Record<string, unknown>,
    field: string,
    fallback: number,
    min: number,
    max: number,
  ): number;
  isRecord(value: unknown): value is Record<string, unknown>;
  /** An AuthConfigError for `field` (for a mode's own checks). */
  refuse(field: string, problem: string): Error;
}
