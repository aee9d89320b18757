/**
 * A minimal browser stand-in for driving the provider's pages from tests: one request at a time,
 * redirects not followed automatically, and a cookie jar that honours cookie paths (oidc-provider
 * scopes its interaction cookies to /interaction/<uid> and /auth/<uid>).
 */

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

export class CookieJar {
  // Tests talk to localhost only, so cookies are keyed by name and path, without a domain.
  readonly #cookies = new Map<string, StoredCookie>();

  /** @param now the device clock that `Expires` is compared with (a skewed one in clock tests). */
  constructor(private readonly now: () => number = Date.now) {}

  /** Applies the Set-Cookie headers of a response to `url`. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      let path = url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/';
      let expiredByExpires = false;
      let maxAge: number | undefined;
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=').map((part) => part.trim());
        if (key.toLowerCase() === 'path') {
          path = attributeValue;
        } else if (key.toLowerCase() === 'expires') {
          expiredByExpires = Date.parse(attributeValue) <= this.now();
        } else if (key.toLowerCase() === 'max-age') {
          maxAge = Number(attributeValue);
        }
      }
      // As browsers do (RFC 6265 section 5.3 step 3): Max-Age, when present, wins over Expires.
      const expired = value === '' || (maxAge === undefined ? expiredByExpires : maxAge <= 0);
      const key = `${name};${path}`;
      if (expired) {
        this.#cookies.delete(key);
      } else {
        this.#cookies.set(key, { name, value, path });
      }
    }
  }

  /** The Cookie header to send to `url`, if any cookie applies. */
  header(url: URL): string | undefined {
    const matching = [...this.#cookies.values()].filter(
      ({ path }) =>
        url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`),
    );
    return matching.length > 0
      ? matching.map(({ name, value }) => `${name}=${value}`).join('; ')
      : undefined;
  }
}

export class UserAgent {
  readonly jar: CookieJar;

  /** @param now the device clock (default: the real one). */
  constructor(now: () => number = Date.now) {
    this.jar = new CookieJar(now);
  }

  /** One HTTP exchange with cookies sent and stored; redirects are returned, not followed. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(target);
    if (cookie) {
      headers.set('cookie', cookie);
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.jar.store(target, response.headers.getSetCookie());
    return response;
  }

  /** Posts an urlencoded form. */
  postForm(
    url: string | URL,
    fields: Readonly<Record<string, string>>,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** The absolute target of a redirect response; throws if it is not one. */
export function redirectTarget(response: Response, base: string | URL): URL {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || !location) {
    throw new Error(`expected a redirect, got ${response.status}`);
  }
  return new URL(location, base);
}
