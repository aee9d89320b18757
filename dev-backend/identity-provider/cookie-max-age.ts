/**
 * Gives every cookie the provider sets a `Max-Age` next to its `Expires`.
 *
 * oidc-provider (through the `cookies` package) writes `Expires` only: an absolute date, which the
 * browser compares with the device's clock. On a device whose clock runs hours ahead, the
 * 10-minute interaction cookie is born expired and sign-in fails. `Max-Age` is relative, and when
 * both are present browsers use it (RFC 6265 section 5.3, step 3), so the cookie lives as long as
 * the provider meant whatever the device's clock says. `Expires` stays for very old clients.
 */
import type { ServerResponse } from 'node:http';

/**
 * Adds `; max-age=<seconds>` derived from the cookie's `Expires`, reckoned on this server's clock,
 * which wrote that date a moment ago. A cookie that already has `Max-Age`, or has no `Expires` (a
 * browser-session cookie, which no clock can shorten), is returned unchanged. A deletion (an
 * `Expires` in the past) gets `max-age=0`.
 */
export function withMaxAge(setCookie: string, nowMs: number = Date.now()): string {
  const attributes = setCookie.split(';').slice(1);
  const named = (name: string) =>
    attributes.find((attribute) => attribute.trim().toLowerCase().startsWith(`${name}=`));
  if (named('max-age') !== undefined) {
    return setCookie;
  }
  const expires = named('expires');
  const expiresAt =
    expires === undefined ? NaN : Date.parse(expires.slice(expires.indexOf('=') + 1));
  if (Number.isNaN(expiresAt)) {
    return setCookie;
  }
  // Expires has whole seconds and was truncated when written, so round up to get the original.
  const seconds = Math.max(0, Math.ceil((expiresAt - nowMs) / 1000));
  return `${setCookie}; max-age=${seconds}`;
}

/**
 * Rewrites the `Set-Cookie` headers of `res` just before they are sent. It hooks `writeHead`,
 * which Node also calls for implicit headers, because oidc-provider still edits its cookie headers
 * after setting them (it appends the session's `Expires` in place), so `setHeader` is too early.
 */
export function sendCookiesWithMaxAge(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const current = this.getHeader('set-cookie');
    if (current !== undefined) {
      this.setHeader('set-cookie', rewrite(current));
    }
    // Headers passed to writeHead itself (an object, as the second or third argument).
    for (const arg of args) {
      if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
        const headers = arg as Record<string, unknown>;
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'set-cookie') {
            headers[name] = rewrite(headers[name]);
          }
        }
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

function rewrite(value: unknown): string | string[] {
  const now = Date.now();
  return Array.isArray(value)
    ? value.map((cookie) => withMaxAge(String(cookie), now))
    : withMaxAge(String(value), now);
}
