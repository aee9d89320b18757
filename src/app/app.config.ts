import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';

import { routes } from './app.routes';
import {
  authInterceptor,
  configFromUrl,
  dpopInterceptor,
  provideAuth,
  withStartupReporter,
} from '@oidc-session/angular';
import { pageStartupReporter } from './shell/page-startup-reporter';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    // dpopInterceptor after authInterceptor: it signs each attempt the session layer sends.
    provideHttpClient(withInterceptors([authInterceptor, dpopInterceptor])),
    provideRouter(routes, withComponentInputBinding()),
    provideAuth(configFromUrl('/auth.config.json'), withStartupReporter(pageStartupReporter)),
  ],
};
