import { ApiLocation } from './config-types';

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

/**
 * An absolute http(s) URL in the plain form the URL parser leaves as it is: lower-case host
 * names whose labels start with a letter (no IP addresses, which it would normalise), a port
 * without leading zeros, and a path of characters it neither decodes nor encodes. Anything else
 * (upper case, `%`, `\`, `@`, white space, dot segments, ...) takes the `new URL` path.
 */
const PLAIN_ABSOLUTE =
  /^(https?):\/\/([a-z][a-z\d-]*(?:\.[a-z][a-z\d-]*)*)(?::([1-9]\d{0,4}))?(\/[\w\-.~!$&'()*+,;=:/]*)?(?:[?#]|$)/;
/** A path relative to the origin (`/api/me`), in the same plain form. */
const PLAIN_ROOT_RELATIVE = /^(\/(?![/\\])[\w\-.~!$&'()*+,;=:/]*)(?:[?#]|$)/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
/**
 * What, in the path after a configured `origin + pathPrefix`, could make the parser's path
 * differ from the text: white space and control characters (removed or encoded), `\` (read as
 * `/`), an encoded dot (`%2e`, decoded in dot segments) and dot segments themselves.
 */
const UNSAFE_PATH_REST = /[\x00-\x20\\]|%2e|\/\.\.?(?:\/|$)/i;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * The allowlist prepared once per configuration, for the interceptor's hot path: plain URLs are
 * matched with string operations, everything else exactly as {@link isAllowedApiUrl} does.
 */
export class ApiAllowlist {
  private readonly origins: ReadonlyMap<string, readonly string[]>;
  /** `origin + pathPrefix` per API, as a URL that is plainly inside it starts. */
  private readonly starts: readonly string[];

  /** @param base the document's base URL, read once; relative URLs resolve against it. */
  constructor(
    private readonly apis: readonly ApiLocation[],
    private readonly base: string,
  ) {
    const origins = new Map<string, string[]>();
    for (const api of apis)
      origins.set(api.origin, [...(origins.get(api.origin) ?? []), api.pathPrefix]);
    this.origins = origins;
    this.starts = apis.map((api) => api.origin + api.pathPrefix);
  }

  /**
   * Whether the URL may carry the token: the same answer as {@link match}, without building the
   * target. The common case, an absolute URL written as `origin + pathPrefix` + a plain path,
   * costs a prefix comparison and one scan of its path; everything else goes through `match`.
   */
  allows(url: string): boolean {
    for (const start of this.starts) {
      if (url.startsWith(start) && this.plainlyInside(url, start)) return true;
    }
    return this.match(url) !== null;
  }

  private plainlyInside(url: string, start: string): boolean {
    const endsWithSlash = start.endsWith('/');
    const next = url.charAt(start.length);
    // `/api` must be followed by `/`, the query, the fragment or nothing: `/apix` is no match.
    if (!endsWithSlash && next !== '' && next !== '/' && next !== '?' && next !== '#') {
      return false;
    }
    const query = url.slice(start.length).search(/[?#]/);
    // The path from the last `/` of the prefix on, so that a leading dot segment is seen too.
    const from = start.length - (endsWithSlash ? 1 : 0);
    const rest = url.slice(from, query === -1 ? undefined : start.length + query);
    return !UNSAFE_PATH_REST.test(rest);
  }

  /** `origin + path` of the URL when it may carry the token, else null. */
  match(url: string): string | null {
    const plain = this.plainTarget(url);
    if (plain !== undefined) {
      if (plain === null) return null;
      const prefixes = this.origins.get(plain.origin);
      return prefixes?.some((prefix) => pathIsWithin(plain.path, prefix))
        ? plain.origin + plain.path
        : null;
    }
    const parsed = parseRequestUrl(url, this.base);
    return parsed && isAllowedApi(parsed, this.apis) ? parsed.origin + parsed.pathname : null;
  }

  /** Origin and path of a plain URL; undefined when the URL is not plain (use the parser). */
  private plainTarget(url: string): { origin: string; path: string } | null | undefined {
    const absolute = PLAIN_ABSOLUTE.exec(url);
    if (absolute) {
      const [, scheme, host, port, path = '/'] = absolute;
      if (DOT_SEGMENT.test(path) || (port !== undefined && Number(port) > 65535)) return undefined;
      const shownPort = port === undefined || port === DEFAULT_PORTS[scheme] ? '' : `:${port}`;
      return { origin: `${scheme}://${host}${shownPort}`, path };
    }
    const relative = PLAIN_ROOT_RELATIVE.exec(url);
    if (relative && !DOT_SEGMENT.test(relative[1])) {
      const origin = baseOrigin(this.base);
      return origin === null ? undefined : { origin, path: relative[1] };
    }
    return undefined;
  }
}

const baseOrigins = new Map<string, string | null>();

function baseOrigin(base: string): string | null {
  let origin = baseOrigins.get(base);
  if (origin === undefined) {
    origin = parseRequestUrl(base, undefined)?.origin ?? null;
    // Only http(s) bases have an origin the APIs can be compared with.
    if (origin === 'null') origin = null;
    baseOrigins.set(base, origin);
  }
  return origin;
}
