/**
 * Server-side rendering in BFF mode (`ssr-*` rows, BENCH_ONLY=ssr): a reload of the signed-in
 * `/dashboard` (six widgets, each from its own `GET /api/dashboard/<name>`) through the BFF
 * serving the production build with its server build (the page comes rendered with its data, and
 * the browser hydrates from Angular's HTTP transfer cache) against the same BFF serving the same
 * browser files without it (`index.csr.html` as `index.html`: the browser renders the page and
 * asks the API itself). Both run in the same run, turn by turn, each turn a new BFF process and a
 * new browser context signed in through the BFF and the provider's login form. Measured per
 * reload, in system Chromium: from the navigation's start until all six widgets show their data
 * (an init script: MutationObserver and performance.now()), the first contentful paint, and the
 * API requests the browser sends until the page is complete (the six widgets and the load event).
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from '@playwright/test';

import { stackEnv } from '../../scripts/stack-env.mjs';
import { BffProcess } from './bff-processes';
import { fillProviderLogin, launchBrowser } from './browser';
import { Results } from './report';
import { Backend, ROOT } from './stack';

/**
 * A stack of its own with a one-hour access token: with the bench's 6 s token every proxied call
 * and every render would refresh first (the BFF's leeway is 10 s), which is not what is measured.
 */
const SSR_ENV = stackEnv({
  APP_PORT: '4430',
  IDP_PORT: '9430',
  API_PORT: '3430',
  ACCESS_TOKEN_TTL: '3600',
  REFRESH_TOKEN_TTL: '3600',
});

const VARIANTS = ['server-rendered', 'client-rendered'] as const;
type Variant = (typeof VARIANTS)[number];

const WIDGETS = 6;
const LOADED = '[data-testid="widget"][data-state="loaded"]';
/** Unmeasured reloads after the sign-in's landing: JIT in the BFF and the page, the HTTP cache. */
const WARM_UP_RELOADS = 2;

/** `BFF_STATIC_DIR` and `BFF_SSR_ENTRY` per variant (empty: none, whatever the environment has). */
type Builds = Record<Variant, Record<string, string>>;

interface Sample {
  readonly dataVisibleMs: number;
  readonly firstContentfulPaintMs: number;
  readonly apiRequests: number;
}

/**
 * `appDist`: the production build with its server build (`browser/`, `server/server.mjs`), which
 * is copied first: another build into the same place must not change the build under test.
 */
export async function ssrRows(
  results: Results,
  { appDist, runs, log }: { appDist: string; runs: number; log: (message: string) => void },
): Promise<void> {
  const builds = copyBuilds(appDist);
  const stack = new Backend(SSR_ENV);
  await stack.start();
  const browser = await launchBrowser();
  const problems = new Map<string, number>();
  try {
    for (let run = 0; run < runs; run++) {
      // The two take turns, first one then the other, so a busy moment hits each alike.
      const order = run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      const samples = {} as Record<Variant, Sample>;
      for (const variant of order) {
        log(`ssr: ${variant}, run ${run + 1} of ${runs}`);
        samples[variant] = await oneReload(browser, variant, builds, problems);
      }
      const ssr = samples['server-rendered'];
      const csr = samples['client-rendered'];
      for (const variant of VARIANTS)
        results.add(
          'this',
          `ssr-dashboard-data-visible-${variant}`,
          1,
          'ms',
          samples[variant].dataVisibleMs,
        );
      results.add(
        'this',
        'ssr-dashboard-data-visible-ratio',
        1,
        '× client-rendered',
        ssr.dataVisibleMs / csr.dataVisibleMs,
      );
      for (const variant of VARIANTS)
        results.add(
          'this',
          `ssr-dashboard-first-contentful-paint-${variant}`,
          1,
          'ms',
          samples[variant].firstContentfulPaintMs,
        );
      results.add(
        'this',
        'ssr-dashboard-api-requests-server-rendered',
        1,
        'requests (goal 0)',
        ssr.apiRequests,
      );
      results.add(
        'this',
        'ssr-dashboard-api-requests-client-rendered',
        1,
        'requests',
        csr.apiRequests,
      );
    }
  } finally {
    await browser.close();
    stack.stop();
  }
  for (const [problem, times] of problems) log(`ssr: ${problem}${times > 1 ? ` (${times}×)` : ''}`);
  if (problems.size === 0) log('ssr: no console error and no CSP violation in either variant');
}

/**
 * bench/.tmp/ssr/server-rendered: the browser and server builds as `ng build` makes them (the BFF
 * finds `../server/server.mjs` beside its static dir). bench/.tmp/ssr/client-rendered/browser: the
 * same browser files with `index.csr.html` as `index.html`, and no server build beside them.
 */
function copyBuilds(appDist: string): Builds {
  const entry = join(appDist, 'server', 'server.mjs');
  if (!existsSync(entry)) throw new Error(`ssr: no server build at ${entry} (build the app first)`);
  const base = join(ROOT, 'bench', '.tmp', 'ssr');
  rmSync(base, { recursive: true, force: true });
  const ssr = join(base, 'server-rendered');
  const csr = join(base, 'client-rendered', 'browser');
  mkdirSync(base, { recursive: true });
  cpSync(join(appDist, 'browser'), join(ssr, 'browser'), { recursive: true });
  cpSync(join(appDist, 'server'), join(ssr, 'server'), { recursive: true });
  cpSync(join(appDist, 'browser'), csr, { recursive: true });
  cpSync(join(csr, 'index.csr.html'), join(csr, 'index.html'));
  if (existsSync(join(csr, '..', 'server', 'server.mjs')))
    throw new Error('ssr: the client-rendered copy has a server build beside it');
  return {
    'server-rendered': {
      BFF_STATIC_DIR: join(ssr, 'browser'),
      BFF_SSR_ENTRY: join(ssr, 'server', 'server.mjs'),
    },
    // Empty is "not set" (bff/config.ts): the default, `../server/server.mjs`, does not exist.
    'client-rendered': { BFF_STATIC_DIR: csr, BFF_SSR_ENTRY: '' },
  };
}

/** One BFF process, one new context signed in, warm-up reloads, then the measured reload. */
async function oneReload(
  browser: Browser,
  variant: Variant,
  builds: Builds,
  problems: Map<string, number>,
): Promise<Sample> {
  const bff = await BffProcess.start(SSR_ENV, SSR_ENV.appPort, builds[variant]);
  const context = await browser.newContext();
  try {
    await context.addInitScript({ content: RECORDER });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${SSR_ENV.appOrigin}/bff/login?returnUrl=%2Fdashboard`);
    await fillProviderLogin(page);
    await page.waitForURL(`${SSR_ENV.appOrigin}/dashboard`);
    await complete(page);
    for (let i = 0; i < WARM_UP_RELOADS; i++) {
      await page.reload();
      await complete(page);
    }
    const apiRequests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      const url = new URL(request.url());
      if (url.origin === SSR_ENV.appOrigin && url.pathname.startsWith('/api/'))
        apiRequests.push(url.pathname);
    };
    page.on('request', onRequest);
    const response = await page.reload();
    const sample = await complete(page);
    page.off('request', onRequest);
    await checkVariant(variant, response, problems);
    for (const violation of sample.violations)
      count(problems, `${variant}: CSP violation: ${violation}`);
    if (sample.drops > 0)
      count(
        problems,
        `${variant}: the loaded widgets went back to loading ${sample.drops} time(s)`,
      );
    for (const error of errors) count(problems, `${variant}: console error: ${error}`);
    return {
      dataVisibleMs: sample.loadedAt,
      firstContentfulPaintMs: sample.fcp,
      apiRequests: apiRequests.length,
    };
  } finally {
    await context.close();
    await bff.stop();
  }
}

/**
 * Waits until the page is complete (the load event, six widgets with their data, a first
 * contentful paint) and returns what the recorder saw in this document.
 */
async function complete(
  page: Page,
): Promise<{ loadedAt: number; fcp: number; drops: number; violations: string[] }> {
  await page.waitForFunction(
    ([loaded, widgets]) =>
      document.readyState === 'complete' &&
      window.__benchSsr?.loadedAt !== undefined &&
      document.querySelectorAll(loaded).length === widgets &&
      performance.getEntriesByName('first-contentful-paint').length > 0,
    [LOADED, WIDGETS] as const,
    { timeout: 20_000 },
  );
  return page.evaluate(() => ({
    loadedAt: window.__benchSsr!.loadedAt!,
    drops: window.__benchSsr!.drops,
    violations: window.__benchSsr!.violations,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]!.startTime,
  }));
}

/** The measured page came as the variant says: rendered on the server with its data, or not. */
async function checkVariant(
  variant: Variant,
  response: Awaited<ReturnType<Page['reload']>>,
  problems: Map<string, number>,
): Promise<void> {
  if (!response || response.status() !== 200)
    throw new Error(`ssr: ${variant}: the reload answered ${response?.status()}`);
  const html = await response.text();
  const rendered = html.includes('ng-server-context="ssr"');
  const policy = response.headers()['content-security-policy'] ?? '';
  if (variant === 'server-rendered') {
    if (!rendered || !policy.includes("'nonce-"))
      throw new Error('ssr: the server-rendered variant sent a page not rendered on the server');
    const loaded = (html.match(/data-testid="widget" data-state="loaded"/g) ?? []).length;
    if (loaded !== WIDGETS)
      count(
        problems,
        `server-rendered: the server's HTML had ${loaded} of ${WIDGETS} widgets loaded`,
      );
  } else if (rendered || policy.includes("'nonce-")) {
    throw new Error('ssr: the client-rendered variant sent a server-rendered page');
  }
}

function count(problems: Map<string, number>, problem: string): void {
  problems.set(problem, (problems.get(problem) ?? 0) + 1);
}

/**
 * Runs in every document before its own scripts (an init script): the time, from the
 * navigation's start, at which the six widgets last became loaded (the parser inserting the
 * server's HTML, or the app rendering its data), how often they stopped being so afterwards, and
 * the page's CSP violations. A string, not a function: tsx would add helpers to a function's
 * source that do not exist in the page.
 */
const RECORDER = `
  (() => {
    const state = { loadedAt: undefined, drops: 0, violations: [] };
    window.__benchSsr = state;
    let last = 0;
    const check = () => {
      const loaded = document.querySelectorAll(${JSON.stringify(LOADED)}).length;
      if (loaded === ${WIDGETS} && last !== ${WIDGETS}) state.loadedAt = performance.now();
      if (loaded !== ${WIDGETS} && last === ${WIDGETS}) state.drops++;
      last = loaded;
    };
    new MutationObserver(check).observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
    document.addEventListener('securitypolicyviolation', (event) =>
      state.violations.push(event.violatedDirective + ' ' + event.blockedURI),
    );
  })();
`;

declare global {
  interface Window {
    __benchSsr?: { loadedAt?: number; drops: number; violations: string[] };
  }
}
