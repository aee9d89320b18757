import { HttpClient, HttpContext, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, TimeoutError, catchError, map, throwError, timeout } from 'rxjs';

import {
  ɵAUTH_TIMING as AUTH_TIMING,
  ɵAuthConfigStore as AuthConfigStore,
  AuthError,
  ProviderUnreachableError,
  SessionExpiredError,
  SKIP_AUTH,
  type UserClaims,
} from '@oidc-session/angular';
import { bffConfig } from './bff-config';
import { BFF_CSRF_HEADER, BffClient, BffLogoutAnswer, BffSession } from './bff-client';

/**
 * The tab's side of the BFF's own endpoints. Every call carries the CSRF header and skips the
 * interceptor (these are the session's own calls, not API calls), and every failure comes out
 * classified by the error contract of bff/README.md: a 401 from the BFF means the session is
 * gone (definitive), a 503 or no answer means try again later (transient).
 */
@Injectable()
export class HttpBffClient extends BffClient {
  private readonly http = inject(HttpClient);
  private readonly config = inject(AuthConfigStore);
  private readonly timing = inject(AUTH_TIMING);

  /**
   * The session, or null when there is none: `200 {"user": null}` (bff/README.md, "Session").
   * A `401` from an older BFF means the same.
   */
  override session(): Observable<BffSession | null> {
    return this.http.get<unknown>(this.url('/session'), this.options()).pipe(
      timeout(this.timing.tokenRequestTimeoutMs),
      map((body) =>
        (body as { user?: unknown } | null)?.user === null ? null : readSession(body),
      ),
      catchError((error: unknown) =>
        error instanceof HttpErrorResponse && error.status === 401 && fromBff(error)
          ? [null]
          : throwError(() => classify(error)),
      ),
    );
  }

  /** One refresh of the session, or the newer state if it already has one (the BFF decides). */
  override refresh(version: number): Observable<BffSession> {
    return this.http.post<unknown>(this.url('/refresh'), { version }, this.options()).pipe(
      timeout(this.timing.tokenRequestTimeoutMs),
      map((body) => readSession(body)),
      catchError((error: unknown) => throwError(() => classify(error))),
    );
  }

  /**
   * Ends the session at the BFF (which revokes and ends it at the provider): where to go next,
   * and whether the provider's refresh token was revoked (false: the provider has no revocation
   * endpoint, so it stays valid there until it expires).
   */
  override logout(): Observable<BffLogoutAnswer> {
    return this.http.post<unknown>(this.url('/logout'), {}, this.options()).pipe(
      timeout(this.timing.revocationTimeoutMs),
      map((body) => {
        const answer = body as { endSessionUrl?: unknown; refreshTokenRevoked?: unknown } | null;
        const url = answer?.endSessionUrl;
        return {
          endSessionUrl: typeof url === 'string' && /^https?:\/\//.test(url) ? url : null,
          refreshTokenRevoked: answer?.refreshTokenRevoked !== false,
        };
      }),
    );
  }

  private url(path: string): string {
    return `${bffConfig(this.config).bffPath}${path}`;
  }

  private options() {
    return {
      headers: new HttpHeaders({ [BFF_CSRF_HEADER]: '1' }),
      context: new HttpContext().set(SKIP_AUTH, true),
    };
  }
}

/** Whether an error answer came from the BFF itself (not the API behind its proxy). */
export function fromBff(error: HttpErrorResponse): boolean {
  return error.headers.get('X-BFF-Source') === 'bff';
}

function readSession(body: unknown): BffSession {
  const session = body as Partial<BffSession> | null;
  const user = session?.user as UserClaims | undefined;
  if (
    typeof user?.sub !== 'string' ||
    !Number.isFinite(session?.accessTokenExpiresIn) ||
    !Number.isSafeInteger(session?.version)
  ) {
    // An index.html or a proxy's error page where the BFF should answer: a deployment problem.
    throw new SessionExpiredError(
      'malformed_token_response',
      'the BFF answered without a session (is the BFF deployed at this origin?)',
    );
  }
  return session as BffSession;
}

/** The error contract: 401 from the BFF is definitive, 503 and no answer are transient. */
function classify(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof TimeoutError) return new ProviderUnreachableError('timeout');
  if (!(error instanceof HttpErrorResponse) || error.status === 0) {
    return new ProviderUnreachableError('network');
  }
  if (error.status === 401 && fromBff(error)) {
    const body = error.error as { error?: unknown; reason?: unknown } | null;
    const reason = typeof body?.reason === 'string' ? body.reason : body?.error;
    return new SessionExpiredError('ended_by_server', typeof reason === 'string' ? reason : '401');
  }
  if (error.status === 429) return new ProviderUnreachableError('rate_limited', 429);
  if (error.status >= 500 || error.status === 408) {
    return new ProviderUnreachableError('server_error', error.status);
  }
  return new SessionExpiredError('refresh_rejected', `HTTP ${error.status}`);
}
