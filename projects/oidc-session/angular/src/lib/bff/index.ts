// bff mode's door, imported on demand by SessionBackendLoader when the configuration says
// `"mode": "bff"`: nothing here is in the initial bundle of a browser-mode app.
import { EnvironmentInjector, createEnvironmentInjector } from '@angular/core';

import { SessionBackend } from '../core/session-backend';
import { BffBackend } from './bff-backend';
import { BffClient } from './bff-client';
import { BffSignOut } from './bff-sign-out';

export { BffBackend } from './bff-backend';
export { BffClient, BFF_CSRF_HEADER } from './bff-client';
export type { BffSession } from './bff-client';

/**
 * bff mode's backend, in an injector of its own under the app's. A BffClient the app provides
 * itself (the testing kit's scripted one) is used instead of the HTTP one.
 */
export function createBffBackend(parent: EnvironmentInjector): SessionBackend {
  const client = parent.get(BffClient, null, { optional: true }) ? [] : [BffClient];
  return createEnvironmentInjector([...client, BffSignOut, BffBackend], parent, 'bff-mode').get(
    BffBackend,
  );
}
