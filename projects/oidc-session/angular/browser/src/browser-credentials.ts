import { SessionExpiredError, type ɵSessionState as SessionState } from '@oidc-session/angular';

/** Browser mode's credentials: the tokens, which only this mode reads. */
export type BrowserCredentials = {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  /**
   * `DPoP` when the tokens are bound to this browser's DPoP key (RFC 9449): every API request
   * then needs a proof. Null means Bearer.
   */
  readonly tokenType: 'DPoP' | null;
};

/**
 * The tokens of a session state this mode holds. The core checked that credentials are strings;
 * a state without an access token (storage edited by hand) cannot be used and ends here.
 */
export function tokensOf(state: Pick<SessionState, 'credentials'>): BrowserCredentials {
  const credentials = state.credentials;
  if (
    !credentials ||
    typeof credentials['accessToken'] !== 'string' ||
    !credentials['accessToken']
  ) {
    throw new SessionExpiredError('malformed_token_response', 'the session holds no access token');
  }
  return {
    accessToken: credentials['accessToken'],
    refreshToken: credentials['refreshToken'] ?? null,
    idToken: credentials['idToken'] ?? null,
    tokenType: credentials['tokenType'] === 'DPoP' ? 'DPoP' : null,
  };
}
