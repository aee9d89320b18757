/**
 * Which proxies may name the client: the BFF keys its limits on the client address, and behind a
 * load balancer the TCP peer is the balancer. `BFF_TRUST_PROXY` is off by default (the peer is
 * the client: an X-Forwarded-For header from anyone else would let a caller pick its own key).
 * Set it to the number of proxy hops in front of the BFF, or to the addresses / CIDR ranges of
 * those proxies (fastify's `trustProxy`, proxy-addr semantics: the client is the rightmost
 * X-Forwarded-For entry not sent by a trusted proxy).
 */
import { isIP } from 'node:net';

import { ConfigError } from './errors.ts';

/** false, a hop count, or trusted proxy addresses / CIDRs / proxy-addr names. */
export type TrustProxy = false | number | readonly string[];

/** proxy-addr's names for well-known ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function readTrustProxy(raw: string | undefined): TrustProxy {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  // `true` would trust every hop, i.e. any header: never what a deployment means.
  if (raw === 'true') {
    throw new ConfigError(
      'BFF_TRUST_PROXY=true would trust any X-Forwarded-For: give a hop count or proxy CIDRs',
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError(`BFF_TRUST_PROXY hop count must be 0-10, got ${raw}`);
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (!isTrustedRange(entry)) {
      throw new ConfigError(
        `BFF_TRUST_PROXY: "${entry}" is not an address, a CIDR range, loopback, linklocal or uniquelocal`,
      );
    }
  }
  return entries;
}

function isTrustedRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d+$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
