/**
 * What discovery cannot show: the client's own settings. Listed as "check at the provider", with
 * where to look for the provider recognised from the issuer (docs/providers.md has the sources).
 */
import type { ProviderSetting, ProviderSettingId } from './finding.ts';

type KnownProvider = 'keycloak' | 'auth0' | 'fusionauth' | 'okta' | 'entra';

const NAMES: Readonly<Record<KnownProvider, string>> = {
  keycloak: 'Keycloak',
  auth0: 'Auth0',
  fusionauth: 'FusionAuth',
  okta: 'Okta',
  entra: 'Entra ID',
};

/** docs/providers.md section per provider. */
const SECTIONS: Readonly<Record<KnownProvider, string>> = {
  keycloak: '§3',
  auth0: '§4',
  fusionauth: '§5',
  okta: '§6',
  entra: '§7',
};

const WHAT: Readonly<Record<ProviderSettingId, string>> = {
  'client-id-token-alg':
    "the client's ID tokens are signed with RS256 (or another asymmetric algorithm), not HS256",
  'access-token-format':
    'access tokens for your API are JWTs (not opaque) whose aud is the audience the API expects (OIDC_AUDIENCE)',
  'refresh-tokens': 'refresh tokens are issued to this client',
  'refresh-rotation':
    'refresh tokens rotate (recommended, not required: without rotation a stolen refresh token stays usable until it expires)',
  consent: 'the consent screen is off or pre-granted for this first-party app',
  'post-logout-redirect': 'the post-logout redirect URI is registered',
};

/** Where to look, per provider, for each setting (menu names as in docs/providers.md). */
const WHERE: Readonly<Record<KnownProvider, Readonly<Record<ProviderSettingId, string>>>> = {
  keycloak: {
    'client-id-token-alg':
      'Client, Advanced, Fine grain OpenID Connect configuration, ID token signature algorithm',
    'access-token-format': 'JWTs by default; add the API with an Audience mapper on a client scope',
    'refresh-tokens': 'issued by default (no offline_access needed)',
    'refresh-rotation':
      'Realm settings, Tokens, Revoke Refresh Token (off by default), Refresh Token Max Reuse 0',
    consent: 'Client settings, Consent required off',
    'post-logout-redirect': 'Client settings, Valid post logout redirect URIs',
  },
  auth0: {
    'client-id-token-alg':
      'Application, Settings, Advanced, OAuth, JSON Web Token signature algorithm RS256',
    'access-token-format':
      'register the API under Applications, APIs and send its Identifier as audience (without it tokens are opaque)',
    'refresh-tokens':
      'offline_access, Allow Offline Access on the API, rotation on (browsers get none without it)',
    'refresh-rotation': 'Application, Settings, Refresh Token Rotation',
    consent:
      'first-party applications skip consent (Applications, APIs, Allow Skipping User Consent)',
    'post-logout-redirect': 'Application, Settings, Allowed Logout URLs',
  },
  fusionauth: {
    'client-id-token-alg':
      'Application, JWT tab, ID token signing key: pick an RSA or EC key (the default key is HMAC)',
    'access-token-format': 'access tokens are JWTs; aud is the client id unless you use resource',
    'refresh-tokens': 'Application, OAuth, Generate refresh tokens, plus offline_access',
    'refresh-rotation': 'Tenant, JWT, Refresh token usage = One-time use',
    consent: 'no consent screen for first-party applications',
    'post-logout-redirect': 'Application, OAuth, Authorized redirect URLs',
  },
  okta: {
    'client-id-token-alg': 'RS256 always',
    'access-token-format':
      'use a custom authorization server (the org server issues tokens only Okta can validate)',
    'refresh-tokens':
      'Refresh Token grant on the app, offline_access, an access policy rule allowing it',
    'refresh-rotation': 'General Settings, Refresh Token, Rotate token after every use',
    consent: 'Application, General, User consent off',
    'post-logout-redirect': 'General Settings, Sign-out redirect URIs',
  },
  entra: {
    'client-id-token-alg': 'RS256 always',
    'access-token-format':
      'Expose an API on the API registration, v2 tokens; request only its scope (Graph tokens are not for you)',
    'refresh-tokens': 'request offline_access; SPA refresh tokens last 24 hours',
    'refresh-rotation': 'always rotates (old tokens stay valid)',
    consent: 'API permissions, Grant admin consent',
    'post-logout-redirect': 'Authentication, an SPA redirect URI equal to the post-logout URI',
  },
};

/** Recognises the five providers of docs/providers.md from the issuer URL. */
export function recogniseProvider(issuer: string): KnownProvider | undefined {
  const { hostname, pathname } = new URL(issuer);
  if (pathname.startsWith('/realms/') || pathname.includes('/auth/realms/')) return 'keycloak';
  if (/\.auth0\.com$/.test(hostname)) return 'auth0';
  if (/\.(okta|oktapreview|okta-emea)\.com$/.test(hostname)) return 'okta';
  if (hostname === 'login.microsoftonline.com') return 'entra';
  if (/fusionauth/.test(hostname)) return 'fusionauth';
  return undefined;
}

/** The "check at the provider" list for this issuer. */
export function providerSettings(issuer: string): ProviderSetting[] {
  const known = recogniseProvider(issuer);
  return (Object.keys(WHAT) as ProviderSettingId[]).map((id) => ({
    id,
    what: WHAT[id],
    where: known
      ? `${NAMES[known]}: ${WHERE[known][id]} (docs/providers.md ${SECTIONS[known]})`
      : 'docs/providers.md §3-7 (Keycloak, Auth0, FusionAuth, Okta, Entra ID)',
  }));
}
