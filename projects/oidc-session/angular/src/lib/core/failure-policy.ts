import { ProviderUnreachableError, SessionExpiredError } from './auth-errors';

/**
 * What a failed refresh means for the session: the one classification, for both modes. The
 * modes translate their protocol's answers into these two errors (a refused refresh token or
 * session: SessionExpiredError; no usable answer: ProviderUnreachableError); the refresher
 * applies what this says, in one place.
 */
export type RefreshFailure =
  /** The session is over. `ends`: where it is ended now (nowhere if it already is). */
  | { readonly kind: 'definitive'; readonly error: SessionExpiredError; readonly ends: EndScope }
  /** Try again later (no answer, 5xx, 429, a timeout, a slow tab): the session stays. */
  | { readonly kind: 'transient'; readonly error: ProviderUnreachableError };

/**
 * `every-tab`: the tokens were refused, every tab drops them. `this-tab`: another tab holds newer
 * tokens this one can no longer get (`superseded`). `none`: a sign-out already ended it.
 */
export type EndScope = 'every-tab' | 'this-tab' | 'none';

export function classifyRefreshFailure(error: unknown): RefreshFailure {
  if (error instanceof SessionExpiredError) {
    const ends: EndScope =
      error.reason === 'signed_out'
        ? 'none'
        : error.reason === 'superseded'
          ? 'this-tab'
          : 'every-tab';
    return { kind: 'definitive', error, ends };
  }
  // Anything that is not a refusal leaves the session as it is: only the waiting requests fail.
  return {
    kind: 'transient',
    error:
      error instanceof ProviderUnreachableError ? error : new ProviderUnreachableError('timeout'),
  };
}
