import { provideHttpClient, withFetch } from '@angular/common/http';
import { ApplicationConfig, mergeApplicationConfig } from '@angular/core';
import { provideServerRendering, withRoutes } from '@angular/ssr';

import { AuthRenderContext, provideAuthRenderContext } from '@oidc-session/angular';

import { appConfig } from './app.config';
import { serverRoutes } from './app.routes.server';

/** What the host (src/server.ts's renderPage) passes with each page request. */
export interface PageRequestContext {
  readonly auth: AuthRenderContext;
}

const serverOnly: ApplicationConfig = {
  providers: [
    provideServerRendering(withRoutes(serverRoutes)),
    // On the server, HttpClient on fetch: platform-server's XHR would follow redirects with the
    // Authorization header to other origins. (The interceptors are app.config.ts's, added once.)
    provideHttpClient(withFetch()),
    // The runtime configuration comes from the host (renderPage's `auth`), which serves the same
    // file at /auth.config.json: the server never fetches its own URL. In bff mode the BFF adds the
    // page's session and the fetch its API calls go through. After provideHttpClient(): it
    // provides the render's HttpBackend.
    provideAuthRenderContext(),
  ],
};

export const serverConfig = mergeApplicationConfig(appConfig, serverOnly);
