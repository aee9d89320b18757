import { bootstrapApplication } from '@angular/platform-browser';

import { App } from './app/app';
import { appConfig } from './app/app.config';
import { isAuthError } from '@oidc-session/angular';

// Start-up failures of the session layer (a broken auth.config.json, an unreachable provider)
// are already shown on the page and in the console by its start-up reporter.
bootstrapApplication(App, appConfig).catch((error: unknown) => {
  if (!isAuthError(error)) console.error(error);
});
