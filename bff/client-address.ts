/**
 * The key the BFF counts a client under: its address as fastify resolved it (the TCP peer, or
 * the X-Forwarded-For entry `BFF_TRUST_PROXY` allows), IPv4-mapped IPv6 as IPv4, and IPv6 by its
 * /64 (one subscriber's allocation: counting single IPv6 addresses would give each caller 2^64
 * keys). The same key serves the rate limits and the bound on sign-ins in progress.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';

export function clientKey(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}
