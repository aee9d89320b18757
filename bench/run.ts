/**
 * `npm run bench`: this project against angular-oauth2-oidc wired the stock way and a naive
 * refresh-on-401 interceptor, on the real dev stack with a short access-token lifetime, driven
 * through system Chromium; and the BFF (bff/) from Node. Prints Markdown tables and writes
 * bench/results.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { Session, launchBrowser } from './driver/browser';
import { bffBurstAfterExpiry, bffProxyOverhead } from './driver/bff';
import { bffUnderLoad } from './driver/bff-load';
import { ssrRows } from './driver/ssr';
import { useStaticDir } from './driver/bff-processes';
import { APP_DIST, buildApp, measureBundle, measureModeBundles } from './driver/bundle';
import {
  Bench,
  burstAfterExpiry,
  burstOf401s,
  dpopCost,
  interceptorCost,
  startupTokenCalls,
  steadyUse,
  tabsAfterExpiry,
  timeToFirstApiRequest,
} from './driver/measures';
import { Results, SUBJECTS, bffLoadTable, bffTable, markdownTable } from './driver/report';
import { ACCESS_TOKEN_TTL_SECONDS, Backend, ROOT, closeServer, serveSubject } from './driver/stack';
import { stackEnv } from '../scripts/stack-env.mjs';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
// For working on one part: BENCH_ONLY=interceptor-cost,steady BENCH_SUBJECTS=this (parts:
// bundle, interceptor-cost, dpop, startup, first-request, 401-burst, expiry-burst, tabs, steady,
// bff; bff-load for the BFF's load rows alone; ssr for the server-rendered dashboard in BFF mode)
const only = process.env['BENCH_ONLY']?.split(',');
const subjects = SUBJECTS.filter(
  (s) => process.env['BENCH_SUBJECTS']?.split(',').includes(s) ?? true,
);
const wanted = (part: string) => !only || only.includes(part);
const started = Date.now();
const log = (message: string) =>
  console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${message}`);

const results = new Results();
// BENCH_ONLY=bff needs no browser, no harness builds: only a production build for the BFF to serve.
// BENCH_ONLY=ssr needs the production build (browser and server) of this run, no harness.
const browserWanted =
  !only || only.some((part) => !['bff', 'bff-load', 'bundle', 'ssr'].includes(part));
if (
  browserWanted ||
  wanted('ssr') ||
  !existsSync(join(ROOT, 'dist', 'oidc-session', 'server', 'server.mjs'))
) {
  log('building the app (stats)');
  buildApp();
  useStaticDir(join(APP_DIST, 'browser'));
}
if (wanted('bundle')) {
  log('building an app per declared mode (bundle rows)');
  measureModeBundles(results);
}
if (browserWanted) {
  measureBundle(results);
  log('building the three bench harnesses');
  for (const subject of subjects) {
    execFileSync('npx', ['ng', 'build', `bench-${subject}`], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}

const backend = new Backend();
await backend.start();
try {
  if (browserWanted) await browserParts();
  if (wanted('ssr')) {
    log('ssr: a reload of the signed-in dashboard, server-rendered against client-rendered');
    await ssrRows(results, { appDist: APP_DIST, runs: RUNS, log });
  }
  if (wanted('bff') || wanted('bff-load')) await bffParts();
} finally {
  backend.stop();
}

async function browserParts(): Promise<void> {
  const browser = await launchBrowser();
  try {
    for (const subject of subjects) {
      const server = await serveSubject(join(ROOT, 'bench', '.tmp', 'dist', subject, 'browser'));
      try {
        const first = await Session.signedIn(browser, { clock: false });
        const bench: Bench = {
          browser,
          subject,
          results,
          runs: RUNS,
          cookies: await first.providerCookies(),
        };
        await first.close();
        log(`${subject}: interceptor cost`);
        if (wanted('interceptor-cost')) await interceptorCost(bench, 60_000);
        // DPoP is this project's alone; the baselines' clients are never DPoP-bound.
        if (wanted('dpop') && subject === 'this') {
          log(`${subject}: DPoP proof and interceptor cost`);
          await dpopCost(bench, 300);
        }
        log(`${subject}: start-up`);
        if (wanted('startup')) await startupTokenCalls(bench);
        log(`${subject}: time to the first API request (provider 100 ms away)`);
        if (wanted('first-request')) await timeToFirstApiRequest(bench, Math.max(RUNS, 7));
        log(`${subject}: 401 bursts`);
        if (wanted('401-burst')) await burstOf401s(bench, [10, 100]);
        log(`${subject}: bursts after expiry`);
        if (wanted('expiry-burst')) await burstAfterExpiry(bench, [1, 10, 100]);
        log(`${subject}: tabs after expiry`);
        if (wanted('tabs')) await tabsAfterExpiry(bench, [2, 4]);
        log(`${subject}: steady use`);
        if (wanted('steady')) await steadyUse(bench);
      } finally {
        await closeServer(server);
      }
    }
  } finally {
    await browser.close();
  }
}

/** The BFF from Node (no browser): bursts on the 6 s stack, cost and load on a 1 h one. */
async function bffParts(): Promise<void> {
  if (wanted('bff')) {
    log('bff: bursts after expiry through one and two instances');
    await bffBurstAfterExpiry(results, RUNS, 100);
  }
  const longLived = stackEnv({
    APP_PORT: '4420',
    IDP_PORT: '9420',
    API_PORT: '3420',
    ACCESS_TOKEN_TTL: '3600',
    REFRESH_TOKEN_TTL: '3600',
  });
  const stack = new Backend(longLived);
  await stack.start();
  try {
    if (wanted('bff')) {
      log('bff: proxy overhead per API request');
      await bffProxyOverhead(results, longLived, RUNS, 2_000);
    }
    log('bff: under load with 100 to 10,000 sessions, per store, against a bare proxy');
    await bffUnderLoad(results, longLived, RUNS, log);
  } finally {
    stack.stop();
  }
}

const rows = results.rows();
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB`;
const summary =
  `Latest run (${new Date().toISOString().slice(0, 10)}) — machine: ${machine}; Node ${process.version}; ` +
  `access-token lifetime ${ACCESS_TOKEN_TTL_SECONDS} s; ${RUNS} runs per figure, median (min–max); ` +
  `${((Date.now() - started) / 60_000).toFixed(1)} min.`;
const isBffLoad = (row: { measure: string }) => row.measure.startsWith('bff-load-');
const isBff = (row: { measure: string }) => row.measure.startsWith('bff-') && !isBffLoad(row);
const isSsr = (row: { measure: string }) => row.measure.startsWith('ssr-');
const isMain = (row: { measure: string }) => !isBff(row) && !isBffLoad(row) && !isSsr(row);
const table = markdownTable(rows.filter(isMain));
const bff = bffTable(rows.filter(isBff));
const bffLoad = bffLoadTable(rows.filter(isBffLoad));
// One column like the BFF's rows: the variant is in the measure, the ratio is a row of its own.
const ssr = bffTable(rows.filter(isSsr));
const printed = [
  rows.some(isMain) ? table : '',
  rows.some(isBff) ? `BFF (Node client, loopback):\n\n${bff}` : '',
  rows.some(isBffLoad) ? `BFF under load (autocannon, loopback):\n\n${bffLoad}` : '',
  rows.some(isSsr) ? `Server-side rendering in BFF mode (Chromium, loopback):\n\n${ssr}` : '',
].filter(Boolean);
console.log([summary, ...printed].join('\n\n'));
const complete = !only && !process.env['BENCH_SUBJECTS'];
if (complete) {
  // Only a complete run replaces the published results and the tables in docs/benchmark.md.
  writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(rows, null, 2) + '\n');
  updateTables('bench', `${summary}\n\n${table}`);
  updateTables('bench-bff', `${summary}\n\n${bff}`);
  updateTables('bench-bff-load', `${summary}\n\n${bffLoad}`);
  updateTables('bench-ssr', `${summary}\n\n${ssr}`);
  log('done; wrote bench/results.json and the tables in docs/benchmark.md');
} else {
  writeFileSync(
    join(ROOT, 'bench', '.tmp', 'results.partial.json'),
    JSON.stringify(rows, null, 2) + '\n',
  );
  log('done (partial run: bench/.tmp/results.partial.json; docs and results.json untouched)');
}

/** Replaces the generated table between `<!-- marker:start -->` and `<!-- marker:end -->`. */
function updateTables(marker: string, content: string): void {
  const file = join(ROOT, 'docs', 'benchmark.md');
  const readme = readFileSync(file, 'utf8');
  const pattern = new RegExp(`(<!-- ${marker}:start -->\\n)[\\s\\S]*?(\\n<!-- ${marker}:end -->)`);
  if (!pattern.test(readme))
    throw new Error(`docs/benchmark.md lacks the <!-- ${marker}:start/end --> markers`);
  writeFileSync(file, readme.replace(pattern, `$1${content}$2`));
}
