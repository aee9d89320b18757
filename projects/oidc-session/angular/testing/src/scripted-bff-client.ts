import { Injectable, inject } from '@angular/core';
import { Observable, defer, firstValueFrom, map, of } from 'rxjs';

import { SessionExpiredError, UserClaims } from '@oidc-session/angular';
import {
  ɵBffClient as BffClient,
  ɵBffLogoutAnswer as BffLogoutAnswer,
  ɵBffSession as BffSession,
} from '@oidc-session/angular/bff';
import { ScriptedTokenEndpoint } from './scripted-token-endpoint';

/**
 * bff mode in the testing kit: a BFF without a server. Its session answers come from the kit's
 * options, and its refreshes follow the same script as browser mode's token endpoint
 * (`respondToRefresh`), counted in the same `refreshCount`.
 */
@Injectable()
export class ScriptedBffClient extends BffClient {
  private readonly endpoint = inject(ScriptedTokenEndpoint);
  private version = 1;
  /** The signed-in user, or null for "no session". Set by provideAuthTesting. */
  user: UserClaims | null = null;
  /** End-session URL the BFF names at sign-out. */
  endSessionUrl: string | null = 'https://issuer.example.test/session/end?id_token_hint=kit';

  override session(): Observable<BffSession | null> {
    return of(this.user ? this.answer() : null);
  }

  override refresh(version: number): Observable<BffSession> {
    return defer(async () => {
      if (!this.user) throw new SessionExpiredError('ended_by_server', 'no_session');
      if (version < this.version) return { ...this.answer(), refreshed: false };
      // The scripted token endpoint decides the outcome (and counts the refresh).
      await firstValueFrom(
        this.endpoint.refresh({
          claims: this.user,
          canRefresh: true,
          heldBy: 'server',
          credentials: null,
          receivedAt: 0,
          expiresAt: 0,
          generation: version,
          epoch: 0,
        }),
      );
      this.version++;
      return { ...this.answer(), refreshed: true };
    });
  }

  override logout(): Observable<BffLogoutAnswer> {
    this.user = null;
    return of(null).pipe(
      map(() => ({ endSessionUrl: this.endSessionUrl, refreshTokenRevoked: true })),
    );
  }

  private answer(): BffSession {
    return {
      user: this.user!,
      accessTokenExpiresIn: this.endpoint.lifetimeSeconds,
      version: this.version,
      sessionExpiresIn: 86_400,
    };
  }
}
