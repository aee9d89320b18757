import {
  ɵObtainedSession as ObtainedSession,
  SessionExpiredError,
  ɵSessionState as SessionState,
  UserClaims,
} from '@oidc-session/angular';
import { BrowserCredentials, tokensOf } from '../browser-credentials';
import { BrowserAuthConfig } from '../browser-config';
import { readRefreshExpiresIn, sessionLimits } from '../session-limits';
import { readJwtClaims } from './jwt-claims';

/** What a token response must be checked against. */
export interface TokenResponseContext {
  /** Client-clock time of receipt; `expiresAt` is computed from it. */
  readonly receivedAt: number;
  /** The token set that was refreshed: keeps the refresh token if none is returned. */
  readonly previous: SessionState;
  readonly issuer: string;
  readonly clientId: string;
  /** Whether the request carried a DPoP proof: then `token_type: DPoP` is expected too. */
  readonly proofSent?: boolean;
  /** The configuration's limits on the session (idle timeout, maximum lifetime). */
  readonly limits: Pick<BrowserAuthConfig, 'idleTimeoutSeconds' | 'maxSessionSeconds'>;
}

/**
 * Turns the body of a 200 answer from the token endpoint (refresh grant) into a token set.
 * Anything that is not a complete Bearer (or, after a DPoP proof, DPoP) token response is
 * definitive: retrying the same refresh token would at best repeat it and, with rotation, at
 * worst count as a replay.
 * @throws SessionExpiredError with reason `malformed_token_response`.
 */
export function parseRefreshResponse(
  body: string | null,
  context: TokenResponseContext,
): ObtainedSession {
  const json = parseJsonObject(body);
  const accessToken = json['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') malformed('no access_token');
  const tokenType = readTokenType(json['token_type'], context.proofSent === true);
  const expiresIn = readExpiresIn(json['expires_in']);
  const refreshToken = json['refresh_token'];
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken === '')) {
    malformed('refresh_token is not a string');
  }
  const idToken = json['id_token'];
  if (idToken !== undefined && typeof idToken !== 'string') malformed('id_token is not a string');
  const claims = idToken ? checkRefreshedIdToken(idToken, context) : context.previous.claims;
  const previous = tokensOf(context.previous);
  // RFC 6749 section 6: without a new refresh token the client keeps the one it has.
  const keptRefreshToken = (refreshToken as string | undefined) ?? previous.refreshToken;
  const credentials: BrowserCredentials = {
    accessToken,
    refreshToken: keptRefreshToken,
    idToken: (idToken as string | undefined) ?? previous.idToken,
    tokenType: tokenType === 'DPoP' ? 'DPoP' : null,
  };
  const refreshExpiresIn = readRefreshExpiresIn(json['refresh_expires_in']);
  // A refresh continues its session: where it ends moves only as the provider says (limits.ts).
  const { sessionLimit, ...limits } = sessionLimits(
    context.limits,
    {
      receivedAt: context.receivedAt,
      ...(refreshExpiresIn === undefined ? {} : { refreshExpiresIn }),
    },
    context.previous,
  );
  return {
    receivedAt: context.receivedAt,
    expiresAt: context.receivedAt + expiresIn * 1000,
    canRefresh: keptRefreshToken !== null,
    heldBy: 'tab',
    ...limits,
    credentials: { ...credentials, sessionLimit },
    claims,
    // A refreshed ID token tells the provider's time again; otherwise the last estimate stands.
    providerClockOffsetMs:
      idToken && Number.isFinite(Number(claims['iat']))
        ? Number(claims['iat']) * 1000 - context.receivedAt
        : (context.previous.providerClockOffsetMs ?? null),
    // A refresh continues its session: the set belongs to the sign-out epoch of the one refreshed.
    epoch: context.previous.epoch,
  };
}

/**
 * `Bearer`, or `DPoP` when a proof was sent (RFC 9449 section 5; the scheme's case does not
 * matter). A provider that ignores the proof answers Bearer, which still works as Bearer; a
 * `DPoP` answer to a request without a proof is a token this tab could not use.
 * @throws SessionExpiredError (malformed) for anything else.
 */
export function readTokenType(value: unknown, proofSent: boolean): 'Bearer' | 'DPoP' {
  const type = typeof value === 'string' ? value.toLowerCase() : null;
  if (type === 'bearer') return 'Bearer';
  if (type === 'dpop' && proofSent) return 'DPoP';
  return malformed(
    `token_type is ${JSON.stringify(value ?? null)}, expected ${proofSent ? 'DPoP or ' : ''}Bearer`,
  );
}

function parseJsonObject(body: string | null): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    // JSON.parse throws SyntaxError on HTML error pages, empty bodies and the like.
    malformed('the body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    malformed('the body is not a JSON object');
  return json as Record<string, unknown>;
}

function readExpiresIn(value: unknown): number {
  // Some providers send the number as a string ("3600"); both mean the same lifetime.
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    malformed('no positive expires_in; the session needs to know when the access token expires');
  }
  return seconds;
}

/**
 * A refreshed ID token must describe the same user from the same issuer for this client
 * (OpenID Connect Core 12.2); a different `sub` would silently switch accounts.
 */
function checkRefreshedIdToken(idToken: string, context: TokenResponseContext): UserClaims {
  const claims = readJwtClaims(idToken);
  if (!claims) malformed('id_token is not a JWT');
  const audience = claims['aud'];
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (claims['iss'] !== context.issuer) malformed('id_token has another issuer');
  if (!audiences.includes(context.clientId)) malformed('id_token is for another client');
  if (claims['sub'] !== context.previous.claims.sub) malformed('id_token is for another user');
  return claims as UserClaims;
}

function malformed(detail: string): never {
  throw new SessionExpiredError('malformed_token_response', detail);
}
