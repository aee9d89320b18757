/**
 * Reads the payload of a compact JWT without verifying it. Used only for ID tokens that came
 * straight from the token endpoint over TLS (OpenID Connect Core 3.1.3.7 allows trusting
 * those by the TLS server validation), never to make decisions about access tokens, which
 * stay opaque to this client.
 * @returns the claims, or null when the text is not a JWT with a JSON object payload.
 */
export function readJwtClaims(jwt: string): Record<string, unknown> | null {
  const parts = jwt.split('.');
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    // atob, TextDecoder and JSON.parse all throw on garbage; garbage is simply "not a JWT".
    return null;
  }
}
