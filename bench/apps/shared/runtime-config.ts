/** The same /auth.config.json the app reads, for the baselines' own wiring. */
export interface BenchConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly apis: readonly { readonly origin: string; readonly pathPrefix: string }[];
}

/**
 * Each baseline's own client at the dev provider (dev-backend/identity-provider/bench-clients.ts),
 * never DPoP-bound: requiring DPoP from the app's client must not change what they measure.
 */
export const BASELINE_CLIENT_IDS = { 'a2o-stock': 'bench-a2o', naive: 'bench-naive' } as const;

/** The app's configuration; for a baseline, with that baseline's client id. */
export async function loadBenchConfig(
  baseline?: keyof typeof BASELINE_CLIENT_IDS,
): Promise<BenchConfig> {
  const config = (await (await fetch('/auth.config.json')).json()) as BenchConfig;
  return baseline ? { ...config, clientId: BASELINE_CLIENT_IDS[baseline] } : config;
}

export function apiBase(config: BenchConfig): string {
  return config.apis[0].origin + config.apis[0].pathPrefix;
}
