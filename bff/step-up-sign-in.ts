/**
 * RFC 9470 step-up, the sign-in side. The app answers an API's `insufficient_user_authentication`
 * challenge with a navigation to `/bff/login?returnUrl=…&acr_values=…&max_age=…`; the BFF checks
 * both parameters (this file's rules) and hands them to the provider's authorization request.
 *
 * Its callback replaces the tokens of the browser's session **in place** when the pending sign-in
 * was a step-up, the session cookie names a live session, and the new ID token is about the same
 * user (`sub`) in the same provider session (`sid`, or no `sid` on either): same session id, same
 * cookie, the version + 1, the new tokens and the new ID token's claims (on the token record, see
 * `sessionClaims`). Other tabs' requests carry on, with no `session_ended`. The write holds the
 * session's refresh lock (`SessionRefresher.replaceTokens`), so a refresh in flight finishes
 * first and cannot overwrite the stepped-up tokens. Anything else is an ordinary sign-in (a new
 * session id, the previous session replaced: session-replacement.ts):
 * - another `sub`: another user, a session of their own;
 * - another `sid`: another provider session, whose grant is another; its back-channel logout
 *   must find the session by the new `sid`, which the store indexes when it creates a session;
 * - the session ended meanwhile (signed out in another tab, a back-channel logout);
 * - a sign-out the app still has pending (its cookie is there): the user wanted out.
 *
 * The refresh token replaced in place is dropped, and revoked only when that cannot touch the new
 * tokens (`grantIsSeparate`, the rule of session-replacement.ts). The provider may answer with a
 * weaker `acr` than asked (OpenID Connect makes `acr_values` a wish): the BFF stores what it got,
 * and the API, which asked, decides again. `max_age` is checked (`auth_time`, by openid-client).
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';

import { cookieNames } from './cookies.ts';
import type { ProviderTokens } from './oidc.ts';
import { errorSummary } from './routes.ts';
import { grantIsSeparate } from './session-replacement.ts';
import { isSessionId, type BffContext } from './session-http.ts';
import type { PendingLogin, SessionRecord, StepUpRequest } from './session-store/types.ts';
import { signOutPending } from './signout-pending.ts';

/** The query parameters of `/bff/login` that ask for a step-up (the provider's own names). */
export const ACR_VALUES_PARAMETER = 'acr_values';
export const MAX_AGE_PARAMETER = 'max_age';

/**
 * One ACR value: 1 to 128 visible ASCII characters except `"` and `\` (the characters an RFC 9470
 * challenge can carry in its quoted `acr_values` without escapes).
 */
const ACR_VALUE = '[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}';
/**
 * `acr_values` exactly as sent: 1 to 10 values separated by one space each, nothing trimmed (a
 * leading, trailing or doubled space is refused), at most 512 characters in all.
 */
const ACR_VALUES = new RegExp(`^${ACR_VALUE}(?: ${ACR_VALUE}){0,9}$`);
export const MAX_ACR_VALUES_LENGTH = 512;
/** `max_age`: seconds, a non-negative decimal integer of 1 to 9 digits (leading zeros allowed). */
const MAX_AGE = /^[0-9]{1,9}$/;

/**
 * How much of a step-up parameter the log shows: of a refused value (non-printable characters as
 * `?`), and of either parameter in the access log's URL (`logUrl`).
 */
export const PREVIEW_LENGTH = 32;

/** Why a step-up parameter was refused: for the log, never with the whole value. */
export interface StepUpRefusal {
  readonly parameter: typeof ACR_VALUES_PARAMETER | typeof MAX_AGE_PARAMETER;
  readonly problem: 'repeated' | 'too_long' | 'malformed';
  /** Characters (or, repeated, values) the request sent. */
  readonly length: number;
  /** The first PREVIEW_LENGTH characters, printable ASCII only. */
  readonly preview: string;
}

/**
 * The step-up a `/bff/login` query asks for: `undefined` for an ordinary sign-in (neither
 * parameter), or the refusal of the first parameter that breaks the rules (the sign-in must not
 * start). A parameter sent twice (fastify makes it an array) is refused, as is an empty one.
 */
export function readStepUp(
  query: Readonly<Record<string, unknown>>,
): { readonly stepUp: StepUpRequest | undefined } | { readonly refused: StepUpRefusal } {
  const acrValues = query[ACR_VALUES_PARAMETER];
  const maxAge = query[MAX_AGE_PARAMETER];
  if (acrValues !== undefined) {
    const refused = refusal(ACR_VALUES_PARAMETER, acrValues, (value) =>
      value.length > MAX_ACR_VALUES_LENGTH
        ? 'too_long'
        : ACR_VALUES.test(value)
          ? undefined
          : 'malformed',
    );
    if (refused) return { refused };
  }
  if (maxAge !== undefined) {
    const refused = refusal(MAX_AGE_PARAMETER, maxAge, (value) =>
      MAX_AGE.test(value) ? undefined : 'malformed',
    );
    if (refused) return { refused };
  }
  if (acrValues === undefined && maxAge === undefined) return { stepUp: undefined };
  return {
    stepUp: {
      ...(acrValues === undefined ? {} : { acrValues: acrValues as string }),
      ...(maxAge === undefined ? {} : { maxAge: Number(maxAge) }),
    },
  };
}

function refusal(
  parameter: StepUpRefusal['parameter'],
  value: unknown,
  problemOf: (value: string) => 'too_long' | 'malformed' | undefined,
): StepUpRefusal | undefined {
  if (Array.isArray(value)) {
    return { parameter, problem: 'repeated', length: value.length, preview: preview(value[0]) };
  }
  const text = typeof value === 'string' ? value : String(value);
  const problem = typeof value === 'string' ? problemOf(text) : 'malformed';
  return problem ? { parameter, problem, length: text.length, preview: preview(text) } : undefined;
}

/** What the log may show of a value a request chose: PREVIEW_LENGTH characters, printable ASCII. */
export function preview(value: unknown): string {
  return String(value)
    .slice(0, PREVIEW_LENGTH)
    .replace(/[^\x20-\x7E]/g, '?');
}

/**
 * After the code exchange of a step-up: replaces the tokens of the browser's session in place
 * when the rules above allow it. Returns the id of the session kept (the callback then answers
 * with the return path and leaves the cookie as it is), or undefined: sign in as usual.
 */
export async function replaceTokensInPlace(
  context: Pick<BffContext, 'config' | 'store' | 'oidc' | 'refresher' | 'now'>,
  request: FastifyRequest,
  pending: PendingLogin,
  tokens: ProviderTokens & { readonly claims: Readonly<Record<string, unknown>> },
  current: Pick<SessionRecord, 'sub' | 'sid'>,
): Promise<string | undefined> {
  if (!pending.stepUp) return undefined;
  const id = request.cookies[cookieNames(context.config).session];
  if (!id || !isSessionId(id) || signOutPending(context.config, request)) return undefined;
  const lookup = await context.store.getSession(id);
  if (lookup.state !== 'active') return undefined;
  const { session } = lookup;
  if (session.sub !== current.sub || session.sid !== current.sid) {
    request.log.info(
      { sameUser: session.sub === current.sub },
      'a step-up signed in another user or provider session: a new session replaces the old',
    );
    return undefined;
  }
  const now = context.now();
  const outcome = await context.refresher.replaceTokens(id, (replaced) => ({
    version: replaced.version + 1,
    accessToken: tokens.accessToken,
    receivedAt: now,
    accessTokenExpiresAt: now + tokens.expiresIn * 1000,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
    claims: tokens.claims,
  }));
  if (outcome === 'ended') {
    request.log.info('the session a step-up was for ended meanwhile: a new session instead');
    return undefined;
  }
  await dropReplacedRefreshToken(context, session, current, outcome.replaced.refreshToken, {
    kept: tokens.refreshToken,
    log: request.log,
  });
  request.log.info(
    { version: outcome.written.version },
    'a step-up replaced the tokens of the session in place',
  );
  return id;
}

/**
 * The refresh token the step-up replaced is never used again; it is revoked only when it cannot
 * share a grant with the new one (session-replacement.ts: revoking one token of a grant revokes
 * the others). In place, both come from one provider session, so in practice it is dropped.
 */
async function dropReplacedRefreshToken(
  context: Pick<BffContext, 'oidc'>,
  replaced: Pick<SessionRecord, 'sub' | 'sid'>,
  current: Pick<SessionRecord, 'sub' | 'sid'>,
  refreshToken: string | undefined,
  { kept, log }: { kept: string | undefined; log: FastifyBaseLogger },
): Promise<void> {
  if (!refreshToken || refreshToken === kept || !grantIsSeparate(replaced, current)) return;
  await context.oidc.revoke(refreshToken).catch((error: unknown) => {
    log.warn(
      { error: errorSummary(error) },
      'revoking the refresh token a step-up replaced failed',
    );
  });
}

/** `/bff/login`'s parameters the access log cuts short: the step-up ones and `prompt`. */
const CLIPPED_PARAMETERS: ReadonlySet<string> = new Set([
  ACR_VALUES_PARAMETER,
  MAX_AGE_PARAMETER,
  // prompt-none.ts's PROMPT_PARAMETER (that module imports this one).
  'prompt',
]);

/**
 * `/bff/login`'s URL as the access log shows it: each step-up parameter's value and `prompt`'s
 * (as sent, still percent-encoded) cut to PREVIEW_LENGTH characters, so that no request can write
 * a long value of its choosing into the log. Other URLs are returned as they are.
 */
export function clipStepUpParameters(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1 || !url.startsWith('/bff/login')) return url;
  const parts = url
    .slice(queryAt + 1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = safeDecode(equals === -1 ? part : part.slice(0, equals));
      if (!CLIPPED_PARAMETERS.has(name)) return part;
      const value = equals === -1 ? '' : part.slice(equals + 1);
      return value.length > PREVIEW_LENGTH
        ? `${part.slice(0, equals + 1)}${value.slice(0, PREVIEW_LENGTH)}…`
        : part;
    });
  return `${url.slice(0, queryAt)}?${parts.join('&')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
