import { AuthFeature, ɵSESSION_MODES as SESSION_MODES, SessionMode } from '@oidc-session/angular';

/**
 * BFF mode: a backend-for-frontend on this origin holds every token; the browser holds an
 * HttpOnly cookie. Nothing of it is in an app's initial JavaScript: its configuration rules are
 * imported at start-up, the rest when the configuration picks `"mode": "bff"`. Needs nothing
 * beyond Angular and RxJS.
 */
export function withBffMode(): AuthFeature {
  return {
    providers: [
      {
        provide: SESSION_MODES,
        multi: true,
        useValue: {
          name: 'bff',
          sessionReachesServer: true,
          loadRules: () => import('./bff-config-rules').then((rules) => rules.BFF_CONFIG_RULES),
          load: (parent) => import('./bff-mode-door').then((mode) => mode.createBffBackend(parent)),
        } satisfies SessionMode,
      },
    ],
  };
}
