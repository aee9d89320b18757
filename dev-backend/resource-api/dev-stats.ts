/**
 * What the resource API saw, for browser tests ("the dashboard fetched six resources in
 * parallel", "an expired token was refused once"). Served at GET /__dev/stats and reset by
 * POST /__dev/stats/reset, loopback callers only (see shared/dev-endpoint.ts).
 */
import type { Resettable } from '../shared/dev-endpoint.ts';

/** The JSON answered by GET /__dev/stats. */
export interface ApiStatsSnapshot {
  /** Requests to /api/* other than preflights. */
  readonly requests: number;
  /** The same requests by path, e.g. `{ "/api/me": 1, "/api/dashboard/weather": 2 }`. */
  readonly byPath: Readonly<Record<string, number>>;
  /** 401 answers by reason: `missing_token` or an AccessTokenFailureReason such as `expired`. */
  readonly unauthorized: Readonly<Record<string, number>>;
  /** 400 `invalid_request` answers: a malformed Authorization header. */
  readonly invalidRequests: number;
  /** 403 `insufficient_scope` answers: a valid token without the route's scope. */
  readonly insufficientScope: number;
  /** CORS preflights answered. */
  readonly preflights: number;
  /** Most /api/* requests in progress at the same time (shows parallel fetching). */
  readonly peakConcurrency: number;
}

export interface ApiStats extends Resettable<ApiStatsSnapshot> {
  /** Counts a request to /api/* and returns the function to call when it is answered. */
  requestStarted(path: string): () => void;
  unauthorized(reason: string): void;
  invalidRequest(): void;
  insufficientScope(): void;
  preflight(): void;
}

export function createApiStats(): ApiStats {
  let requests = 0;
  let byPath: Record<string, number> = {};
  let unauthorized: Record<string, number> = {};
  let invalidRequests = 0;
  let insufficientScope = 0;
  let preflights = 0;
  let inFlight = 0;
  let peakConcurrency = 0;

  return {
    requestStarted(path) {
      requests += 1;
      byPath[path] = (byPath[path] ?? 0) + 1;
      inFlight += 1;
      peakConcurrency = Math.max(peakConcurrency, inFlight);
      let finished = false;
      return () => {
        if (!finished) {
          finished = true;
          inFlight -= 1;
        }
      };
    },
    unauthorized(reason) {
      unauthorized[reason] = (unauthorized[reason] ?? 0) + 1;
    },
    invalidRequest() {
      invalidRequests += 1;
    },
    insufficientScope() {
      insufficientScope += 1;
    },
    preflight() {
      preflights += 1;
    },
    snapshot: () => ({
      requests,
      byPath: { ...byPath },
      unauthorized: { ...unauthorized },
      invalidRequests,
      insufficientScope,
      preflights,
      peakConcurrency,
    }),
    reset() {
      requests = 0;
      byPath = {};
      unauthorized = {};
      invalidRequests = 0;
      insufficientScope = 0;
      preflights = 0;
      // Requests still in flight stay counted, so the peak restarts from what is running now.
      peakConcurrency = inFlight;
    },
  };
}
