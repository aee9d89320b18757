// DPoP (RFC 9449) for browser mode: the key, the proofs, the nonces and the on/off decision.
// The rest of the session layer imports from here, never from a file behind it.
export { DPOP_KEY_STORE, DPOP_KEY_LOCK, DpopKeyStore } from './dpop-key-store';
export type { DpopKey, DpopKeyStoreOptions } from './dpop-key-store';
export { DpopCodeExchange } from './dpop-code-exchange';
export { DpopNonces } from './dpop-nonces';
export { DpopSender, isNonceChallenge } from './dpop-sender';
export type { DpopAudience } from './dpop-sender';
export { DPOP_ALGORITHM, DpopSupport } from './dpop-support';
export { DPOP_TOKEN_REQUEST, DpopRequests } from './dpop-requests';
export type { DpopTokenRequest } from './dpop-requests';
