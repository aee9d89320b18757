import { API, ISSUER } from './stack';

/** What the identity provider saw (its dev-only, loopback-only `/__dev/stats`). */
export interface ProviderStats {
  readonly grants: Readonly<Record<string, number>>;
  readonly grantErrors: readonly {
    readonly grantType: string;
    readonly error: string;
    readonly description: string;
    readonly replayedRefreshToken: boolean;
  }[];
  readonly revocations: number;
  readonly endSessions: number;
  readonly authorizations: number;
  readonly grantsRevoked: number;
}

export async function providerStats(): Promise<ProviderStats> {
  const response = await fetch(`${ISSUER}/__dev/stats`);
  if (!response.ok) throw new Error(`provider stats: HTTP ${response.status}`);
  return (await response.json()) as ProviderStats;
}

export async function resetProviderStats(): Promise<void> {
  await fetch(`${ISSUER}/__dev/stats/reset`, { method: 'POST' });
  await fetch(`${API}/__dev/stats/reset`, { method: 'POST' });
}

/** What the resource API saw (its dev-only `/__dev/stats`): requests by path, 401s by reason. */
export interface ApiStats {
  readonly requests: number;
  readonly byPath: Readonly<Record<string, number>>;
  readonly unauthorized: Readonly<Record<string, number>>;
}

export async function apiStats(): Promise<ApiStats> {
  const response = await fetch(`${API}/__dev/stats`);
  if (!response.ok) throw new Error(`API stats: HTTP ${response.status}`);
  return (await response.json()) as ApiStats;
}

/** Refresh-token grants the provider answered successfully. */
export async function refreshCount(): Promise<number> {
  return (await providerStats()).grants['refresh_token'] ?? 0;
}

/** Asks the token endpoint directly, as an attacker holding a captured refresh token would. */
export async function redeemRefreshToken(
  refreshToken: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const discovery = (await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json()) as {
    token_endpoint: string;
  };
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: 'demo-spa',
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
