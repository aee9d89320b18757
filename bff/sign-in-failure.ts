/**
 * Why a sign-in failed, for two readers: the operator (the BFF log gets the provider's HTTP status,
 * `error` and `error_description`) and the user (the login page gets a reason code, and the
 * provider's `error` code as `detail`, and shows the likely cause and the doctor check to run).
 * Nothing here ever reads or logs a token, a code or the client secret: only the provider's error
 * fields, which RFC 6749 §5.2 and §4.1.2.1 define as ASCII codes and human-readable text.
 */
import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';

import { ConfigError, UnavailableError } from './errors.ts';

/**
 * The login page's `error` codes (README, "Error contract"):
 * - `client_refused`: the token endpoint refused the BFF's client (401 / invalid_client): wrong
 *   secret, unknown client id, or an authentication method the provider does not accept;
 * - `provider_error`: the provider answered the authorization request or the code exchange with
 *   another error (access_denied, invalid_scope, invalid_grant, server_error, ...);
 * - `unavailable`: the provider (or the session store) could not be reached;
 * - `state_mismatch`: the callback does not belong to a sign-in this browser started (no
 *   binding cookie, an unknown or used state): another browser, an old link, over 10 minutes;
 * - `invalid_step_up`: `/bff/login`'s `acr_values` or `max_age` broke the rules of
 *   step-up-sign-in.ts (a bug in the app, or a crafted link): nothing was sent to the provider;
 * - `invalid_prompt`: `/bff/login`'s `prompt` was not `none` (or was sent twice; prompt-none.ts):
 *   nothing was sent to the provider.
 */
export type SignInFailureReason =
  | 'client_refused'
  | 'provider_error'
  | 'unavailable'
  | 'state_mismatch'
  | 'invalid_step_up'
  | 'invalid_prompt';

export interface SignInFailure {
  readonly reason: SignInFailureReason;
  /** The provider's `error` code, when it sent one that looks like a code (safe to put in a URL). */
  readonly providerError?: string;
  /** What the log records: never a token, a code or a secret. */
  readonly log: {
    readonly type: string;
    readonly status?: number;
    readonly error?: string;
    readonly errorDescription?: string;
    readonly message: string;
  };
}

/** RFC 6749's error codes are %x20-21 / %x23-5B / %x5D-7E; the page only takes plain ones. */
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

const MAX_TEXT = 300;

/** Sorts an error from the callback (openid-client, the store, the client auth choice). */
export async function classifySignInFailure(error: unknown): Promise<SignInFailure> {
  const type = error instanceof Error ? error.name : typeof error;
  const message = clip(error instanceof Error ? error.message : String(error));
  if (error instanceof AuthorizationResponseError) {
    // The provider sent the browser back with ?error=: it never got to the code exchange.
    return failure('provider_error', { type, message }, error.error, error.error_description);
  }
  if (error instanceof ResponseBodyError) {
    return failure(
      isClientRefusal(error.status, error.error) ? 'client_refused' : byStatus(error.status),
      { type, message, status: error.status },
      error.error,
      error.error_description,
    );
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    // A 401 with a challenge (oidc-provider sends one with invalid_client): read the OAuth error
    // from the challenge, else from the body, which openid-client has not consumed.
    const parameters = error.cause[0]?.parameters ?? {};
    const body = await jsonBody(error.response);
    const code = stringOr(parameters.error, body['error']);
    return failure(
      isClientRefusal(error.status, code) ? 'client_refused' : byStatus(error.status),
      { type, message, status: error.status },
      code,
      stringOr(parameters.error_description, body['error_description']),
    );
  }
  if (error instanceof ConfigError) {
    // No client authentication method the provider and the BFF share (client-auth.ts).
    return failure('client_refused', { type, message });
  }
  if (error instanceof UnavailableError || isNetworkError(error)) {
    return failure('unavailable', { type, message: describeCause(error, message) });
  }
  return failure('provider_error', { type, message });
}

function failure(
  reason: SignInFailureReason,
  log: { type: string; message: string; status?: number },
  error?: string,
  description?: string,
): SignInFailure {
  const providerError = error && ERROR_CODE.test(error) ? error : undefined;
  return {
    reason,
    ...(providerError ? { providerError } : {}),
    log: {
      ...log,
      ...(error ? { error: clip(error) } : {}),
      ...(description ? { errorDescription: clip(description) } : {}),
    },
  };
}

/** RFC 6749 §5.2: invalid_client, with 401 when the client tried HTTP authentication. */
function isClientRefusal(status: number, error: string | undefined): boolean {
  return error === 'invalid_client' || status === 401;
}

function byStatus(status: number): SignInFailureReason {
  return status === 429 || status === 503 || status === 504 ? 'unavailable' : 'provider_error';
}

function isNetworkError(error: unknown): boolean {
  return (
    (error instanceof TypeError && /fetch failed/i.test(error.message)) ||
    (error instanceof DOMException && /Abort|Timeout/.test(error.name)) ||
    (error instanceof Error && (isNetworkError(error.cause) || error.cause instanceof DOMException))
  );
}

function describeCause(error: unknown, message: string): string {
  const cause = error instanceof Error ? (error.cause as { message?: unknown } | undefined) : null;
  return typeof cause?.message === 'string' ? clip(`${message}: ${cause.message}`) : message;
}

async function jsonBody(response: Response): Promise<Record<string, unknown>> {
  try {
    const body = (await response.clone().json()) as unknown;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  } catch {
    // No JSON body (or already read): the challenge's parameters are all there is.
    return {};
  }
}

function stringOr(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
