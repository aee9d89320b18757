/**
 * The one return-path rule of the app and the BFF (`bff/return-path.ts` imports this file, so it
 * stays pure TypeScript: no Angular, no imports at all).
 */

/** Where a user goes after signing in when no usable return path was given. */
export const DEFAULT_RETURN_PATH = '/dashboard';

const PLACEHOLDER_ORIGIN = 'https://return-url.invalid';
/** Layers of percent-encoding looked behind; a value still changing after that is refused. */
const MAX_DECODING_LAYERS = 4;
const MAX_LENGTH = 2048;

/**
 * Accepts a `returnUrl` only when its final, normalised form is a path on this app's own origin
 * that starts with exactly one `/` not followed by `/` or `\`, so that the sign-in redirect can
 * never become an open redirect. The check runs on the input AND on its normalised form:
 * normalising can create what the input did not show (`/.//evil`, `/a/..//evil` and
 * `/%2e%2e/%2F/evil` all become `//evil` or `/%2F/evil`). Each of up to four layers of
 * percent-decoding, normalised or not, is held to the same rule; control characters and
 * backslashes are refused in every layer.
 * @returns the normalised path (path + query + fragment), or `fallback`.
 */
export function safeReturnPath(raw: unknown, fallback = DEFAULT_RETURN_PATH): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_LENGTH) return fallback;
  if (!isPlainPathInEveryLayer(raw)) return fallback;
  const url = new URL(raw, PLACEHOLDER_ORIGIN);
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  const normalised = url.pathname + url.search + url.hash;
  // The value the browser will resolve is the normalised one: it must pass the rule too.
  return isPlainPathInEveryLayer(normalised) ? normalised : fallback;
}

/**
 * `value` and each percent-decoding of it are plain paths, normalised or not, and decoding settles
 * in time: a server or router that decodes once more must not find `//host` either.
 */
function isPlainPathInEveryLayer(value: string): boolean {
  let decoded = value;
  for (let layer = 0; layer <= MAX_DECODING_LAYERS; layer++) {
    if (!isPlainPath(decoded) || !isPlainPath(normalise(decoded))) return false;
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      // A malformed escape sequence is not something a genuine app link contains.
      return false;
    }
    if (next === decoded) return true;
    decoded = next;
  }
  // Still decoding after every layer we look behind: not a link the app produced.
  return false;
}

/** The path, query and fragment a browser would request for `path` (a plain path). */
function normalise(path: string): string {
  const url = new URL(path, PLACEHOLDER_ORIGIN);
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
