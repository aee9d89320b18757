/**
 * Remembers the `jti` of every accepted DPoP proof until the proof could no longer be accepted
 * anyway, so a captured request cannot be sent again (RFC 9449 section 11.1). Entries expire, so
 * memory stays bounded by the request rate times the record's lifetime.
 */

export interface DpopReplayCache {
  /**
   * Records `jti` for the key `jkt`; false when it was already recorded and has not expired (a
   * replay). Keyed by key thumbprint so that one client cannot block another's identifiers.
   */
  firstUse(jkt: string, jti: string): boolean;
  /** Records currently held (for tests). */
  size(): number;
}

/**
 * @param lifetimeSeconds how long a record is kept: at least as long as a proof can be accepted.
 * @param now the server clock in ms.
 */
export function createDpopReplayCache(
  lifetimeSeconds: number,
  now: () => number = Date.now,
): DpopReplayCache {
  const expiries = new Map<string, number>();
  let nextSweep = 0;

  /** Drops expired records, at most once per lifetime, so a check stays O(1) on average. */
  function sweep(at: number): void {
    if (at < nextSweep) {
      return;
    }
    nextSweep = at + lifetimeSeconds * 1000;
    for (const [key, expiry] of expiries) {
      if (expiry <= at) {
        expiries.delete(key);
      }
    }
  }

  return {
    firstUse(jkt, jti) {
      const at = now();
      sweep(at);
      const key = `${jkt} ${jti}`;
      const expiry = expiries.get(key);
      if (expiry !== undefined && expiry > at) {
        return false;
      }
      expiries.set(key, at + lifetimeSeconds * 1000);
      return true;
    },
    size: () => expiries.size,
  };
}
