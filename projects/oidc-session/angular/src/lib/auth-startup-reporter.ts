import { InjectionToken } from '@angular/core';

/**
 * Tells people what start-up is doing while the app cannot render yet: waiting for the
 * identity provider, or why it could not start. The default writes to the console; the app
 * also shows it on the page.
 */
export interface AuthStartupReporter {
  waiting(message: string): void;
  ready(): void;
  failed(error: unknown): void;
}

export const consoleStartupReporter: AuthStartupReporter = {
  waiting: (message) => console.warn(`[auth] ${message}`),
  ready: () => undefined,
  failed: (error) => console.error('[auth] The app could not start:', error),
};

export const AUTH_STARTUP_REPORTER = new InjectionToken<AuthStartupReporter>(
  'AUTH_STARTUP_REPORTER',
  {
    providedIn: 'root',
    factory: () => consoleStartupReporter,
  },
);
