/**
 * A TCP port for a server that must be named before it listens: a provider's redirect URIs name
 * the BFF, the provider's audience names the API, a Redis node's config names itself.
 *
 * The port is picked below the kernel's ephemeral range. `listen(0)` and every outgoing connection
 * draw from that range, so a port found there by `listen(0)` and released again can be handed to
 * the next outgoing connection before its server binds it: CI saw exactly that (EADDRINUSE on the
 * API's port). Below the range only an explicit bind can take a port, and each pick is probed and
 * never handed out twice by one process. A Redis Cluster node also binds its bus on port + 10000,
 * so picks leave that much room below the range too.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's default when /proc says nothing (macOS and Windows use 49152 and above). */
const DEFAULT_EPHEMERAL_LOW = 32768;
const LOWEST = 10_000;
/** A Redis Cluster node's bus listens on its port + 10000. */
const CLUSTER_BUS_OFFSET = 10_000;

const handedOut = new Set<number>();

/**
 * A port nobody listened on a moment ago, and that this process has not handed out before.
 * `withClusterBus`: port + 10000 is free and reserved too (a Redis Cluster node's bus).
 */
export async function freePort({ withClusterBus = false } = {}): Promise<number> {
  const highest = ephemeralLow() - CLUSTER_BUS_OFFSET;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    const wanted = withClusterBus ? [port, port + CLUSTER_BUS_OFFSET] : [port];
    if (wanted.some((each) => handedOut.has(each))) continue;
    // Reserved before the probe, so concurrent calls in this process never pick the same port.
    for (const each of wanted) handedOut.add(each);
    if (await everyFree(wanted)) return port;
    for (const each of wanted) handedOut.delete(each);
  }
  throw new Error(`no free port between ${LOWEST} and ${highest} after 200 tries`);
}

async function everyFree(ports: readonly number[]): Promise<boolean> {
  for (const port of ports) if (!(await isFree(port))) return false;
  return true;
}

/** True when a server could listen on `port` on every interface (as the dev servers do). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port }, () => probe.close(() => resolve(true)));
  });
}

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const parsed = Number(low);
    return Number.isInteger(parsed) && parsed > LOWEST + CLUSTER_BUS_OFFSET + 1000
      ? parsed
      : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}
