import { Observable } from 'rxjs';

import type { UserClaims } from '@oidc-session/angular';

/** The header the BFF requires on every state-changing call and every proxied one (CSRF). */
export const BFF_CSRF_HEADER = 'X-BFF-CSRF';

/** The BFF's session answer (bff/README.md, "Session"). Never a token. */
export interface BffSession {
  readonly user: UserClaims;
  /** Whole seconds the access token has left on the BFF's clock when it answered. */
  readonly accessTokenExpiresIn: number;
  /** The BFF's session version: +1 for every new token set, on every instance. */
  readonly version: number;
  /** Whole seconds until the session ends however much it is used (absolute lifetime). */
  readonly sessionExpiresIn?: number;
  /** Whole seconds until the session ends unless it is used meanwhile (the BFF's idle end). */
  readonly idleExpiresIn?: number;
  /** The BFF's idle timeout, seconds. */
  readonly idleTimeout?: number;
  /** Only in answers to a refresh: whether this call made the refresh. */
  readonly refreshed?: boolean;
}

/** The BFF's answer to a sign-out. */
export interface BffLogoutAnswer {
  readonly endSessionUrl: string | null;
  readonly refreshTokenRevoked: boolean;
}

/**
 * The tab's side of the BFF's own endpoints (session, refresh, sign-out), as BFF mode uses them.
 * The HTTP implementation (HttpBffClient) is loaded with the mode; the testing kit replaces it.
 */
export abstract class BffClient {
  /** The session, or null when there is none. */
  abstract session(): Observable<BffSession | null>;

  /** One refresh of the session whose version the tab holds. */
  abstract refresh(version: number): Observable<BffSession>;

  /** Signs out at the BFF. */
  abstract logout(): Observable<BffLogoutAnswer>;
}
