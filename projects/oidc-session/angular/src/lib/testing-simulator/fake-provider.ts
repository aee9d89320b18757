import { ProviderUnreachableError, SessionExpiredError } from '../core/auth-errors';
import { ɵCompletedLogin as CompletedLogin } from '@oidc-session/angular/browser';
import { SessionState } from '../core/session';
import { refreshTokenOf } from './session-tokens';

/**
 * What happens to the next token-endpoint request: answered at once; answered slowly (under
 * the client's timeout) or so late that the client gives up first (`hang`); handled by the
 * provider but the answer never reaches the tab (`lost`); or refused with a 503 before the
 * provider looks at it (`unavailable`).
 */
export type AnswerFate = 'prompt' | 'slow' | 'hang' | 'lost' | 'unavailable';

export interface FakeProviderTiming {
  /** One way, tab to provider or back. */
  readonly latencyMs: number;
  readonly slowAnswerMs: number;
  readonly hangingAnswerMs: number;
  readonly accessTokenLifetimeMs: number;
  /** The client gives up on a token request after this long (like HttpTokenEndpoint). */
  readonly tokenRequestTimeoutMs: number;
  readonly revocationTimeoutMs: number;
  /** The sign-in code exchange. */
  readonly codeExchangeMs: number;
}

/** One sign-in: every refresh token rotated from it belongs to the same grant. */
export interface Grant {
  readonly id: number;
  /** The authorization code it was redeemed from. */
  readonly code: string;
  /** The tab that started the authorization request, and when it did. */
  readonly tab: string;
  readonly authorizedAt: number;
  /** When the code was redeemed. */
  readonly createdAt: number;
  /** Whether the page that redeemed the code was still there to get the tokens. */
  readonly delivered: boolean;
  revokedBecause: string | null;
}

/** One refresh request as it reached the provider, and what became of its answer. */
export interface Presentation {
  readonly index: number;
  readonly tab: string;
  readonly refreshToken: string;
  /** The generation of the token set the tab refreshed. */
  readonly generation: number;
  readonly at: number;
  readonly grant: Grant | null;
  /** What the provider did. */
  result: 'rotated' | 'replay' | 'rejected' | 'unavailable';
  /** What the tab heard: `pending` until its answer arrived, it gave up, or its page closed. */
  heard: 'pending' | 'answer' | 'lost' | 'timeout';
  heardAt: number | null;
  /** The refresh token issued in exchange, when rotated. */
  issued: string | null;
}

interface RefreshTokenRecord {
  readonly grant: Grant;
  /** The presentation that rotated it, once one did. */
  rotatedBy: Presentation | null;
}

/**
 * An OpenID provider's token endpoint for simulated tabs, like the dev provider (oidc-provider
 * with `rotateRefreshToken: true`): every refresh rotates the refresh token; presenting a
 * rotated one is a replay that revokes the whole grant (`invalid_grant` from then on);
 * revocation of any token of a grant revokes the grant. Answers can be slow or lost
 * ({@link queueFate}). It records every refresh token presented, by which tab and when.
 */
export class FakeProvider {
  readonly grants: Grant[] = [];
  readonly presentations: Presentation[] = [];
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  private readonly authorizations = new Map<string, { tab: string; at: number }>();
  private readonly fates: AnswerFate[] = [];
  private issued = 0;
  private codes = 0;

  constructor(
    /** The (virtual) time. */
    readonly now: () => number,
    readonly timing: FakeProviderTiming,
    /** Tells the story of what the provider does. */
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The fate of the next token-endpoint request not yet sent (default: prompt). */
  queueFate(fate: AnswerFate): void {
    this.fates.push(fate);
  }

  /** The authorization request of a sign-in: returns the code the redirect back carries. */
  authorize(tab: string): string {
    const code = `code-${++this.codes}`;
    this.authorizations.set(code, { tab, at: this.now() });
    return code;
  }

  /**
   * The code exchange at the end of a sign-in: a new grant. `recipient` is the page that
   * redeems it; if it has gone when the answer comes, nobody has the grant's tokens.
   */
  async exchange(
    code: string,
    recipient: { readonly isOpen: boolean },
  ): Promise<CompletedLogin['tokens']> {
    await new Promise((resolve) => setTimeout(resolve, this.timing.codeExchangeMs));
    const authorization = this.authorizations.get(code);
    this.authorizations.delete(code);
    if (!authorization) throw new Error(`code ${code} unknown or used`);
    const grant: Grant = {
      id: this.grants.length + 1,
      code,
      tab: authorization.tab,
      authorizedAt: authorization.at,
      createdAt: this.now(),
      delivered: recipient.isOpen,
      revokedBecause: null,
    };
    this.grants.push(grant);
    const { accessToken, refreshToken } = this.issue(grant);
    this.log(
      `provider: ${authorization.tab} redeems its code: grant g${grant.id}, ${refreshToken}`,
    );
    return {
      accessToken,
      refreshToken,
      idToken: `id-token-g${grant.id}`,
      claims: { sub: 'alice', name: 'Alice' },
      receivedAt: this.now(),
      expiresAt: this.now() + this.timing.accessTokenLifetimeMs,
      epoch: 0,
    } as unknown as CompletedLogin['tokens'];
  }

  /** Whether the API accepts this access token now (a JWT: valid until it expires). */
  acceptsAccessToken(accessToken: string): boolean {
    const record = this.accessTokens.get(accessToken);
    return !!record && this.now() < record.expiresAt;
  }

  /** The grant an access or refresh token belongs to. */
  grantOf(token: string | null | undefined): Grant | null {
    if (!token) return null;
    return this.refreshTokens.get(token)?.grant ?? this.accessTokens.get(token)?.grant ?? null;
  }

  /** The presentation that rotated this refresh token, if one did. */
  rotationOf(refreshToken: string): Presentation | null {
    return this.refreshTokens.get(refreshToken)?.rotatedBy ?? null;
  }

  /** @internal */
  takeFate(): AnswerFate {
    return this.fates.shift() ?? 'prompt';
  }

  /** @internal A refresh request reaches the provider. */
  receiveRefresh(tab: string, tokens: SessionState, fate: AnswerFate): Presentation {
    const refreshToken = refreshTokenOf(tokens) ?? '(none)';
    const record = this.refreshTokens.get(refreshToken);
    const presentation: Presentation = {
      index: this.presentations.length + 1,
      tab,
      refreshToken,
      generation: tokens.generation,
      at: this.now(),
      grant: record?.grant ?? null,
      result: 'rejected',
      heard: 'pending',
      heardAt: null,
      issued: null,
    };
    this.presentations.push(presentation);
    const what = `provider: ${tab} presents ${refreshToken} (generation ${tokens.generation})`;
    if (fate === 'unavailable') {
      presentation.result = 'unavailable';
      this.log(`${what}: 503, not looked at`);
    } else if (!record) {
      this.log(`${what}: unknown token, invalid_grant`);
    } else if (record.grant.revokedBecause) {
      this.log(`${what}: grant g${record.grant.id} revoked, invalid_grant`);
    } else if (record.rotatedBy) {
      presentation.result = 'replay';
      record.grant.revokedBecause = `${tab} replayed ${refreshToken}`;
      this.log(
        `${what}: REPLAY of a rotated token, grant g${record.grant.id} revoked, invalid_grant`,
      );
    } else {
      presentation.result = 'rotated';
      record.rotatedBy = presentation;
      const fresh = this.issue(record.grant);
      presentation.issued = fresh.refreshToken;
      this.log(
        `${what}: rotated to ${fresh.refreshToken}${fate === 'prompt' ? '' : `, answer ${fate}`}`,
      );
    }
    return presentation;
  }

  /** @internal The answer the tab gets, once it gets one. */
  answer(presentation: Presentation, previous: SessionState): Omit<SessionState, 'generation'> {
    if (presentation.result === 'unavailable')
      throw new ProviderUnreachableError('server_error', 503);
    if (presentation.result !== 'rotated' || !presentation.issued)
      throw new SessionExpiredError('refresh_rejected', 'invalid_grant');
    const accessToken = this.accessTokenFor(presentation.issued);
    // Keeps whatever else the set carries (its sign-out epoch, ...), as a parsed response does.
    const { generation: _, ...rest } = previous;
    return {
      ...rest,
      credentials: { ...previous.credentials, accessToken, refreshToken: presentation.issued },
      canRefresh: true,
      receivedAt: this.now(),
      expiresAt: this.now() + this.timing.accessTokenLifetimeMs,
    };
  }

  /** Grants a revocation was attempted for but refused (503): best effort failed. */
  readonly unrevoked = new Set<Grant>();

  /** @internal A revocation refused with a 503 before the provider looked at it. */
  refuseRevocation(tab: string, token: string): void {
    const grant = this.grantOf(token);
    if (grant && !grant.revokedBecause) this.unrevoked.add(grant);
    this.log(`provider: ${tab} revokes ${token}: 503, not looked at`);
  }

  /** @internal Revocation (RFC 7009) reaches the provider. */
  receiveRevocation(tab: string, token: string): void {
    const grant = this.grantOf(token);
    if (!grant) {
      this.log(`provider: ${tab} revokes ${token}: unknown, nothing to do`);
    } else if (!grant.revokedBecause) {
      grant.revokedBecause = `${tab} revoked ${token}`;
      this.log(`provider: ${tab} revokes ${token}: grant g${grant.id} revoked`);
    } else {
      this.log(`provider: ${tab} revokes ${token}: grant g${grant.id} already revoked`);
    }
  }

  private issue(grant: Grant): { accessToken: string; refreshToken: string } {
    this.issued++;
    const refreshToken = `rt-g${grant.id}.${this.issued}`;
    this.refreshTokens.set(refreshToken, { grant, rotatedBy: null });
    return { accessToken: this.accessTokenFor(refreshToken), refreshToken };
  }

  private accessTokenFor(refreshToken: string): string {
    const accessToken = refreshToken.replace(/^rt-/, 'at-');
    const grant = this.refreshTokens.get(refreshToken)!.grant;
    if (!this.accessTokens.has(accessToken)) {
      this.accessTokens.set(accessToken, {
        grant,
        expiresAt: this.now() + this.timing.accessTokenLifetimeMs,
      });
    }
    return accessToken;
  }
}
