/**
 * Finds an external provider's signing keys the way RFC 8414 / OpenID Connect Discovery says:
 * the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. Providers publish keys at many
 * different paths (Keycloak `/protocol/openid-connect/certs`, Entra `/discovery/v2.0/keys`), so
 * guessing `<issuer>/jwks` only works for the dev provider.
 */

/** Discovery answers kept per issuer; a failed lookup is forgotten so the next request retries. */
const lookups = new Map<string, Promise<string>>();

/** How long one discovery request may take before the API answers 503. */
const DISCOVERY_TIMEOUT_MS = 5000;

/** The discovery URL for an issuer: a `/` is added only when the issuer has none at its end. */
export function discoveryUrl(issuer: string): string {
  return `${issuer}${issuer.endsWith('/') ? '' : '/'}.well-known/openid-configuration`;
}

/**
 * Resolves the issuer's `jwks_uri`, fetching discovery once per process.
 * @throws Error with a one-line reason when discovery is unreachable or has no `jwks_uri`.
 */
export function discoveredJwksUri(issuer: string): Promise<string> {
  let lookup = lookups.get(issuer);
  if (!lookup) {
    lookup = fetchJwksUri(issuer);
    lookups.set(issuer, lookup);
    // A provider that was down at the first request must get another chance.
    lookup.catch(() => lookups.delete(issuer));
  }
  return lookup;
}

async function fetchJwksUri(issuer: string): Promise<string> {
  const url = discoveryUrl(issuer);
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
  });
  if (!response.ok) {
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri)) {
    throw new Error(`${url} has no jwks_uri`);
  }
  return document.jwks_uri;
}
