import assert from 'node:assert/strict';

/**
 * A minimal browser stand-in: a cookie jar (by name and path; every server is on localhost, and
 * cookies do not isolate ports), manual redirects, and the app's calls to the BFF with the CSRF
 * header and the headers a browser adds to a same-origin fetch.
 */
export interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  /** The whole Set-Cookie line, for checking flags. */
  readonly raw: string;
}

export class Browser {
  readonly cookies = new Map<string, Cookie>();

  constructor(readonly origin: string) {}

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const raw of response.headers.getSetCookie()) this.#store(target, raw);
    return response;
  }

  /** The Cookie header this jar sends to `url` (empty when none applies). */
  cookieHeader(url: string | URL): string {
    const target = new URL(url, this.origin);
    return [...this.cookies.values()]
      .filter(
        ({ path }) =>
          target.pathname === path ||
          target.pathname.startsWith(path.endsWith('/') ? path : `${path}/`),
      )
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }

  /** A same-origin XHR of the app to the BFF (CSRF header, Sec-Fetch-Site, Origin on POST). */
  call(path: string, init: RequestInit & { base?: string } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-bff-csrf', '1');
    headers.set('sec-fetch-site', 'same-origin');
    if (init.method && init.method !== 'GET') headers.set('origin', this.origin);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    return this.fetch(new URL(path, init.base ?? this.origin), { ...init, headers });
  }

  /** Follows redirects from `response` until one lands on `stopOrigin` or a page is shown. */
  async follow(
    response: Response,
    from: URL,
    stopOrigin?: string,
  ): Promise<{ response: Response; url: URL }> {
    let current = response;
    let url = from;
    for (let hop = 0; hop < 15; hop += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || !location)
        return { response: current, url };
      url = new URL(location, url);
      if (stopOrigin && url.origin === stopOrigin) return { response: current, url };
      current = await this.fetch(url);
    }
    throw new Error('too many redirects');
  }

  /** Forgets the provider's session (its cookies): the next sign-in there starts another one. */
  forgetProviderSession(): void {
    for (const [key, cookie] of this.cookies)
      if (!cookie.name.startsWith('bff_')) this.cookies.delete(key);
  }

  /** `GET /bff/login` with these query parameters (an array: the parameter repeated). */
  loginWith(parameters: Record<string, string | string[]>): Promise<Response> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(parameters))
      for (const one of Array.isArray(value) ? value : [value]) query.append(name, one);
    return this.fetch(`/bff/login?${query}`);
  }

  /**
   * The provider's part of a sign-in from `providerUrl`: answers every page the dev provider shows
   * (its password form, its one-time code form) until it sends the browser back to the BFF at
   * `/bff/callback`. Returns that callback URL, not yet visited, and the pages seen.
   */
  async atProvider(
    providerUrl: URL,
    { username = 'alice', password = 'wonderland' } = {},
  ): Promise<{ callback: URL; pages: string[] }> {
    let page = await this.follow(await this.fetch(providerUrl), providerUrl, this.origin);
    const pages: string[] = [];
    while (page.url.origin !== this.origin) {
      assert.ok(pages.length < 3, `too many pages: ${pages.join(', ')}`);
      const html = await page.response.text();
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      assert.ok(action, `a form of the provider (${page.response.status}): ${html.slice(0, 300)}`);
      const actionUrl = new URL(action.replace(/&amp;/g, '&'), page.url);
      const code = /<label for="code">One-time code<\/label>/.test(html);
      pages.push(code ? 'one-time code' : 'password');
      const form: Record<string, string> = code
        ? { step: 'one-time-code', code: '123456' }
        : { username, password };
      const submitted = await this.fetch(actionUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      page = await this.follow(submitted, actionUrl, this.origin);
    }
    assert.equal(page.url.pathname, '/bff/callback');
    return { callback: page.url, pages };
  }

  /** Signs in through the BFF and the provider's login form; returns where the BFF sent us. */
  async signIn({
    returnUrl = '/dashboard',
    username = 'alice',
    password = 'wonderland',
    base = this.origin,
    beforeProvider = async () => {},
  }: {
    returnUrl?: string;
    username?: string;
    password?: string;
    base?: string;
    /** Runs once the BFF stored the sign-in, before the provider is visited. */
    beforeProvider?: () => Promise<void>;
  } = {}): Promise<URL> {
    const start = new URL(`/bff/login?returnUrl=${encodeURIComponent(returnUrl)}`, base);
    const bffOrigin = new URL(base).origin;
    const first = await this.fetch(start);
    const providerUrl = new URL(first.headers.get('location') ?? '', base);
    if (providerUrl.origin === bffOrigin) return providerUrl; // the BFF could not start a sign-in
    await beforeProvider();
    const login = await this.follow(await this.fetch(providerUrl), providerUrl, bffOrigin);
    let callback = login;
    if (login.url.origin !== bffOrigin) {
      // No provider session yet: fill in the login form.
      const html = await login.response.text();
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (!action)
        throw new Error(
          `expected the login page, got ${login.response.status}: ${html.slice(0, 200)}`,
        );
      const actionUrl = new URL(action.replace(/&amp;/g, '&'), login.url);
      const submitted = await this.fetch(actionUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username, password }).toString(),
      });
      callback = await this.follow(submitted, actionUrl, bffOrigin);
    }
    // The callback on the BFF, then its own redirect into the app.
    const answer = await this.fetch(callback.url);
    const location = answer.headers.get('location');
    if (answer.status !== 303 || !location) throw new Error(`callback answered ${answer.status}`);
    return new URL(location, base);
  }

  #store(url: URL, raw: string): void {
    const [pair = '', ...attributes] = raw.split(';');
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    let path = url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/';
    let expired = value === '';
    for (const attribute of attributes) {
      const [key = '', attributeValue = ''] = attribute.split('=').map((part) => part.trim());
      if (key.toLowerCase() === 'path') path = attributeValue;
      if (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
      if (key.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now())
        expired = true;
    }
    if (expired) this.cookies.delete(`${name};${path}`);
    else this.cookies.set(`${name};${path}`, { name, value, path, raw });
  }

  cookie(name: string): Cookie | undefined {
    return [...this.cookies.values()].find((cookie) => cookie.name === name);
  }
}
