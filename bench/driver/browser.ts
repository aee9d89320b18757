/**
 * Browser side of the benchmark: contexts on the subject's page, sign-in through the real
 * provider, counting the token and API traffic of each context, and a laptop-lid "sleep".
 */
import { Browser, BrowserContext, Page, Route, chromium } from '@playwright/test';

import type { BurstResult, DpopCostKind, HttpCostVariant } from '../apps/shared/bench-api';
import { chromiumExecutable, chromiumFlags } from '../../scripts/chromium.cjs';
import { ENV } from './stack';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable, args: [...chromiumFlags] });
}

/** Token and API traffic of one browser context, counted from what the browser sent. */
export class ContextTraffic {
  refreshes = 0;
  refreshRejections = 0;
  readonly refreshDurations: number[] = [];
  api401s = 0;
  /**
   * Order of token POSTs, other provider requests (any URL on the issuer's origin: discovery,
   * JWKS, ...) and API requests, for "token calls / provider requests before the first API
   * request".
   */
  readonly sequence: ('token' | 'provider' | 'api')[] = [];

  constructor(context: BrowserContext) {
    context.on('request', (request) => {
      const url = request.url();
      if (url === `${ENV.issuer}/token` && request.method() === 'POST') {
        this.sequence.push('token');
        if (new URLSearchParams(request.postData() ?? '').get('grant_type') === 'refresh_token')
          this.refreshes++;
      } else if (url.startsWith(`${ENV.apiOrigin}/api/`) && request.method() === 'GET') {
        this.sequence.push('api');
      } else if (isProviderUrl(url)) {
        this.sequence.push('provider');
      }
    });
    context.on('response', (response) => {
      const request = response.request();
      if (response.url().startsWith(`${ENV.apiOrigin}/api/`) && response.status() === 401)
        this.api401s++;
      if (response.url() === `${ENV.issuer}/token` && isRefresh(request.postData())) {
        if (response.status() >= 400 && response.status() < 500) this.refreshRejections++;
      }
    });
    context.on('requestfinished', (request) => {
      if (request.url() === `${ENV.issuer}/token` && isRefresh(request.postData())) {
        const timing = request.timing();
        if (timing.responseEnd > 0) this.refreshDurations.push(timing.responseEnd);
      }
    });
  }
}

const PROVIDER_ORIGIN = new URL(ENV.issuer).origin;

/** Whether the browser sent `url` to the provider (any path on the issuer's origin). */
export function isProviderUrl(url: string): boolean {
  return url.startsWith(`${PROVIDER_ORIGIN}/`);
}

/** The issuer's origin, e.g. for delaying every provider response. */
export const providerOrigin = PROVIDER_ORIGIN;

function isRefresh(body: string | null): boolean {
  return new URLSearchParams(body ?? '').get('grant_type') === 'refresh_token';
}

export interface Tab {
  readonly page: Page;
  burst(n: number, path?: string): Promise<BurstResult>;
  httpCostMicros(variant: HttpCostVariant, iterations: number): Promise<number>;
  dpopCostMicros(kind: DpopCostKind, iterations: number): Promise<number>;
}

/** A browser context (one user's browser profile) with the subject's page open in it. */
export class Session {
  readonly traffic: ContextTraffic;
  readonly tabs: Tab[] = [];
  private pausedAt = 0;

  private constructor(
    readonly context: BrowserContext,
    private readonly withClock: boolean,
  ) {
    this.traffic = new ContextTraffic(context);
  }

  /**
   * A new context, signed in through the real provider. `providerCookies` (from an earlier
   * sign-in) make the provider skip its login form; every context still gets its own grant.
   */
  static async signedIn(
    browser: Browser,
    options: { clock: boolean; providerCookies?: Cookies; bearer?: boolean },
  ): Promise<Session> {
    const context = await browser.newContext();
    if (options.providerCookies) await context.addCookies(options.providerCookies);
    // A Bearer session for the subject, whose dev client would otherwise get DPoP-bound tokens:
    // every request through the one interceptor would then include a proof's WebCrypto work.
    if (options.bearer) await context.route('**/auth.config.json', bearerConfig);
    if (options.clock) await context.clock.install();
    const session = new Session(context, options.clock);
    const page = await context.newPage();
    await page.goto(`${ENV.appOrigin}/`);
    await page.evaluate(() => window.benchReady);
    await page.evaluate(() => window.bench!.signIn());
    if (!options.providerCookies) await fillProviderLogin(page);
    await page.waitForURL(`${ENV.appOrigin}/**`);
    await page.waitForFunction(() => window.bench?.signedIn() === true, undefined, {
      timeout: 15_000,
    });
    session.tabs.push(tab(page));
    return session;
  }

  /** Cookies of the provider (its SSO session), to sign in other contexts without the form. */
  async providerCookies(): Promise<Cookies> {
    return (await this.context.cookies()).filter(
      (cookie) => !cookie.domain || cookie.domain.includes('localhost'),
    );
  }

  /** Opens one more tab of the app in this context (it joins the session as the subject does). */
  async openTab(): Promise<Tab> {
    const page = await this.context.newPage();
    await page.goto(`${ENV.appOrigin}/`);
    await page.evaluate(() => window.benchReady);
    const opened = tab(page);
    this.tabs.push(opened);
    return opened;
  }

  /** Closes the lid: page timers stop and page time stands still while real time goes on. */
  async sleep(): Promise<void> {
    if (!this.withClock) throw new Error('sleep() needs a context with the clock installed');
    // pauseAt takes an absolute time that must not be behind the fake clock, which after a
    // wake can run slightly ahead of ours: pause a second ahead, and take it back on wake.
    const pageNow = await this.tabs[0].page.evaluate(() => Date.now());
    this.pausedAt = Date.now();
    await this.context.clock.pauseAt(pageNow + PAUSE_AHEAD_MS);
  }

  /** Opens the lid: page time jumps to now, due timers fire once, time flows again. */
  async wake(): Promise<void> {
    await this.context.clock.fastForward(Math.max(1, Date.now() - this.pausedAt - PAUSE_AHEAD_MS));
    await this.context.clock.resume();
  }

  /** Whether every tab can still use the API: one request each, after the dust settled. */
  async tabsSignedOut(): Promise<number> {
    const probes = await Promise.all(this.tabs.map((t) => t.burst(1, '/me')));
    return probes.filter((probe) => probe.ok !== 1).length;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

const PAUSE_AHEAD_MS = 1_000;

export type Cookies = Awaited<ReturnType<BrowserContext['cookies']>>;

function tab(page: Page): Tab {
  return {
    page,
    burst: (n, path = '/dashboard/weather') =>
      page.evaluate(([count, p]) => window.bench!.burst(count, p), [n, path] as const),
    httpCostMicros: (variant, iterations) =>
      page.evaluate(([v, i]) => window.bench!.httpCostMicros(v, i), [variant, iterations] as const),
    dpopCostMicros: (kind, iterations) =>
      page.evaluate(([k, i]) => window.bench!.dpopCostMicros!(k, i), [kind, iterations] as const),
  };
}

/** Signs alice in on the dev provider's login form the page shows. */
export async function fillProviderLogin(page: Page): Promise<void> {
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('wonderland');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The app's own /auth.config.json with DPoP off. */
async function bearerConfig(route: Route): Promise<void> {
  const response = await route.fetch();
  const config = (await response.json()) as Record<string, unknown>;
  const bearer = config['mode'] === 'bff' ? config : { ...config, dpop: 'off' };
  await route.fulfill({ response, json: bearer });
}
