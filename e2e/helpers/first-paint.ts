import { Page, expect } from '@playwright/test';

// What a page looked like from its first paint on, for the server-rendering specs of both modes.

export interface Frame {
  readonly path: string;
  readonly account: string | null;
  readonly accountText: string;
  /** Dashboard widgets showing their data. */
  readonly loadedWidgets: number;
}

/**
 * Records, from before the first byte of HTML is parsed, the URL and the header's account area
 * after every DOM change and every animation frame; also CSP violations, and the header element
 * the server sent (to tell hydration, which keeps it, from a fresh render, which replaces it).
 */
export async function recordFrames(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as {
      __frames: Frame[];
      __violations: string[];
      __serverHeader: Element | null;
    };
    w.__frames = [];
    w.__violations = [];
    w.__serverHeader = null;
    const sample = () => {
      const account = document.querySelector('app-root .account');
      w.__frames.push({
        path: location.pathname,
        account: account?.getAttribute('data-session') ?? null,
        accountText: account?.textContent?.trim() ?? '',
        loadedWidgets: document.querySelectorAll('[data-testid="widget"][data-state="loaded"]')
          .length,
      });
    };
    document.addEventListener('securitypolicyviolation', (event) =>
      w.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
    new MutationObserver(sample).observe(document, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
    const everyFrame = () => {
      sample();
      requestAnimationFrame(everyFrame);
    };
    requestAnimationFrame(everyFrame);
    document.addEventListener('DOMContentLoaded', () => {
      w.__serverHeader = document.querySelector('app-root header');
    });
  });
}

/** The samples taken once the header was there (the first ones precede the parser reaching it). */
export const frames = async (page: Page) =>
  (await page.evaluate(() => (window as unknown as { __frames: Frame[] }).__frames)).filter(
    (frame) => frame.account !== null,
  );
export const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

/** Console errors and uncaught exceptions (hydration mismatches are console errors, NG05xx). */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

/** Whether the header on the page now is the element the server sent (hydration keeps it). */
export const serverHeader = (page: Page) =>
  page.evaluate(
    () =>
      document.querySelector('app-root header') ===
      (window as unknown as { __serverHeader: Element | null }).__serverHeader,
  );

/**
 * The script, style and module-preload tags of a server-rendered page that lack this nonce (the
 * transfer state, JSON in a <script type="application/json">, is data and never runs).
 */
export function scriptTagsWithoutNonce(html: string, nonce: string): string[] {
  return (html.match(/<(script|style|link rel="modulepreload")\b[^>]*>/g) ?? [])
    .filter((tag) => !tag.includes('type="application/json"'))
    .filter((tag) => !tag.includes(`nonce="${nonce}"`));
}

/** The nonce of a response's Content-Security-Policy. */
export function policyNonce(policy: string | undefined): string {
  const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{22,})' 'strict-dynamic'/.exec(policy ?? '')?.[1];
  if (!nonce) throw new Error(`no script nonce in the policy: ${policy}`);
  return nonce;
}

/**
 * Reloads a signed-in guarded page and checks every sampled frame from the first paint on: the
 * first is the server's header on that path (neutral where the server does not know the session,
 * `firstPaint: 'unknown'`; signed in where it does); none shows another path (such as `/login`),
 * a signed-out header or "Sign in"; the browser ends signed in, with the server's header element
 * kept by hydration, and no CSP violation or console error on the way. `loaded` waits for the
 * page's content. Returns the frames.
 */
export async function expectSignedInReload(
  page: Page,
  path: string,
  loaded: () => Promise<void>,
  { firstPaint = 'unknown' }: { firstPaint?: 'unknown' | 'signed-in' } = {},
): Promise<Frame[]> {
  await recordFrames(page);
  const errors = consoleErrors(page);
  await page.reload();
  await loaded();
  const seen = await frames(page);
  expect(seen[0]).toMatchObject(
    firstPaint === 'unknown'
      ? { path, account: 'unknown', accountText: '' }
      : { path, account: 'signed-in' },
  );
  expect(seen.filter((frame) => frame.path !== path)).toEqual([]);
  expect(seen.filter((frame) => frame.account === 'signed-out')).toEqual([]);
  expect(seen.filter((frame) => /Sign in|Not signed in/.test(frame.accountText))).toEqual([]);
  expect(seen.some((frame) => frame.account === 'signed-in')).toBe(true);
  // Hydration kept the server's header element instead of rendering a new one.
  expect(await serverHeader(page)).toBe(true);
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
  return seen;
}
