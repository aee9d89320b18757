/**
 * The BFF's rows (BENCH_ONLY=bff), measured from Node with a signed-in session cookie (the BFF
 * tests' cookie-jar browser; no Chromium): BFF processes as deployed (`node bff/main.ts`, stdout
 * discarded at the default log level), the real provider and API, and a redis-server of their
 * own. Everything is on loopback, and the load generator shares this machine's cores with the
 * BFF and the API, so requests per second are this machine's, not a capacity figure.
 */
import { apiAccessToken, pause, signedIn, withBffs, type CookieJar } from './bff-processes';
import { Results } from './report';
import { ACCESS_TOKEN_TTL_SECONDS, ENV, type StackEnv } from './stack';

/** Long enough past expiry for the token to be dead at the API too. */
const SLEEP_MS = ACCESS_TOKEN_TTL_SECONDS * 1000 + 1_500;

interface ProviderCounters {
  readonly refreshes: number;
  readonly replays: number;
}

async function providerCounters(env: StackEnv): Promise<ProviderCounters> {
  const stats = (await (await fetch(`${env.issuer}/__dev/stats`)).json()) as {
    grants: Record<string, number>;
    grantErrors: { replayedRefreshToken: boolean }[];
  };
  return {
    refreshes: stats.grants['refresh_token'] ?? 0,
    replays: stats.grantErrors.filter((e) => e.replayedRefreshToken).length,
  };
}

/**
 * Refreshes at the provider for a burst of `size` API requests fired at once after expiry, the
 * requests alternating between the instances; also failed requests and replays. One sleep for
 * all runs: every run is its own user, and an idle session asks the provider nothing.
 */
export async function bffBurstAfterExpiry(
  results: Results,
  runs: number,
  size: number,
): Promise<void> {
  for (const count of [1, 2]) {
    const label = count === 1 ? '1-instance' : '2-instances';
    await withBffs(ENV, { count, redis: count > 1 }, async (instances) => {
      const users: CookieJar[] = [];
      for (let run = 0; run < runs; run++) users.push(await signedIn(ENV));
      await pause(SLEEP_MS);
      for (const user of users) {
        const before = await providerCounters(ENV);
        const answers = await Promise.all(
          Array.from({ length: size }, (_, i) =>
            user.call('/api/me', { base: instances[i % count].base }).then((r) => r.status),
          ),
        );
        const after = await providerCounters(ENV);
        const failed = answers.filter((status) => status !== 200).length;
        results.add(
          'this',
          `bff-refreshes-after-expiry-burst-${label}`,
          size,
          'refreshes',
          after.refreshes - before.refreshes,
        );
        results.add(
          'this',
          `bff-failed-requests-after-expiry-burst-${label}`,
          size,
          'requests',
          failed,
        );
        results.add(
          'this',
          `bff-replays-after-expiry-burst-${label}`,
          size,
          'refreshes',
          after.replays - before.replays,
        );
      }
    });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Per API request, the BFF's cost: the median time of `GET /api/me` through one instance against
 * the same request straight to the API with the same access token, one request at a time,
 * alternating in chunks of 50 so load spikes hit both alike. `env` must have a long access-token
 * lifetime, so that no refresh lands in the sample.
 */
export async function bffProxyOverhead(
  results: Results,
  env: StackEnv,
  runs: number,
  requests: number,
): Promise<void> {
  await withBffs(env, { count: 1, redis: false }, async () => {
    const user = await signedIn(env);
    const direct = { authorization: `Bearer ${await apiAccessToken(env)}` };
    const time = async (call: () => Promise<Response>) => {
      const started = performance.now();
      const response = await call();
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      return performance.now() - started;
    };
    const viaBff = () => user.call('/api/me');
    const toApi = () => fetch(`${env.apiOrigin}/api/me`, { headers: direct });
    for (let i = 0; i < 200; i++) await Promise.all([time(viaBff), time(toApi)]); // warm-up
    for (let run = 0; run < runs; run++) {
      const bff: number[] = [];
      const api: number[] = [];
      while (bff.length < requests) {
        for (let i = 0; i < 50; i++) bff.push(await time(viaBff));
        for (let i = 0; i < 50; i++) api.push(await time(toApi));
      }
      results.add('this', 'bff-api-request-direct', requests, 'ms (median)', median(api));
      results.add('this', 'bff-api-request-through-bff', requests, 'ms (median)', median(bff));
      results.add('this', 'bff-proxy-overhead', requests, 'ms/request', median(bff) - median(api));
    }
  });
}
