/**
 * Loopback detection for the dev-only `/__dev/*` endpoints.
 *
 * The servers listen on every interface (so `localhost` works whether it resolves to 127.0.0.1
 * or ::1), which also makes them reachable from the local network. The dev endpoints reveal and
 * reset what the servers saw, so they answer only callers on this machine.
 */

/**
 * True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses (what a dual-stack socket reports
 * for an IPv4 loopback caller), false for anything else, including a missing address.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) {
    return false;
  }
  const normalized = address.toLowerCase();
  if (normalized === '::1' || normalized === '0:0:0:0:0:0:0:1') {
    return true;
  }
  const ipv4 = normalized.startsWith('::ffff:') ? normalized.slice('::ffff:'.length) : normalized;
  const octets = ipv4.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}
