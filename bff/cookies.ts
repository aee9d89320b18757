/**
 * The BFF's cookies: the session cookie's name and the attributes every BFF cookie shares
 * (HttpOnly, SameSite=Lax, Path=/, Secure off loopback only).
 */
import type { BffConfig } from './config.ts';

export interface CookieNames {
  readonly session: string;
}

/** `__Host-` (Secure, Path=/, no Domain) everywhere but on loopback, where http has no Secure. */
export function cookieNames(config: Pick<BffConfig, 'loopback'>): CookieNames {
  const prefix = config.loopback ? '' : '__Host-';
  // Sign-ins in progress have cookies of their own, one each: see login-binding.ts.
  return { session: `${prefix}bff_session` };
}

export function cookieOptions(config: Pick<BffConfig, 'loopback'>, maxAgeSeconds?: number) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: !config.loopback,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}
