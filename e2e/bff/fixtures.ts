import { appendFileSync, mkdirSync } from 'node:fs';

import { BrowserContext, Page, Response, test as base, expect } from '@playwright/test';

import { providerStats, resetProviderStats } from '../helpers/provider-stats';
import { ISSUER } from '../helpers/stack';

export { expect };
// Sign-in and the dashboard look the same in both modes: the BFF is behind the same pages.
export { expectDashboardLoaded, openDashboardTab, signIn } from '../fixtures';

/** Where every token issued during the run is kept, for the final search of the BFF's log. */
export const ISSUED_TOKENS_FILE = 'test-results/bff-issued-tokens.txt';

/** What the browser received: every response's URL, headers and body. */
class Received {
  readonly responses: { url: string; headers: string; body: string }[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(context: BrowserContext) {
    context.on('response', (response) => this.pending.push(this.record(response)));
  }

  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async record(response: Response): Promise<void> {
    // Redirects and aborted loads have no body; a body still streaming when the test ends is
    // given a few seconds (the cookies, set by headers, are checked from the cookie jar).
    const body = await Promise.race([
      response.text().catch(() => ''),
      new Promise<string>((resolve) => setTimeout(() => resolve(''), 5_000)),
    ]);
    this.responses.push({ url: response.url(), headers: JSON.stringify(response.headers()), body });
  }
}

/**
 * Every BFF-mode test starts with fresh provider counters and, when it ends, checks that the
 * browser never received any token the provider issued during the test: not in a response body
 * or header, a cookie, or web storage. The one exception is the ID token as `id_token_hint` in
 * the URL of the provider's end-session page (the BFF's sign-out answer names that URL, and the
 * provider's page is loaded from it).
 */
export const test = base.extend<{ received: Received }>({
  received: [
    async ({ context }, use) => {
      await resetProviderStats();
      const received = new Received(context);
      await use(received);
      await received.settled();
      const issued = (await providerStats()).issuedTokens;
      mkdirSync('test-results', { recursive: true });
      if (issued.length) appendFileSync(ISSUED_TOKENS_FILE, issued.join('\n') + '\n');
      const idTokens = new Set(issued.filter((token) => token.split('.').length === 3));
      const storage = await Promise.all(context.pages().map((page) => webStorage(page)));
      const cookies = JSON.stringify(await context.cookies());
      for (const token of issued) {
        const where = [
          ...received.responses
            .filter((r) => !(idTokens.has(token) && isEndSessionCarrier(r.url)))
            .filter((r) => `${r.headers}${r.body}`.includes(token))
            .map((r) => `response ${r.url}`),
          ...(cookies.includes(token) ? ['a cookie'] : []),
          ...(storage.some((s) => s.includes(token)) ? ['web storage'] : []),
        ];
        expect(where, 'a token issued by the provider reached the browser').toEqual([]);
      }
    },
    { auto: true },
  ],
});

/** The BFF's sign-out answer and the provider's end-session page carry the id_token_hint. */
function isEndSessionCarrier(url: string): boolean {
  return url.endsWith('/bff/logout') || url.startsWith(`${ISSUER}/session/end`);
}

function webStorage(page: Page): Promise<string> {
  return page
    .evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
    .catch(() => ''); // a page on the provider's origin, or one being closed
}

/** Clicks Reload and waits until no widget is loading any more. */
export async function reload(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.locator('[data-testid="widget"][data-state="loading"]')).toHaveCount(0, {
    timeout: 20_000,
  });
}

/** The provider's dev switch: down (503 to everything) or back. */
export async function providerDown(down: boolean): Promise<void> {
  const response = await fetch(`${ISSUER}/__dev/outage?down=${down ? 1 : 0}`, { method: 'POST' });
  expect(response.ok).toBe(true);
}
