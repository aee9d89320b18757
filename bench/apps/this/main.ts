// Subject "this": the project's own session layer, exactly as the app wires it.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { EnvironmentInjector, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

import { authInterceptor, AuthService, configFromUrl, provideAuth } from '@oidc-session/angular';
import { withBffMode } from '@oidc-session/angular/bff';
import { withBrowserMode } from '@oidc-session/angular/browser';
import { burst, httpCostMeter } from '../shared/bench-api';
import { BenchRoot } from '../shared/bench-root';
import { dpopCostMeter } from './dpop-cost';
import { apiBase, loadBenchConfig } from '../shared/runtime-config';

window.benchReady = (async () => {
  const config = await loadBenchConfig();
  const base = apiBase(config);
  const app = await bootstrapApplication(BenchRoot, {
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideRouter([]),
      provideAuth(configFromUrl('/auth.config.json'), withBrowserMode(), withBffMode()),
    ],
  });
  const auth = app.injector.get(AuthService);
  const http = app.injector.get(HttpClient);
  const cost = httpCostMeter(
    app.injector.get(EnvironmentInjector),
    { interceptors: [authInterceptor] },
    base,
  );
  window.bench = {
    signIn: () => auth.login('/'),
    signedIn: () => auth.session() !== null,
    burst: (n, path) => burst(http, base, n, path),
    httpCostMicros: cost,
    dpopCostMicros: dpopCostMeter(app.injector.get(EnvironmentInjector), base),
  };
})();
