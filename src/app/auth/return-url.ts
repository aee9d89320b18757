/** Where a user goes after signing in when no usable return path was given. */
export const DEFAULT_RETURN_PATH = '/dashboard';

const PLACEHOLDER_ORIGIN = 'https://return-url.invalid';

/**
 * Accepts a `returnUrl` only when it is a path on this app's own origin, so that the sign-in
 * redirect can never become an open redirect. Rejects absolute URLs, protocol-relative `//host`,
 * backslash forms browsers read as `//` (`/\host`), `javascript:` and other schemes, control
 * characters, and all of those hidden behind percent-encoding.
 * @returns the normalised path (path + query + fragment), or `fallback`.
 */
export function safeReturnPath(raw: unknown, fallback = DEFAULT_RETURN_PATH): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > 2048) return fallback;
  if (!isPlainPath(raw)) return fallback;
  // Look behind up to three layers of percent-encoding: "%2F%2Fevil" decodes to "//evil".
  let decoded = raw;
  for (let layer = 0; layer < 3; layer++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      // A malformed escape sequence is not something a genuine app link contains.
      return fallback;
    }
    if (next === decoded) break;
    if (!isPlainPath(next)) return fallback;
    decoded = next;
  }
  const url = new URL(raw, PLACEHOLDER_ORIGIN);
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  return url.pathname + url.search + url.hash;
}

/** A single leading slash, no second slash or backslash after it, no control characters. */
function isPlainPath(value: string): boolean {
  return (
    value.startsWith('/') &&
    !value.startsWith('//') &&
    !value.includes('\\') &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f]/.test(value)
  );
}
