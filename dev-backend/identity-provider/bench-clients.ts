/**
 * The benchmark's baselines (`bench/apps/a2o-stock`, `bench/apps/naive`) get clients of their own:
 * the same public code + PKCE client as `demo-spa` but never DPoP-bound, so that requiring DPoP
 * from the app's client (DEMO_CLIENT_DPOP=required) does not change what the baselines measure.
 * angular-oauth2-oidc as they wire it sends Bearer tokens only.
 */
import type { ClientMetadata } from 'oidc-provider';

/** The baselines' client ids (bench/apps/shared/runtime-config.ts names them too). */
export const BENCH_CLIENT_IDS = ['bench-a2o', 'bench-naive'] as const;

/** Public clients like the app's, for the app origin the benchmark serves each baseline on. */
export function benchClients(appOrigin: string): ClientMetadata[] {
  return BENCH_CLIENT_IDS.map((clientId) => ({
    client_id: clientId,
    client_name: `Benchmark baseline ${clientId}`,
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${appOrigin}/`],
    post_logout_redirect_uris: [`${appOrigin}/`],
    // Explicit although it is the default: these clients must keep getting Bearer tokens.
    dpop_bound_access_tokens: false,
  }));
}
