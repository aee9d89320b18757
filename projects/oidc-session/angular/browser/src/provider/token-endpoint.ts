import { Observable } from 'rxjs';

import type {
  ɵObtainedTokens as ObtainedTokens,
  ɵTokenSet as TokenSet,
} from '@oidc-session/angular';

/** One request to the provider's token or revocation endpoint. Retrying is the caller's job. */
export abstract class TokenEndpoint {
  /**
   * Redeems `tokens.refreshToken` once.
   * @throws SessionExpiredError when the provider rejects it or answers nonsense (definitive),
   * ProviderUnreachableError when there is no usable answer (transient).
   */
  abstract refresh(tokens: TokenSet): Observable<ObtainedTokens>;

  /** Revokes a refresh token (RFC 7009). */
  abstract revoke(refreshToken: string): Observable<void>;
}
