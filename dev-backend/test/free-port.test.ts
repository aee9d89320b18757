/**
 * Ports picked for servers that are named before they listen. CI once lost a run to a port
 * picked with listen(0), released, and taken by something else before the API bound it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';

import { freePort } from '../shared/free-port.ts';

const EPHEMERAL_LOW = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
);

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port }, () => resolve(server));
  });
}

describe('freePort', () => {
  it('picks below the kernel ephemeral range, where listen(0) and outgoing connections never land', async () => {
    for (let i = 0; i < 100; i += 1) {
      const port = await freePort();
      assert.ok(port >= 1024 && port < EPHEMERAL_LOW, `${port} is below ${EPHEMERAL_LOW}`);
    }
  });

  it('never hands out one port twice in a process, even before anything listens on it', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    assert.equal(new Set(ports).size, 200);
  });

  it('leaves room for a cluster bus (port + 10000) below the range, and finds it free', async () => {
    for (let i = 0; i < 50; i += 1) {
      const port = await freePort({ withClusterBus: true });
      assert.ok(port + 10_000 < EPHEMERAL_LOW, `${port + 10_000} is below ${EPHEMERAL_LOW}`);
      const bus = await listenOn(port + 10_000);
      await new Promise((resolve) => bus.close(resolve));
    }
  });

  it('returns a port a server can then listen on', async () => {
    const server = await listenOn(await freePort());
    await new Promise((resolve) => server.close(resolve));
  });
});
