import { ApiLocation } from './auth-config';

/**
 * Whether a request URL may carry the access token: the exact origin (scheme, host and port)
 * of a configured API, and its path prefix matched as whole segments. So with
 * `http://localhost:3000` + `/api`, neither `http://localhost:3000.evil.test`,
 * `http://localhost:30001` nor `http://localhost:3000/apix` get the token.
 * @param url absolute, or relative to `base` (the document's base URL).
 */
export function isAllowedApiUrl(url: string, apis: readonly ApiLocation[], base: string): boolean {
  const parsed = parseRequestUrl(url, base);
  return parsed !== null && isAllowedApi(parsed, apis);
}

/** The URL the browser will request, or null when it cannot be parsed (it then gets no token). */
export function parseRequestUrl(url: string, base: string | undefined): URL | null {
  try {
    return new URL(url, base);
  } catch {
    // Unparseable URLs cannot be matched to an API, so they go out without a token.
    return null;
  }
}

/** {@link isAllowedApiUrl} for an already parsed URL. */
export function isAllowedApi(url: URL, apis: readonly ApiLocation[]): boolean {
  // URL parsing has already resolved "..", case and default ports, so we compare what the
  // browser will actually request, not what the string looks like.
  return apis.some(
    (api) => url.origin === api.origin && pathIsWithin(url.pathname, api.pathPrefix),
  );
}

function pathIsWithin(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(prefix + '/');
}
