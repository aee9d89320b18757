import { AuthFeature, ɵSESSION_MODES as SESSION_MODES, SessionMode } from '@oidc-session/angular';

import { BROWSER_CONFIG_RULES } from './browser-config-rules';

/**
 * Browser mode: the tokens live in the tab (DPoP-bound where the provider allows), sign-in
 * through angular-oauth2-oidc. Its configuration rules are all an app pays for up front; the
 * rest is imported when the configuration picks `"mode": "browser"`, and angular-oauth2-oidc and
 * `dpop` (this entry point's optional peer dependencies) only when a sign-in or a DPoP-bound
 * session needs them.
 */
export function withBrowserMode(): AuthFeature {
  return {
    providers: [
      {
        provide: SESSION_MODES,
        multi: true,
        useValue: {
          ...BROWSER_CONFIG_RULES,
          load: (parent) =>
            import('./browser-mode-door').then((mode) => mode.createBrowserBackend(parent)),
        } satisfies SessionMode,
      },
    ],
  };
}
