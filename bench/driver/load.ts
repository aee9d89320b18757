/**
 * One load measurement with autocannon: `GET /api/me` from `connections` keep-alive connections
 * for `seconds`, each request with the headers `headersFor()` gives it (the next session's
 * cookie, say). Latency percentiles come from every response's own time (autocannon's histogram
 * rounds to whole milliseconds, too coarse for a 2 ms median).
 */
import autocannon from 'autocannon';

export interface LoadResult {
  readonly requestsPerSecond: number;
  /** Milliseconds, over the 2xx answers. */
  readonly p50: number;
  readonly p99: number;
  /** Non-2xx answers, connection errors and timeouts: a measurement with any is not a result. */
  readonly failures: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  readonly headersFor: () => Record<string, string>;
  /** Runs once, halfway through (a refresh under load, say). */
  readonly midway?: () => Promise<void>;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let midway: Promise<void> | undefined;
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        requests: [
          {
            method: 'GET',
            path: '/api/me',
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, ...options.headersFor() },
            }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance!.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else failures++;
  });
  const timer = options.midway
    ? setTimeout(() => (midway = options.midway!()), (options.seconds * 1000) / 2)
    : undefined;
  const result = await finished;
  clearTimeout(timer);
  await midway;
  failures += result.errors + result.timeouts;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failures,
  };
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}
