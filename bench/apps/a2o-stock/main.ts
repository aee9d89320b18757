// Subject "a2o-stock": angular-oauth2-oidc wired the way its documentation shows: its own
// interceptor (sendAccessToken + allowedUrls) and setupAutomaticSilentRefresh().
import { provideHttpClient, withInterceptorsFromDi } from '@angular/common/http';
import { provideOAuthClient } from 'angular-oauth2-oidc';

import { startLibraryBaseline } from '../shared/library-baseline';
import { apiBase, loadBenchConfig } from '../shared/runtime-config';

window.benchReady = (async () => {
  const config = await loadBenchConfig('a2o-stock');
  await startLibraryBaseline(config, {
    providers: [
      provideHttpClient(withInterceptorsFromDi()),
      provideOAuthClient({
        resourceServer: { allowedUrls: [apiBase(config)], sendAccessToken: true },
      }),
    ],
    costedInterceptors: { fromDi: true },
    automaticSilentRefresh: true,
  });
})();
