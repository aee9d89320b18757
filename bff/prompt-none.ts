/**
 * A sign-in that asks the provider not to show anything (`/bff/login?prompt=none`, OpenID Connect
 * Core 3.1.2.1): the app's "Stay signed in" at the end of the absolute lifetime. While the
 * provider's own session lives, the provider answers at once with a code and the callback is an
 * ordinary sign-in (a new session id, the previous session replaced). When it would have to ask
 * the user (`login_required`, `interaction_required`, `consent_required`,
 * `account_selection_required`, OIDC Core 3.1.2.6), the callback sends the browser on to an
 * interactive `/bff/login` for the same return path (and the same step-up parameters), never with
 * `prompt=none` again: one silent attempt per sign-in, no loop.
 */
import { AuthorizationResponseError } from 'openid-client';

import type { PendingLogin, PromptRequest } from './session-store/types.ts';
import { ACR_VALUES_PARAMETER, MAX_AGE_PARAMETER, preview } from './step-up-sign-in.ts';

/** The query parameter of `/bff/login`, under the provider's name. */
export const PROMPT_PARAMETER = 'prompt';

/** The provider's answers to `prompt=none` that mean "the user would have to do something". */
export const INTERACTION_ERRORS: ReadonlySet<string> = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** Why a `prompt` parameter was refused: for the log, never with the whole value. */
export interface PromptRefusal {
  readonly parameter: typeof PROMPT_PARAMETER;
  readonly problem: 'repeated' | 'unsupported';
  /** Characters (or, repeated, values) the request sent. */
  readonly length: number;
  /** The first PREVIEW_LENGTH characters, printable ASCII only. */
  readonly preview: string;
}

/**
 * The `prompt` a `/bff/login` query asks for: none given (an ordinary sign-in), `none`, or a
 * refusal: any other value (`login`, `consent`, empty, another case), or the parameter sent
 * twice. The BFF sends nothing else a browser could choose to the provider.
 */
export function readPrompt(
  query: Readonly<Record<string, unknown>>,
): { readonly prompt: PromptRequest | undefined } | { readonly refused: PromptRefusal } {
  const value = query[PROMPT_PARAMETER];
  if (value === undefined) return { prompt: undefined };
  if (value === 'none') return { prompt: 'none' };
  if (Array.isArray(value)) {
    return {
      refused: {
        parameter: PROMPT_PARAMETER,
        problem: 'repeated',
        length: value.length,
        preview: preview(value[0]),
      },
    };
  }
  const text = String(value);
  return {
    refused: {
      parameter: PROMPT_PARAMETER,
      problem: 'unsupported',
      length: text.length,
      preview: preview(text),
    },
  };
}

/**
 * The provider's error code when a callback failed because a `prompt=none` sign-in would need the
 * user (its own state: openid-client checks `iss` and `state` before it reports `error=`), else
 * undefined: every other failure is handled as any sign-in's.
 */
export function interactionNeeded(
  pending: PendingLogin | undefined,
  error: unknown,
): string | undefined {
  if (pending?.prompt !== 'none' || !(error instanceof AuthorizationResponseError))
    return undefined;
  return INTERACTION_ERRORS.has(error.error) ? error.error : undefined;
}

/**
 * Where a silent sign-in that needs the user goes on: `/bff/login` for the same return path and
 * step-up, without `prompt` (so it cannot come back here).
 */
export function interactiveSignIn(pending: PendingLogin): string {
  const query = new URLSearchParams({ returnUrl: pending.returnPath });
  if (pending.stepUp?.acrValues !== undefined)
    query.set(ACR_VALUES_PARAMETER, pending.stepUp.acrValues);
  if (pending.stepUp?.maxAge !== undefined)
    query.set(MAX_AGE_PARAMETER, String(pending.stepUp.maxAge));
  return `/bff/login?${query}`;
}
