// `npm test`: every automated check, headless, in order — unit (ng test: the library, then the demo app), dev backend
// (node:test against the real provider and API), e2e (Playwright against the real stack), then
// e2e once more against an external provider, the BFF stages, and the consumer app (ng add) —
// stopping at the first red stage, and closing with one line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const results = join(root, 'test-results');

const stages = [
  // The library's own specs, then the demo app's (which use the library by package name).
  {
    name: 'unit-library',
    command: ['npx', 'ng', 'test', '@oidc-session/angular', '--watch=false'],
    summary: 'unit-summary.json',
    count: (json) => ({ passed: json.passed, failed: json.failed }),
  },
  // The testing kit's own spec once more, under Vitest: the runner an Angular 21 app tests with.
  {
    name: 'unit-vitest',
    command: ['npx', 'ng', 'run', '@oidc-session/angular:test-vitest'],
    summary: 'unit-vitest.json',
    count: (json) => ({ passed: json.numPassedTests, failed: json.numFailedTests }),
  },
  {
    name: 'unit-app',
    command: ['npx', 'ng', 'test', 'oidc-session', '--watch=false'],
    summary: 'unit-summary.json',
    count: (json) => ({ passed: json.passed, failed: json.failed }),
  },
  {
    name: 'backend',
    command: [
      process.execPath,
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      // A test file whose process cannot end (a server left listening) fails after this, instead
      // of holding the run until CI's own limit ends it with no counts at all.
      '--test-timeout=300000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${join(results, 'backend.tap')}`,
      ...backendTestFiles(),
    ],
    summary: 'backend.tap',
    count: countTap,
  },
  {
    name: 'e2e',
    command: ['npx', 'playwright', 'test'],
    summary: 'e2e.json',
    count: countPlaywright,
  },
  {
    // npm start's external-provider mode against a second, differently configured provider;
    // reuses the production build the e2e stage just made.
    name: 'e2e-external',
    command: ['npx', 'playwright', 'test', '-c', 'playwright.external.config.ts'],
    env: { E2E_REUSE_BUILD: '1' },
    summary: 'e2e-external.json',
    count: countPlaywright,
  },
  {
    // AUTH_MODE=bff: the same build served by the backend-for-frontend.
    name: 'e2e-bff',
    command: ['npx', 'playwright', 'test', '-c', 'playwright.bff.config.ts'],
    env: { E2E_REUSE_BUILD: '1' },
    summary: 'e2e-bff.json',
    count: countPlaywright,
  },
  {
    // AUTH_MODE=bff with a client the provider refuses: the login page names the cause.
    name: 'e2e-bff-refused',
    command: ['npx', 'playwright', 'test', '-c', 'playwright.bff-refused.config.ts'],
    env: { E2E_REUSE_BUILD: '1' },
    summary: 'e2e-bff-refused.json',
    count: countPlaywright,
  },
  {
    // AUTH_MODE=bff with a short idle timeout: the end of a session, announced in every tab.
    name: 'e2e-bff-idle',
    command: ['npx', 'playwright', 'test', '-c', 'playwright.bff-idle.config.ts'],
    env: { E2E_REUSE_BUILD: '1' },
    summary: 'e2e-bff-idle.json',
    count: countPlaywright,
  },
  {
    // Two BFF processes on one redis-server behind a round-robin proxy: refresh, restart, a
    // Redis outage and back-channel logout across instances.
    name: 'e2e-bff-scale',
    command: ['npx', 'playwright', 'test', '-c', 'playwright.bff-scale.config.ts'],
    env: { E2E_REUSE_BUILD: '1' },
    summary: 'e2e-bff-scale.json',
    count: countPlaywright,
  },
  {
    // A CLI-made app (e2e/consumer) installs the packed library and runs `ng add` for real, in
    // each mode: edits listed, a second run changes nothing, build, its Vitest specs, and no
    // byte of the other mode's code. Leaves both builds for the two stages after it.
    name: 'consumer',
    command: [
      process.execPath,
      '--import',
      'tsx',
      '--test',
      // A library build, three npm installs and an app build per mode, on a slow machine; see
      // the backend stage.
      '--test-timeout=900000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${join(results, 'consumer.tap')}`,
      'e2e/adopt/consumer.test.ts',
    ],
    summary: 'consumer.tap',
    count: countTap,
  },
  ...['browser', 'bff'].map((mode) => ({
    // The consumer's build against the dev stack: sign-in, an API call, sign-out (BFF mode
    // through the packed BFF, started with npx oidc-session-bff).
    name: `consumer-e2e-${mode}`,
    command: ['npx', 'playwright', 'test', '-c', 'playwright.consumer.config.ts'],
    env: { CONSUMER_MODE: mode },
    summary: `consumer-e2e-${mode}.json`,
    count: countPlaywright,
  })),
];

rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const totals = { passed: 0, failed: 0 };
for (const stage of stages) {
  console.log(`\n=== ${stage.name}: ${stage.command.slice(0, 4).join(' ')} …`);
  const started = Date.now();
  // Two stages share Karma's summary file: one that crashes must not read the other's counts.
  rmSync(join(results, stage.summary), { force: true });
  const run = spawnSync(stage.command[0], stage.command.slice(1), {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...stage.env },
  });
  const counts = readCounts(stage);
  // A stage that exits red without a failing test (a crash, a compile error) still counts as one failure.
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`=== ${stage.name}: ${counts.passed} passed, ${counts.failed} failed (${seconds} s)`);
  if (counts.failed > 0) {
    console.log(`=== stopping: the ${stage.name} stage is red`);
    break;
  }
}
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed === 0 ? 0 : 1;

function readCounts(stage) {
  const file = join(results, stage.summary);
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  try {
    const text = readFileSync(file, 'utf8');
    return stage.count(stage.summary.endsWith('.json') ? JSON.parse(text) : text);
  } catch (error) {
    console.error(`Could not read ${file}:`, error);
    return { passed: 0, failed: 1 };
  }
}

function countPlaywright(json) {
  return { passed: json.stats.expected + json.stats.flaky, failed: json.stats.unexpected };
}

function countTap(tap) {
  const read = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return { passed: read('pass'), failed: read('fail') + read('cancelled') };
}

function backendTestFiles() {
  return ['dev-backend/test', 'bff/test', 'scripts/test'].flatMap((folder) => {
    const dir = join(root, folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((file) => file.endsWith('.test.ts'))
      .sort()
      .map((file) => join(folder, file));
  });
}
