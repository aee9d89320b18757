import { Provider } from '@angular/core';

/**
 * An optional part of `provideAuth(...)`, made by a `with...()` function: the session layer's own
 * (`withAuthTiming()`, ...) and the modes' (`withBrowserMode()`, `withBffMode()`).
 */
export interface AuthFeature {
  readonly providers: Provider[];
}
