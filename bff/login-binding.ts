/**
 * The browser binding of a sign-in in progress (login CSRF protection): one cookie per sign-in,
 * named after its `state`, so that two tabs starting a sign-in at the same moment each keep
 * their own and both callbacks find it. A callback without the cookie of its `state` is refused.
 * A browser holds at most MAX_LOGINS_IN_PROGRESS of them: starting one more drops the oldest.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { BffConfig } from './config.ts';
import { cookieOptions } from './cookies.ts';

/** Seconds a sign-in may take: each binding cookie and its pending record live this long. */
export const LOGIN_BINDING_SECONDS = 600;
/** Sign-ins one browser may have in progress at once (tabs, windows, back-button retries). */
export const MAX_LOGINS_IN_PROGRESS = 5;
/** Characters of the state's hash in the cookie name: 72 bits, unique among a browser's few. */
const NAME_ID_LENGTH = 12;

/** Just what the binding needs from a Fastify request and reply. */
interface CookieReader {
  readonly cookies: Record<string, string | undefined>;
}
interface CookieWriter {
  setCookie(name: string, value: string, options: ReturnType<typeof cookieOptions>): unknown;
  clearCookie(name: string, options: ReturnType<typeof cookieOptions>): unknown;
}

/** `bff_login_` (with `__Host-` off loopback): what every binding cookie's name starts with. */
function namePrefix(config: Pick<BffConfig, 'loopback'>): string {
  return `${config.loopback ? '' : '__Host-'}bff_login_`;
}

/** The binding cookie of the sign-in with this `state`. */
export function bindingCookieName(config: Pick<BffConfig, 'loopback'>, state: string): string {
  const id = createHash('sha256').update(state).digest('base64url').slice(0, NAME_ID_LENGTH);
  return `${namePrefix(config)}${id}`;
}

export function hashBinding(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Sets a new binding cookie for the sign-in with `state` and returns the hash the pending record
 * keeps. Drops the oldest bindings first when the browser already holds the maximum.
 */
export function setLoginBinding(
  config: Pick<BffConfig, 'loopback'>,
  request: CookieReader,
  reply: CookieWriter,
  state: string,
  now: number,
): string {
  const held = Object.entries(request.cookies)
    .filter(([name, value]) => name.startsWith(namePrefix(config)) && value)
    // The value starts with its issue time: the oldest are the first to go.
    .map(([name, value]) => ({ name, issuedAt: Number((value as string).split('.')[0]) || 0 }))
    .sort((x, y) => x.issuedAt - y.issuedAt);
  for (const { name } of held.slice(0, Math.max(0, held.length - MAX_LOGINS_IN_PROGRESS + 1))) {
    reply.clearCookie(name, cookieOptions(config));
  }
  const value = `${now}.${randomBytes(32).toString('base64url')}`;
  reply.setCookie(
    bindingCookieName(config, state),
    value,
    cookieOptions(config, LOGIN_BINDING_SECONDS),
  );
  return hashBinding(value);
}

/**
 * Takes the binding of the sign-in with `state` (its cookie is cleared: single use) and answers
 * whether it matches `bindingHash`. False without the cookie: a callback planted by someone else.
 */
export function takeLoginBinding(
  config: Pick<BffConfig, 'loopback'>,
  request: CookieReader,
  reply: CookieWriter,
  state: string,
): string | undefined {
  const name = bindingCookieName(config, state);
  const value = request.cookies[name];
  if (value !== undefined) reply.clearCookie(name, cookieOptions(config));
  return value === undefined ? undefined : hashBinding(value);
}

/** Clears every binding cookie the browser holds: no sign-in it started before can complete. */
export function clearLoginBindings(
  config: Pick<BffConfig, 'loopback'>,
  request: CookieReader,
  reply: CookieWriter,
): void {
  for (const name of Object.keys(request.cookies)) {
    if (name.startsWith(namePrefix(config))) reply.clearCookie(name, cookieOptions(config));
  }
}
