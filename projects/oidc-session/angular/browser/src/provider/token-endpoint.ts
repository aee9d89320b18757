import { Observable } from 'rxjs';

import type {
  ɵObtainedSession as ObtainedSession,
  ɵSessionState as SessionState,
} from '@oidc-session/angular';

/** One request to the provider's token or revocation endpoint. Retrying is the caller's job. */
export abstract class TokenEndpoint {
  /**
   * Redeems `tokens.refreshToken` once.
   * @throws SessionExpiredError when the provider rejects it or answers nonsense (definitive),
   * ProviderUnreachableError when there is no usable answer (transient).
   */
  abstract refresh(tokens: SessionState): Observable<ObtainedSession>;

  /** Revokes a refresh token (RFC 7009). */
  abstract revoke(refreshToken: string): Observable<void>;
}
