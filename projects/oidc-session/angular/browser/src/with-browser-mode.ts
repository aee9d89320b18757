import { AuthFeature, ɵSESSION_MODES as SESSION_MODES, SessionMode } from '@oidc-session/angular';

/**
 * Browser mode: the tokens live in the tab (DPoP-bound where the provider allows), sign-in
 * through angular-oauth2-oidc. Nothing of it is in an app's initial JavaScript: its configuration
 * rules are imported at start-up, the rest when the configuration picks `"mode": "browser"`, and angular-oauth2-oidc and
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
          name: 'browser',
          sessionReachesServer: false,
          loadRules: () =>
            import('./browser-config-rules').then((rules) => rules.BROWSER_CONFIG_RULES),
          load: (parent) =>
            import('./browser-mode-door').then((mode) => mode.createBrowserBackend(parent)),
        } satisfies SessionMode,
      },
    ],
  };
}
