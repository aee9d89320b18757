/**
 * The measurements, each for one subject. Counts come from the browser's own traffic per
 * context (every context is one user with its own grant), so runs can share one sleep.
 * "After expiry" means the laptop slept past the access token's expiry and the page fires its
 * requests the moment it wakes: the moment a timer-driven client is not prepared for.
 */
import { Browser } from '@playwright/test';

import type { BurstResult } from '../apps/shared/bench-api';
import { Cookies, Session, pause, providerOrigin } from './browser';
import { Results, Subject } from './report';
import { ACCESS_TOKEN_TTL_SECONDS, ENV } from './stack';

/** Long enough past expiry for the token to be dead at the API too. */
const SLEEP_MS = ACCESS_TOKEN_TTL_SECONDS * 1000 + 1_500;
/** After a burst, room for refreshes a subject starts late (angular-oauth2-oidc debounces 1 s). */
const TAIL_MS = 1_500;

export interface Bench {
  readonly browser: Browser;
  readonly subject: Subject;
  readonly results: Results;
  readonly runs: number;
  readonly cookies: Cookies;
}

async function sessions(
  bench: Bench,
  count: number,
  clock = true,
  bearer = false,
): Promise<Session[]> {
  const made: Session[] = [];
  for (let i = 0; i < count; i++) {
    made.push(
      await Session.signedIn(bench.browser, { clock, providerCookies: bench.cookies, bearer }),
    );
  }
  return made;
}

async function sleepAll(all: Session[]): Promise<void> {
  for (const session of all) await session.sleep();
  await pause(SLEEP_MS);
}

/** 1 and 5: refreshes and failures for N parallel requests after expiry; latency vs fresh. */
export async function burstAfterExpiry(bench: Bench, sizes: readonly number[]): Promise<void> {
  const { subject, results, runs } = bench;
  const plan = sizes.flatMap((n) => Array.from({ length: runs }, () => n));
  const all = await sessions(bench, plan.length);
  // The same burst with a fresh token, for the latency ratio, before anybody sleeps.
  const freshMs = new Map<Session, number>();
  for (const [i, session] of all.entries()) {
    if (plan[i] !== 10) continue;
    // Warm-up: CORS preflights are cached (Max-Age 600 s) for the measured bursts alike.
    await session.tabs[0].burst(10);
    const fresh = await session.tabs[0].burst(10);
    freshMs.set(session, fresh.ms);
    results.add(subject, 'burst-latency-fresh', 10, 'ms', fresh.ms);
  }
  await sleepAll(all);
  for (const [i, session] of all.entries()) {
    const n = plan[i];
    await session.wake();
    const before = session.traffic.refreshes;
    const result = await session.tabs[0].burst(n);
    await pause(TAIL_MS);
    results.add(
      subject,
      'refreshes-after-expiry-burst',
      n,
      'refreshes',
      session.traffic.refreshes - before,
    );
    results.add(subject, 'failed-requests-after-expiry-burst', n, 'requests', result.failed);
    results.add(
      subject,
      'refresh-rejections-after-expiry-burst',
      n,
      'refreshes',
      session.traffic.refreshRejections,
    );
    if (n === 10) {
      const fresh = freshMs.get(session)!;
      results.add(subject, 'burst-latency-expired', 10, 'ms', result.ms);
      results.add(subject, 'burst-latency-ratio', 10, '× fresh burst', result.ms / fresh);
      // The limit: the fresh burst plus one token round trip, and nothing else.
      const roundTrip = session.traffic.refreshDurations[0];
      if (roundTrip !== undefined) {
        results.add(subject, 'token-round-trip', 1, 'ms', roundTrip);
        results.add(
          subject,
          'burst-latency-limit-ratio',
          10,
          '× fresh burst',
          (fresh + roundTrip) / fresh,
        );
      }
    }
    await session.close();
  }
}

/** 2: refreshes when every request of a burst is answered 401 once. */
export async function burstOf401s(bench: Bench, sizes: readonly number[]): Promise<void> {
  const { subject, results, runs } = bench;
  for (const n of sizes) {
    for (let run = 0; run < runs; run++) {
      const [session] = await sessions(bench, 1, false);
      const rejected = new Set<string>();
      await session.context.route(`${ENV.apiOrigin}/api/dashboard/**`, async (route) => {
        const url = route.request().url();
        if (route.request().method() !== 'GET' || rejected.has(url)) return route.fallback();
        rejected.add(url);
        await route.fulfill({
          status: 401,
          headers: {
            'Access-Control-Allow-Origin': ENV.appOrigin,
            'Access-Control-Expose-Headers': 'WWW-Authenticate',
            'WWW-Authenticate': 'Bearer error="invalid_token"',
          },
          body: '',
        });
      });
      const result = await session.tabs[0].burst(n);
      await pause(TAIL_MS);
      results.add(subject, 'refreshes-401-burst', n, 'refreshes', session.traffic.refreshes);
      results.add(subject, 'failed-requests-401-burst', n, 'requests', result.failed);
      await session.close();
    }
  }
}

/** 3: refreshes across K tabs that all press Reload after expiry; tabs signed out after the next one. */
export async function tabsAfterExpiry(bench: Bench, tabCounts: readonly number[]): Promise<void> {
  const { subject, results, runs } = bench;
  const plan = tabCounts.flatMap((k) => Array.from({ length: runs }, () => k));
  const all = await sessions(bench, plan.length);
  for (const [i, session] of all.entries())
    while (session.tabs.length < plan[i]) await session.openTab();
  await sleepAll(all);
  for (const [i, session] of all.entries()) {
    await session.wake();
    const before = session.traffic.refreshes;
    await Promise.all(session.tabs.map((tab) => tab.burst(6)));
    await pause(TAIL_MS);
    results.add(
      subject,
      'refreshes-across-tabs',
      plan[i],
      'refreshes',
      session.traffic.refreshes - before,
    );
    results.add(
      subject,
      'refresh-rejections-across-tabs',
      plan[i],
      'refreshes',
      session.traffic.refreshRejections,
    );
  }
  // The session may look alive on a token that was refreshed while its grant was revoked:
  // the next expiry tells.
  await sleepAll(all);
  for (const [i, session] of all.entries()) {
    await session.wake();
    await pause(TAIL_MS);
    results.add(
      subject,
      'tabs-signed-out-after-next-expiry',
      plan[i],
      'tabs',
      await session.tabsSignedOut(),
    );
    await session.close();
  }
}

/** 4: a page reloading its dashboard every 250 ms, awake, for three token lifetimes. */
export async function steadyUse(bench: Bench): Promise<void> {
  const { subject, results, runs } = bench;
  const all = await sessions(bench, runs, false);
  const until = Date.now() + 3 * ACCESS_TOKEN_TTL_SECONDS * 1000 + 500;
  await Promise.all(
    all.map(async (session) => {
      const start = { refreshes: session.traffic.refreshes, api401s: session.traffic.api401s };
      while (Date.now() < until) {
        await session.tabs[0].burst(6);
        await pause(250);
      }
      results.add(
        subject,
        'api-401-steady',
        3,
        'responses',
        session.traffic.api401s - start.api401s,
      );
      results.add(
        subject,
        'refreshes-steady',
        3,
        'refreshes',
        session.traffic.refreshes - start.refreshes,
      );
    }),
  );
  await Promise.all(all.map((session) => session.close()));
}

/**
 * 6: µs per request with a fresh token against an in-memory backend, next to the references,
 * every variant cycling through the same mix of API URLs (bench/apps/shared/bench-api.ts
 * API_URL_MIX). Each round measures the three variants in the same page, interleaved in short
 * chunks (the order rotating from chunk to chunk), so that a burst of load from elsewhere on the
 * machine hits all three alike; `interceptor-extra-cost` is subject minus clone-header in that
 * round, less noisy than either figure alone.
 */
export async function interceptorCost(bench: Bench, iterations: number): Promise<void> {
  const { subject, results } = bench;
  // A Bearer session: the session layer's own work per request, as in every earlier run; what a
  // DPoP proof adds is measured apart (dpopCost, `interceptor-cost-dpop`).
  const [session] = await sessions(bench, 1, false, true);
  const tab = session.tabs[0];
  const variants = ['subject', 'bare', 'clone-header'] as const;
  const chunk = Math.ceil(iterations / COST_CHUNKS);
  for (const variant of variants) await tab.httpCostMicros(variant, 20_000); // warm-up (JIT)
  const round = async (index: number) => {
    const total = { subject: 0, bare: 0, 'clone-header': 0 };
    for (let c = 0; c < COST_CHUNKS; c++) {
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(index + c + k) % variants.length];
        total[variant] += await tab.httpCostMicros(variant, chunk);
      }
    }
    return {
      subjectCost: total.subject / COST_CHUNKS,
      bare: total.bare / COST_CHUNKS,
      cloneHeader: total['clone-header'] / COST_CHUNKS,
    };
  };
  for (let index = 0; index < COST_ROUNDS; index++) {
    let measured: Awaited<ReturnType<typeof round>> | undefined;
    for (let attempt = 0; !measured; attempt++) {
      try {
        measured = await round(index);
      } catch (error) {
        // The 6 s token entered the refresh leeway during the round, so the subject's requests
        // waited for a refresh: let one real request refresh it, and measure the round again.
        if (attempt >= 3 || !String(error).includes('answered synchronously')) throw error;
        await tab.burst(1, '/me');
      }
    }
    const { subjectCost, bare, cloneHeader } = measured;
    results.add(subject, 'interceptor-cost', 1, 'µs/request', subjectCost);
    results.add(subject, 'httpclient-bare-cost', 1, 'µs/request', bare);
    results.add(subject, 'clone-header-cost', 1, 'µs/request', cloneHeader);
    results.add(subject, 'interceptor-cost-ratio', 1, '× clone-header', subjectCost / cloneHeader);
    results.add(subject, 'interceptor-extra-cost', 1, 'µs/request', subjectCost - cloneHeader);
  }
  await session.close();
}

/** Rounds of the interceptor cost (each figure is the median over them). */
const COST_ROUNDS = 9;
/** Chunks per variant and round, interleaved with the other variants' chunks. */
const COST_CHUNKS = 10;

/**
 * DPoP (subject "this" only): µs per proof (`dpop`'s generateProof with a non-extractable ES256
 * key and `ath`) and µs per request through authInterceptor (which adds the proofs) with the signed-in
 * DPoP-bound session against an in-memory backend, each request awaited (the proof is
 * asynchronous WebCrypto work). Compare `interceptor-cost-dpop` with `interceptor-cost`. A round
 * that crosses the 6 s token's leeway includes one refresh; the median over rounds absorbs it.
 */
export async function dpopCost(bench: Bench, iterations: number): Promise<void> {
  const { subject, results } = bench;
  const [session] = await sessions(bench, 1, false);
  const tab = session.tabs[0];
  await tab.dpopCostMicros('proof', 100); // warm-up (key generation, JIT)
  await tab.dpopCostMicros('interceptor', 100);
  for (let round = 0; round < COST_ROUNDS; round++) {
    const proof = await tab.dpopCostMicros('proof', iterations);
    results.add(subject, 'dpop-proof-cost', 1, 'µs/proof', proof);
    const request = await tab.dpopCostMicros('interceptor', iterations);
    results.add(subject, 'interceptor-cost-dpop', 1, 'µs/request', request);
  }
  await session.close();
}

/** 7: token-endpoint calls before the first API request when the page loads with a stored session. */
export async function startupTokenCalls(bench: Bench): Promise<void> {
  const { subject, results, runs } = bench;
  const all = await sessions(bench, runs, false);
  for (const session of all) {
    const page = session.tabs[0].page;
    const mark = session.traffic.sequence.length;
    await page.reload();
    await page.evaluate(() => window.benchReady);
    const probe = await session.tabs[0].burst(1, '/me');
    results.add(
      subject,
      'startup-provider-requests-valid',
      1,
      'requests',
      providerRequestsBeforeFirstApi(session, mark),
    );
    results.add(
      subject,
      'startup-token-calls-valid',
      1,
      'calls',
      tokenCallsBeforeFirstApi(session, mark),
    );
    results.add(subject, 'startup-first-request-failed-valid', 1, 'requests', probe.failed);
  }
  // The page is closed while the token expires (about:blank), then opened again.
  await Promise.all(all.map((session) => session.tabs[0].page.goto('about:blank')));
  await pause(SLEEP_MS);
  for (const session of all) {
    const page = session.tabs[0].page;
    const mark = session.traffic.sequence.length;
    await page.goto(`${ENV.appOrigin}/`);
    await page.evaluate(() => window.benchReady);
    const probe = await session.tabs[0].burst(1, '/me');
    results.add(
      subject,
      'startup-provider-requests-expired',
      1,
      'requests',
      providerRequestsBeforeFirstApi(session, mark),
    );
    results.add(
      subject,
      'startup-token-calls-expired',
      1,
      'calls',
      tokenCallsBeforeFirstApi(session, mark),
    );
    results.add(subject, 'startup-first-request-failed-expired', 1, 'requests', probe.failed);
    await session.close();
  }
}

function beforeFirstApi(session: Session, mark: number): ('token' | 'provider' | 'api')[] {
  const since = session.traffic.sequence.slice(mark);
  const firstApi = since.indexOf('api');
  return firstApi === -1 ? since : since.slice(0, firstApi);
}

function tokenCallsBeforeFirstApi(session: Session, mark: number): number {
  return beforeFirstApi(session, mark).filter((entry) => entry === 'token').length;
}

/** Every request to the provider (token endpoint, discovery, JWKS, ...) before the first API request. */
function providerRequestsBeforeFirstApi(session: Session, mark: number): number {
  return beforeFirstApi(session, mark).length;
}

/** What a provider in another region adds to each of its responses. */
export const PROVIDER_DELAY_MS = 100;

/**
 * 9: from navigation start to the first API request on a reload with a valid session, with
 * {@link PROVIDER_DELAY_MS} added to every provider response (a provider far away). Each run is
 * a new context signed in just before the reload (the 6 s token is well within its lifetime).
 * The harness sends its first API request (GET /me) the moment it is ready, as an app's first
 * page does; the time is that request's start in the page's resource timing (relative to the
 * reload's navigation start). The delay is added with Chromium's Fetch domain at the response
 * stage, which, unlike a Playwright route, leaves the HTTP cache on: the reload loads the app's
 * immutable bundles from the cache, as a real reload does.
 */
export async function timeToFirstApiRequest(bench: Bench, runs: number): Promise<void> {
  const { subject, results } = bench;
  for (let run = 0; run < runs; run++) {
    const [session] = await sessions(bench, 1, false);
    await session.context.addInitScript({ content: firstRequestWhenReady });
    const page = session.tabs[0].page;
    const cdp = await session.context.newCDPSession(page);
    cdp.on('Fetch.requestPaused', ({ requestId }) => {
      setTimeout(() => {
        cdp.send('Fetch.continueRequest', { requestId }).catch(() => {
          // The page went away meanwhile.
        });
      }, PROVIDER_DELAY_MS);
    });
    await cdp.send('Fetch.enable', {
      patterns: [{ urlPattern: `${providerOrigin}/*`, requestStage: 'Response' }],
    });
    const mark = session.traffic.sequence.length;
    await page.reload();
    await page.waitForFunction(() => window.benchFirstRequest !== undefined);
    const first = await page.evaluate(() => window.benchFirstRequest!);
    const startedAt = await page.evaluate(
      (api) =>
        Math.min(
          ...performance
            .getEntriesByType('resource')
            .filter((entry) => entry.name.startsWith(api))
            .map((entry) => entry.startTime),
        ),
      `${ENV.apiOrigin}/api/`,
    );
    const tokenCalls = tokenCallsBeforeFirstApi(session, mark);
    if (first.ok !== 1 || tokenCalls !== 0 || !Number.isFinite(startedAt))
      throw new Error(
        `${subject}: reload with a valid session did not go as planned ` +
          `(first request ok: ${first.ok}, token calls before it: ${tokenCalls})`,
      );
    results.add(subject, 'time-to-first-api-request', 1, 'ms', startedAt);
    results.add(
      subject,
      'startup-provider-requests-delayed',
      1,
      'requests',
      providerRequestsBeforeFirstApi(session, mark),
    );
    await cdp.detach();
    await session.close();
  }
}

/**
 * Runs in the page before its scripts (an init script): when the harness sets
 * `window.benchReady`, its first API request (GET /me) is sent as soon as that resolves, and
 * kept as `window.benchFirstRequest`. A string, not a function: tsx would add helpers to a
 * function's source that do not exist in the page.
 */
const firstRequestWhenReady = `
  (() => {
    let ready;
    Object.defineProperty(window, 'benchReady', {
      configurable: true,
      get: () => ready,
      set: (value) => {
        ready = value;
        window.benchFirstRequest = value.then(() => window.bench.burst(1, '/me'));
      },
    });
  })();
`;

declare global {
  interface Window {
    benchFirstRequest?: Promise<BurstResult>;
  }
}
