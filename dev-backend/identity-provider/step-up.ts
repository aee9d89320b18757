/**
 * Authentication levels of the dev provider (demo contract, "Step-up"): `urn:demo:pwd` is the
 * password, `urn:demo:otp` the password and then a one-time code (`123456` for every demo
 * account). A client asks for one with `acr_values`; `max_age` says how old the last
 * authentication may be. oidc-provider honours `max_age` itself, but `acr_values` alone never makes
 * it ask again: the login prompt gets a check of its own for that. `acr` and `auth_time` go into
 * the JWT access tokens too, where the API reads them, also after a refresh.
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

export const ACR_PASSWORD = 'urn:demo:pwd';
export const ACR_ONE_TIME_CODE = 'urn:demo:otp';
/** The dev one-time code, for every demo account. */
export const ONE_TIME_CODE = '123456';

/** The login check's reason when only the one-time code is missing. */
export const ACR_UPGRADE_REASON = 'acr_upgrade';

/** Whether `acr_values` (space-separated, in order of preference) asks for the one-time code. */
export function asksForOneTimeCode(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_ONE_TIME_CODE);
}

/**
 * oidc-provider's default policy with one more login check: a request for the one-time code
 * level, from a session that has not reached it, asks the user again.
 */
export function stepUpInteractionPolicy(): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check(
        ACR_UPGRADE_REASON,
        'a stronger authentication is requested',
        (ctx: KoaContextWithOIDC) =>
          asksForOneTimeCode(ctx.oidc.params?.['acr_values']) &&
          ctx.oidc.session?.acr !== ACR_ONE_TIME_CODE &&
          !ctx.oidc.result?.['login']
            ? interactionPolicy.Check.REQUEST_PROMPT
            : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );
  return [...policy];
}

/**
 * `acr` and `auth_time` of the authentication behind a token being issued: from the code at the
 * code exchange, from the refresh token at a refresh (it keeps the sign-in's values).
 */
export function authenticationClaims(ctx: KoaContextWithOIDC | undefined): {
  acr?: string;
  auth_time?: number;
} {
  const source = ctx?.oidc?.entities.AuthorizationCode ?? ctx?.oidc?.entities.RefreshToken;
  if (!source) return {};
  return {
    ...(typeof source.acr === 'string' ? { acr: source.acr } : {}),
    ...(typeof source.authTime === 'number' ? { auth_time: source.authTime } : {}),
  };
}
