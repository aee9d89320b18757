import {
  EnvironmentProviders,
  inject,
  makeEnvironmentProviders,
  provideAppInitializer,
  provideEnvironmentInitializer,
} from '@angular/core';

import { AuthFeature } from './core/auth-feature';
import { AUTH_CONFIG_SOURCE } from './core/config/auth-config-loader';
import { AuthConfigSource } from './core/config/config-types';
import { AUTH_STARTUP_REPORTER, AuthStartupReporter } from './auth-startup-reporter';
import { AuthStartup } from './auth-startup';
import { AUTH_TIMING, AuthTiming, DEFAULT_AUTH_TIMING } from './core/config/auth-timing';
import { LOGIN_ROUTE } from './login-route';
import { SessionEndNavigation } from './session-end-navigation';

/** Configuration fetched at start-up from a JSON file, e.g. `/auth.config.json`. */
export function configFromUrl(url: string): AuthConfigSource {
  return { url };
}

/** Configuration given in code (still validated at start-up). */
export function configFromObject(config: unknown): AuthConfigSource {
  return { config };
}

/**
 * The session layer: the configuration checked and the session restored before the app starts
 * (asking the provider nothing), the session shared by every tab, and the one refresh path used
 * by `authInterceptor` and `authGuard`. Declare the modes the app may run among the features
 * (`withBrowserMode()`, `withBffMode()`); the configuration's `mode` picks one of them.
 * The app must also register the interceptor: `provideHttpClient(withInterceptors([authInterceptor]))`.
 */
export function provideAuth(
  source: AuthConfigSource,
  ...features: AuthFeature[]
): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: AUTH_CONFIG_SOURCE, useValue: source },
    provideAppInitializer(() => inject(AuthStartup).run()),
    provideEnvironmentInitializer(() => inject(SessionEndNavigation).watch()),
    ...features.flatMap((feature) => feature.providers),
  ]);
}

/** Changes time limits (token request timeout, retries, tab hand-over). */
export function withAuthTiming(timing: Partial<AuthTiming>): AuthFeature {
  return { providers: [{ provide: AUTH_TIMING, useValue: { ...DEFAULT_AUTH_TIMING, ...timing } }] };
}

/** Shows start-up progress and failures somewhere people can see them. */
export function withStartupReporter(reporter: AuthStartupReporter): AuthFeature {
  return { providers: [{ provide: AUTH_STARTUP_REPORTER, useValue: reporter }] };
}

/** The route of the app's sign-in page (default `/login`). */
export function withLoginRoute(path: string): AuthFeature {
  return { providers: [{ provide: LOGIN_ROUTE, useValue: path }] };
}
