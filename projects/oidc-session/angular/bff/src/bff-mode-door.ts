// BFF mode's backend, imported on demand (with-bff-mode.ts) when the configuration says
// `"mode": "bff"`: nothing here is in any chunk of an app that does not declare the mode.
import { EnvironmentInjector, createEnvironmentInjector } from '@angular/core';

import { ɵSessionBackend as SessionBackend } from '@oidc-session/angular';
import { BffBackend } from './bff-backend';
import { BffClient } from './bff-client';
import { HttpBffClient } from './http-bff-client';
import { BffSignOut } from './bff-sign-out';

/**
 * bff mode's backend, in an injector of its own under the app's. A BffClient the app provides
 * itself (the testing kit's scripted one) is used instead of the HTTP one.
 */
export function createBffBackend(parent: EnvironmentInjector): SessionBackend {
  const client = parent.get(BffClient, null, { optional: true })
    ? []
    : [{ provide: BffClient, useClass: HttpBffClient }];
  return createEnvironmentInjector([...client, BffSignOut, BffBackend], parent, 'bff-mode').get(
    BffBackend,
  );
}
