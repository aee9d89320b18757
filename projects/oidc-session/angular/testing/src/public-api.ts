// The testing kit's public door: unit tests of services and guards that use the session.
export { provideAuthTesting, AuthTestingController, TEST_API } from './provide-auth-testing';
export type { AuthTestingOptions } from './provide-auth-testing';
export type { ScriptedRefreshAnswer } from './scripted-token-endpoint';
export { FakeClock } from './fake-clock';
export { FakeTabNetwork } from './fake-tab-network';
export { TEST_ISSUER } from './fake-oidc-client';
export { TestTabs, tokenOf } from './test-tabs';
export type { TestTab } from './test-tabs';
export { tokenResponse, settle } from './token-responses';
// For this package's own specs and tab-protocol simulator: not API.
export { FakeOidcClient as ɵFakeOidcClient } from './fake-oidc-client';
