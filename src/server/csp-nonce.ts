import { randomBytes } from 'node:crypto';

/**
 * The value of `ngCspNonce` in src/index.html. The build copies it onto every script and style
 * of the page template, and Angular's server render onto the styles and the event-replay script
 * it adds; each response then gets a fresh nonce in its place.
 */
export const NONCE_PLACEHOLDER = 'oidc-session-csp-nonce';

/** 128 random bits, as the CSP spec asks of a nonce. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The `<link rel="modulepreload">` tags @angular/ssr adds for the lazy route's chunks carry no
 * nonce, and under 'strict-dynamic' a preload without one is refused (and reported).
 */
const UNNONCED_MODULEPRELOAD = /<link rel="modulepreload" href="([^"<>]*)">/g;

/** The rendered page with this response's nonce in every place that needs one. */
export function applyNonce(html: string, nonce: string): string {
  return html
    .replaceAll(NONCE_PLACEHOLDER, nonce)
    .replace(UNNONCED_MODULEPRELOAD, `<link rel="modulepreload" href="$1" nonce="${nonce}">`);
}
