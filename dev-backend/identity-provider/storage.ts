/**
 * The dev provider's storage: oidc-provider's own in-memory adapter over an LRU of 1,000,000
 * entries, one per provider process, instead of the quick-start default of 1,000. A sign-in
 * stores several entries (interaction, session, grant, code, refresh token and their indexes), so
 * the default silently evicted live grants and refresh tokens once a stack had seen a few hundred
 * sign-ins; those users' next refresh failed with invalid_grant and their sessions ended (the
 * bench's 1,000-session step found it). Still memory only: a restart forgets everything.
 */
/// <reference path="./oidc-provider-internals.d.ts" />
import type { AdapterFactory } from 'oidc-provider';
// Internals of oidc-provider 9 (no exports map): the same adapter and LRU it uses by default.
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const MAX_ENTRIES = 1_000_000;

/**
 * `clockTolerance`: the provider's (oidc-provider's default is 15 s). Entries are kept that long
 * past their expiry, as the quick-start storage keeps them, so that a token just past its expiry
 * is refused as expired rather than as unknown.
 */
export function memoryStorage(clockTolerance: number): AdapterFactory {
  const entries = new LRU({ maxSize: MAX_ENTRIES });
  return (model) => new MemoryAdapter(model, entries, clockTolerance);
}
