import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideClientHydration, withEventReplay } from '@angular/platform-browser';
import { provideRouter, withComponentInputBinding } from '@angular/router';

import {
  authInterceptor,
  configFromUrl,
  provideAuth,
  withStartupReporter,
} from '@oidc-session/angular';
import { withBffMode } from '@oidc-session/angular/bff';
import { withBrowserMode } from '@oidc-session/angular/browser';

import { routes } from './app.routes';
import { pageStartupReporter } from './shell/page-startup-reporter';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideHttpClient(withInterceptors([authInterceptor])),
    provideRouter(routes, withComponentInputBinding()),
    // Pages come rendered from the server (app.config.server.ts); the browser takes them over
    // and replays clicks made before it did.
    provideClientHydration(withEventReplay()),
    // The demo runs either mode, as public/auth.config.json says (npm start picks it); an app
    // that needs one declares only that one and ships no code of the other.
    provideAuth(
      configFromUrl('/auth.config.json'),
      withBrowserMode(),
      withBffMode(),
      withStartupReporter(pageStartupReporter),
    ),
  ],
};
