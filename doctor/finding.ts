/**
 * What the provider doctor reports: one finding per check, with a stable id so that the app's
 * sign-in diagnosis (projects/oidc-session/angular/src/lib/diagnostics/sign-in-diagnosis.ts) can name the check to run.
 */

/** Checks answered from discovery and from requests that need no user. */
export type CheckId =
  | 'discovery'
  | 'issuer-match'
  | 'strict-discovery'
  | 'code-flow'
  | 'pkce-s256'
  | 'id-token-alg'
  | 'revocation'
  | 'end-session'
  | 'offline-access'
  | 'discovery-cors'
  | 'token-cors'
  | 'public-client'
  | 'revocation-cors'
  | 'redirect-uri'
  | 'authorization-request'
  | 'api-keys'
  | 'client-auth'
  | 'post-logout-uri'
  | 'backchannel-logout';

/** What discovery cannot show: the client's own settings, listed as "check at the provider". */
export type ProviderSettingId =
  | 'client-id-token-alg'
  | 'access-token-format'
  | 'refresh-tokens'
  | 'refresh-rotation'
  | 'consent'
  | 'post-logout-redirect';

/**
 * `ok`: works. `info`: works, with something worth knowing. `warn`: sign-in works but something
 * else does not (sign-out, refresh, the API), or the doctor could not tell and says what to look
 * at. `fail`: proved broken, sign-in cannot work. "Cannot tell" is never a `fail`.
 */
export type Status = 'ok' | 'info' | 'warn' | 'fail';

export interface Finding {
  readonly id: CheckId;
  readonly status: Status;
  /** What was found, one or two sentences. */
  readonly detail: string;
  /** What to change (at the provider unless said otherwise); absent when nothing needs to change. */
  readonly fix?: string;
}

export interface ProviderSetting {
  readonly id: ProviderSettingId;
  /** What to make sure of. */
  readonly what: string;
  /** Where to look, for the provider recognised from the issuer, or for all known ones. */
  readonly where: string;
}

/** What the doctor reads: the app's runtime configuration (public/auth.config.json fields). */
export interface DoctorConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly redirectPath?: string;
  readonly postLogoutPath?: string;
  readonly strictDiscovery?: boolean;
  readonly authorizeParams?: Readonly<Record<string, string>>;
}

/** BFF mode (`AUTH_MODE=bff npm run doctor`): the confidential client the BFF signs in with. */
export interface BffClientConfig {
  readonly clientSecret: string;
  /** OIDC_CLIENT_AUTH, when set; else the BFF chooses from discovery (bff/client-auth.ts). */
  readonly clientAuth?: 'client_secret_basic' | 'client_secret_post';
  /** Where the BFF's callback is, on the app origin. */
  readonly callbackPath: string;
}

export interface DoctorReport {
  readonly findings: readonly Finding[];
  readonly atProvider: readonly ProviderSetting[];
  /** False when any finding is `fail`. */
  readonly signInCanWork: boolean;
}

/** A check's short title, for the printed report. */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  discovery: 'discovery document',
  'issuer-match': 'issuer matches exactly',
  'strict-discovery': 'endpoints under the issuer (strictDiscovery)',
  'code-flow': 'authorization code flow',
  'pkce-s256': 'PKCE with S256',
  'id-token-alg': 'asymmetric ID-token signature',
  revocation: 'revocation endpoint',
  'end-session': 'end-session endpoint',
  'offline-access': 'offline_access scope',
  'discovery-cors': "discovery allows the app's origin (CORS)",
  'token-cors': "token endpoint allows the app's origin (CORS)",
  'public-client': 'public client at the token endpoint',
  'revocation-cors': "revocation endpoint allows the app's origin (CORS)",
  'redirect-uri': 'redirect URI registered',
  'authorization-request': 'authorization request accepted (client, scopes)',
  'api-keys': 'signing keys for the dev API (jwks_uri)',
  'client-auth': "the BFF's client authenticates at the token endpoint",
  'post-logout-uri': 'post-logout redirect URI accepted',
  'backchannel-logout': 'back-channel logout',
};
