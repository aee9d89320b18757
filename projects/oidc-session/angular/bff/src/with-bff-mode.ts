import { AuthFeature, ɵSESSION_MODES as SESSION_MODES, SessionMode } from '@oidc-session/angular';

import { BFF_CONFIG_RULES } from './bff-config-rules';

/**
 * BFF mode: a backend-for-frontend on this origin holds every token; the browser holds an
 * HttpOnly cookie. Its configuration rules are all an app pays for up front; the rest is
 * imported when the configuration picks `"mode": "bff"`. Needs nothing beyond Angular and RxJS.
 */
export function withBffMode(): AuthFeature {
  return {
    providers: [
      {
        provide: SESSION_MODES,
        multi: true,
        useValue: {
          ...BFF_CONFIG_RULES,
          load: (parent) => import('./bff-mode-door').then((mode) => mode.createBffBackend(parent)),
        } satisfies SessionMode,
      },
    ],
  };
}
