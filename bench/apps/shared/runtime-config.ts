/** The same /auth.config.json the app reads, for the baselines' own wiring. */
export interface BenchConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly apis: readonly { readonly origin: string; readonly pathPrefix: string }[];
}

export async function loadBenchConfig(): Promise<BenchConfig> {
  return (await (await fetch('/auth.config.json')).json()) as BenchConfig;
}

export function apiBase(config: BenchConfig): string {
  return config.apis[0].origin + config.apis[0].pathPrefix;
}
