/**
 * The two baselines share everything but their HTTP wiring: angular-oauth2-oidc configured the
 * documented way, tokens in localStorage so that tabs share the login (the usual advice for
 * multi-tab apps), and the same `window.bench` as the project's own harness.
 */
import { HttpClient } from '@angular/common/http';
import {
  EnvironmentInjector,
  EnvironmentProviders,
  Provider,
  provideZonelessChangeDetection,
} from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { OAuthService, OAuthStorage } from 'angular-oauth2-oidc';

import { burst, httpCostMeter } from './bench-api';
import { BenchRoot } from './bench-root';
import { BenchConfig, apiBase } from './runtime-config';

export interface Baseline {
  /** The app's HTTP and library providers. */
  readonly providers: (Provider | EnvironmentProviders)[];
  /** How the interceptor cost is measured: these functional interceptors, or the DI ones. */
  readonly costedInterceptors: Parameters<typeof httpCostMeter>[1];
  /** Whether to call setupAutomaticSilentRefresh() (the stock wiring does). */
  readonly automaticSilentRefresh: boolean;
}

export async function startLibraryBaseline(config: BenchConfig, baseline: Baseline): Promise<void> {
  const base = apiBase(config);
  const app = await bootstrapApplication(BenchRoot, {
    providers: [
      provideZonelessChangeDetection(),
      ...baseline.providers,
      { provide: OAuthStorage, useFactory: () => localStorage },
    ],
  });
  const oauth = app.injector.get(OAuthService);
  oauth.configure({
    issuer: config.issuer,
    clientId: config.clientId,
    // The library repeats `scope` in every refresh request. The dev provider issues refresh
    // tokens without `offline_access` (and drops that scope), so asking for it again would make
    // every refresh fail with invalid_scope: a wiring fault, not what the baselines measure.
    scope: withoutOfflineAccess(config.scope),
    responseType: 'code',
    redirectUri: `${location.origin}/`,
  });
  if (baseline.automaticSilentRefresh) oauth.setupAutomaticSilentRefresh();
  await oauth.loadDiscoveryDocumentAndTryLogin();
  const http = app.injector.get(HttpClient);
  window.bench = {
    signIn: () => oauth.initCodeFlow(),
    signedIn: () => oauth.hasValidAccessToken(),
    burst: (n, path) => burst(http, base, n, path),
    httpCostMicros: httpCostMeter(
      app.injector.get(EnvironmentInjector),
      baseline.costedInterceptors,
      base,
    ),
  };
}

function withoutOfflineAccess(scope: string): string {
  return scope
    .split(/\s+/)
    .filter((s) => s !== 'offline_access')
    .join(' ');
}
