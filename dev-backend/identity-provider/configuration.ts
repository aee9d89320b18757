/**
 * The oidc-provider configuration of the dev identity provider: one first-party public client,
 * authorization code + PKCE, rotating refresh tokens, and JWT access tokens for the resource API.
 * DPoP (RFC 9449) is on: a token request with a proof gets tokens bound to its key (and a public
 * client's refresh token too); DEMO_CLIENT_DPOP=required makes a proof mandatory for the app.
 */
import { randomBytes } from 'node:crypto';

import {
  errors,
  type ClientMetadata,
  type Configuration,
  type JWK,
  type KoaContextWithOIDC,
} from 'oidc-provider';

import { readDpopSettings, type DpopSettings } from '../settings.ts';
import { accountName, findAccount } from './accounts.ts';
import { BENCH_CLIENT_IDS, benchClients } from './bench-clients.ts';
import { withBffClient } from './bff-client.ts';
import { logoutConfirmation } from './logout-confirmation.ts';
import { withConfigurationQuirks, type ProviderQuirks } from './provider-quirks.ts';
import {
  ACR_ONE_TIME_CODE,
  ACR_PASSWORD,
  authenticationClaims,
  stepUpInteractionPolicy,
} from './step-up.ts';
import { memoryStorage } from './storage.ts';
import { errorPage, postLogoutPage } from './views.ts';

/** The app's client id (demo contract). */
export const DEMO_CLIENT_ID = 'demo-spa';

/** The resource API's scope for the app's routes; the app must request it to use the API. */
export const API_SCOPE = 'api';

/**
 * The API's second scope, for `GET /api/audit-log` only. The app does not request it, so its
 * tokens get 403 insufficient_scope there; a client that asks for it is granted it.
 */
export const AUDIT_SCOPE = 'audit';

/** Where oidc-provider sends the user for sign-in; served by `interactions.ts`. */
export const INTERACTION_PATH_PREFIX = '/interaction/';

export interface ProviderConfigurationOptions {
  readonly appOrigin: string;
  readonly apiAudience: string;
  /** Seconds. */
  readonly accessTokenTtl: number;
  /** Seconds, counted from sign-in. */
  readonly refreshTokenTtl: number;
  /** Private RS256 JWK that signs ID tokens and access tokens. */
  readonly signingKey: JWK;
  /** Keys for oidc-provider's signed cookies. */
  readonly cookieKeys: readonly string[];
  /** The DPoP switches; default: read from the environment (DEMO_CLIENT_DPOP, IDP_DPOP_NONCE). */
  readonly dpop?: DpopSettings;
  /** Dev-only switches that imitate other providers (provider-quirks.ts); default: none. */
  readonly quirks?: ProviderQuirks;
}

/** The one DPoP proof algorithm, also the only one the resource API accepts. */
const DPOP_SIGNING_ALGORITHMS = ['ES256'] as const;

/** oidc-provider's default, spelled out: the storage keeps entries this long past expiry too. */
const CLOCK_TOLERANCE_SECONDS = 15;

/** Clients the app's origin may call the token and revocation endpoints for, from a browser. */
const BROWSER_CLIENT_IDS: ReadonlySet<string> = new Set([DEMO_CLIENT_ID, ...BENCH_CLIENT_IDS]);

/** Builds the configuration passed to `new Provider(issuer, configuration)`. */
export function buildConfiguration(options: ProviderConfigurationOptions): Configuration {
  const { appOrigin, apiAudience, accessTokenTtl, refreshTokenTtl } = options;
  const dpop = options.dpop ?? readDpopSettings();

  const client: ClientMetadata = {
    client_id: DEMO_CLIENT_ID,
    client_name: 'Demo SPA',
    application_type: 'web',
    // A browser app cannot keep a secret: it is a public client, protected by PKCE instead.
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${appOrigin}/`],
    post_logout_redirect_uris: [`${appOrigin}/`],
    // `required`: a token request without a DPoP proof gets invalid_grant, so every token the
    // app holds is bound to its key. `optional` (default until the app sends proofs): a proof
    // binds the tokens, none gets Bearer tokens as before.
    dpop_bound_access_tokens: dpop.demoClientDpop === 'required',
  };

  const quirks = options.quirks ?? {};
  const configuration = withBffClient(
    {
      clients: [client, ...benchClients(appOrigin)],
      adapter: memoryStorage(CLOCK_TOLERANCE_SECONDS),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      findAccount,
      jwks: { keys: [options.signingKey] },
      cookies: { keys: [...options.cookieKeys] },
      responseTypes: ['code'],
      claims: {
        openid: ['sub'],
        profile: ['name', 'preferred_username'],
      },
      // There is no userinfo endpoint (see features.userinfo), so the profile claims (the user's
      // name) go into the ID token, where the app can read them without a call.
      conformIdTokenClaims: false,

      // Every client must use PKCE; oidc-provider 9 supports S256 only and rejects "plain".
      pkce: { required: () => true },

      interactions: {
        url: (_ctx, interaction) => `${INTERACTION_PATH_PREFIX}${interaction.uid}`,
        // acr_values asking for the one-time code asks the user again (step-up.ts).
        policy: stepUpInteractionPolicy(),
      },
      acrValues: [ACR_PASSWORD, ACR_ONE_TIME_CODE],

      // oidc-provider issues a refresh token only for the offline_access scope, and it drops that
      // scope from any authorization request without prompt=consent. This first-party client never
      // sees a consent screen, so it could never get one: issue it whenever the client is allowed
      // the refresh_token grant instead. (The token still ends with the provider session; see
      // `expiresWithSession` in oidc-provider, which keeps its default.)
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),

      // Rotate on every use: a refresh token is single-use, and presenting a consumed one makes
      // oidc-provider answer invalid_grant and revoke the whole grant (all of its tokens).
      rotateRefreshToken: true,

      ttl: {
        AccessToken: accessTokenTtl,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        // The grant and the session must outlive every refresh token issued under them.
        Grant: refreshTokenTtl,
        Session: refreshTokenTtl,
        RefreshToken: (ctx, _token, _client) => {
          const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
          // A rotated token inherits what is left of its predecessor's life, so rotation can never
          // keep a session alive beyond refreshTokenTtl after sign-in. Math.max only guards against
          // the clock crossing the expiry second between oidc-provider's expiry check and this call
          // (oidc-provider rejects a TTL of 0).
          return rotated ? Math.max(1, rotated.remainingTTL) : refreshTokenTtl;
        },
      },

      loadExistingGrant: (ctx) => loadFirstPartyGrant(ctx, refreshTokenTtl),

      extraTokenClaims: (ctx, token) => {
        // The API's GET /api/me returns the user's name, and it only sees the access token; and
        // GET /api/payments needs the authentication's level and time (step-up.ts).
        const accountId = 'accountId' in token ? token.accountId : undefined;
        if (!accountId) return undefined;
        const name = accountName(accountId);
        return { ...(name ? { name } : {}), ...authenticationClaims(ctx) };
      },

      // Exactly the app's origin may call the token and revocation endpoints from a browser.
      clientBasedCORS: (_ctx, origin, corsClient) =>
        origin === appOrigin && BROWSER_CLIENT_IDS.has(corsClient.clientId),

      // Discovery's dpop_signing_alg_values_supported: what the resource API accepts too, so a
      // client never gets tokens bound to a key the API cannot check.
      enabledJWA: { dPoPSigningAlgValues: [...DPOP_SIGNING_ALGORITHMS] },

      renderError: (ctx, out) => {
        ctx.type = 'html';
        ctx.body = errorPage(
          'Something went wrong',
          [out.error, out.error_description].filter(Boolean).join(': '),
          appOrigin,
        );
      },

      features: {
        dPoP: {
          enabled: true,
          // With a nonce secret, a proof whose iat is off by more than five minutes (a device with
          // a wrong clock) gets use_dpop_nonce and a DPoP-Nonce to retry with, instead of
          // invalid_dpop_proof. Random per process: a restart only costs clients one more retry.
          nonceSecret: randomBytes(32),
          // IDP_DPOP_NONCE=required: every proof must carry the provider's nonce.
          requireNonce: () => dpop.idpDpopNonce === 'required',
        },
        // The provider's own login pages live in interactions.ts.
        devInteractions: { enabled: false },
        // Every access token is a JWT for the API, which the userinfo endpoint cannot accept, so
        // it is not offered at all; the user's claims are in the ID token and at GET /api/me.
        userinfo: { enabled: false },
        revocation: {
          enabled: true,
          // A client may revoke only its own tokens; for anyone else's the answer is a silent 200
          // (RFC 7009 does not let a public client learn whether a token exists).
          allowedPolicy: (_ctx, revokingClient, token) =>
            token.clientId === revokingClient.clientId,
        },
        rpInitiatedLogout: {
          enabled: true,
          // Confirms by itself only for an id_token_hint of the signed-in account (see the file).
          logoutSource: logoutConfirmation(appOrigin),
          postLogoutSuccessSource: (ctx) => {
            ctx.type = 'html';
            ctx.body = postLogoutPage(appOrigin);
          },
        },
        resourceIndicators: {
          enabled: true,
          // The app sends no `resource` parameter: every authorization is for the API.
          defaultResource: () => apiAudience,
          // Use the granted API resource at the token endpoint although the app sends no
          // `resource` there. Needed whenever the userinfo endpoint is enabled: oidc-provider then
          // answers code exchanges and refreshes (scope openid) with an opaque userinfo token.
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator) => {
            if (resourceIndicator !== apiAudience) {
              throw new errors.InvalidTarget('the only resource is the demo API');
            }
            return {
              scope: `${API_SCOPE} ${AUDIT_SCOPE}`,
              audience: apiAudience,
              accessTokenTTL: accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
    },
    appOrigin,
    quirks,
  );
  return withConfigurationQuirks(configuration, quirks);
}

/**
 * Skips the consent screen for the first-party client (oidc-provider's "skip consent" recipe):
 * the grant simply receives whatever the authorization request asks for, OIDC scopes, claims and
 * API scopes alike, so the consent prompt never finds anything missing.
 */
async function loadFirstPartyGrant(ctx: KoaContextWithOIDC, refreshTokenTtl: number) {
  const { oidc } = ctx;
  const clientId = oidc.client?.clientId;
  const accountId = oidc.session?.accountId;
  if (!clientId || !accountId) {
    return undefined;
  }

  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
  // The id in the session can outlive its grant (revoked on refresh token replay, by the
  // revocation endpoint, or expired): start a new grant then.
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const grant = existing ?? new oidc.provider.Grant({ accountId, clientId });

  grant.addOIDCScope(oidc.requestParamOIDCScopes);
  if (oidc.requestParamClaims.size > 0) {
    grant.addOIDCClaims(oidc.requestParamClaims);
  }
  for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers ?? {})) {
    const scopes = [...oidc.requestParamScopes].filter((scope) => resourceServer.scopes.has(scope));
    if (scopes.length > 0) {
      grant.addResourceScope(indicator, scopes);
    }
  }
  // A new sign-in issues a refresh token good for refreshTokenTtl; the grant must not end first.
  grant.exp = Math.floor(Date.now() / 1000) + refreshTokenTtl;
  await grant.save();
  return grant;
}
