/**
 * Property test of the cross-instance refresh (fast-check): 2-3 simulated BFF instances share one
 * store and one fake provider with rotation and reuse detection. Random interleavings of requests,
 * expiries, instance crashes (also between the provider's answer and the store write), restarts,
 * store and provider outages and sign-outs must keep the invariants of issue 14:
 * - no refresh token is presented after the provider rotated it (so: one refresh per version);
 * - nothing revives a signed-out session;
 * - a session whose rotated refresh token was lost ends definitively: once things are calm again,
 *   a session is either ended or holds exactly the provider's current refresh token.
 * Virtual time; fixed seed (BFF_PROPERTY_SEED overrides), printed for replay. A small run puts
 * the shared store on a real Redis Cluster (3 primaries, 3 replicas; its lock TTLs in real time):
 * the simulation then also waits for store commands under way before it calls anything settled.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { BffError } from '../errors.ts';
import { SessionRefresher } from '../refresh.ts';
import { MemorySessionStore } from '../session-store/memory.ts';
import { RedisSessionStore } from '../session-store/redis.ts';
import type { SessionStore } from '../session-store/types.ts';
import {
  FakeProvider,
  instanceStore,
  random,
  VirtualClock,
  type Instance,
  type World,
} from './helpers/simulation.ts';
import { startCluster, type TestCluster } from './helpers/redis-topologies.ts';

const SEED = Number(process.env['BFF_PROPERTY_SEED'] ?? 20261125);
const RUNS = Number(process.env['BFF_PROPERTY_RUNS'] ?? 500);
const LOCK_TTL = 300;
const SESSION = 'session-1';

/** Weighted: mostly requests, now and then a fault, rarely a sign-out. */
const eventKind = fc.oneof(
  { arbitrary: fc.constant('request' as const), weight: 12 },
  { arbitrary: fc.constant('staleRefresh' as const), weight: 3 },
  { arbitrary: fc.constant('crash' as const), weight: 1 },
  { arbitrary: fc.constant('crashAfterAnswer' as const), weight: 1 },
  { arbitrary: fc.constant('restart' as const), weight: 2 },
  { arbitrary: fc.constant('storeOutage' as const), weight: 2 },
  { arbitrary: fc.constant('providerOutage' as const), weight: 2 },
  { arbitrary: fc.constant('logout' as const), weight: 1 },
);

const scenario = fc.record({
  instances: fc.integer({ min: 2, max: 3 }),
  latencySeed: fc.integer(),
  events: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 8000 }),
      kind: eventKind,
      instance: fc.nat(2),
      duration: fc.integer({ min: 20, max: 1200 }),
    }),
    { minLength: 4, maxLength: 40 },
  ),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface Node {
  readonly instance: Instance;
  readonly store: SessionStore;
  readonly refresher: SessionRefresher;
}

/**
 * The store the instances share: the in-process one on the virtual clock, or (a small run) a
 * real one, whose own expiries (the refresh lock's) run on real time: `calm` then waits them out.
 */
interface SharedStore {
  open(clock: VirtualClock): Promise<SessionStore>;
  calm(): Promise<void>;
  /** The session's creation time: Redis expires keys on its own (real) clock. */
  readonly createdAt: () => number;
}

const IN_PROCESS: SharedStore = {
  open: async (clock) =>
    new MemorySessionStore({
      idleTimeoutMs: 3_600_000,
      absoluteLifetimeMs: 86_400_000,
      now: () => clock.now,
      sweepIntervalMs: 0,
    }),
  calm: async () => {},
  createdAt: () => 0,
};

async function play({ instances, latencySeed, events }: Scenario, stores = IN_PROCESS) {
  const clock = new VirtualClock();
  const world: World = { clock, rng: random(latencySeed), storeDown: false, providerDown: false };
  const provider = new FakeProvider(world);
  const shared = await stores.open(clock);
  await shared.createSession({
    id: SESSION,
    sub: 'alice',
    claims: { sub: 'alice' },
    createdAt: stores.createdAt(),
    tokens: {
      version: 1,
      accessToken: 'at-0',
      receivedAt: 0,
      accessTokenExpiresAt: 1000,
      refreshToken: 'rt-0',
    },
  });

  let generation = 0;
  const start = (slot: number): Node => {
    const instance: Instance = {
      name: `i${slot}.${generation++}`,
      dead: false,
      crashAfterNextAnswer: false,
    };
    const store = instanceStore(shared, world, instance);
    const refresher = new SessionRefresher({
      store,
      refreshGrant: (token) => provider.refresh(instance, token),
      now: () => clock.now,
      sleep: clock.sleep,
      lockTtlMs: LOCK_TTL,
      instanceId: instance.name,
    });
    return { instance, store, refresher };
  };
  const nodes = Array.from({ length: instances }, (_, slot) => start(slot));
  let signedOutAt: number | undefined;
  const violations: string[] = [];

  /** What the proxy and the refresh endpoint do: read, and refresh when due or asked. */
  async function request(node: Node, stale: boolean): Promise<void> {
    const startedAt = clock.now;
    const lookup = await node.store.getSession(SESSION);
    if (lookup.state !== 'active') return;
    const { version, accessTokenExpiresAt } = lookup.session.tokens;
    if (!stale && clock.now < accessTokenExpiresAt) return;
    const seen = stale ? Math.max(0, version - 1) : version;
    const tokens = await node.refresher.refresh(SESSION, seen);
    if (tokens.version <= seen)
      violations.push(`refresh returned version ${tokens.version} for seen ${seen}`);
    if (signedOutAt !== undefined && startedAt >= signedOutAt) {
      violations.push(
        `a refresh started at ${startedAt} succeeded after sign-out at ${signedOutAt}`,
      );
    }
  }

  const expected = (error: unknown) => {
    // 401s and 503s are answers; anything else is a bug.
    if (!(error instanceof BffError)) violations.push(`unexpected error: ${String(error)}`);
  };

  /** Runs the clock until no timer is left and no store command is under way. */
  const settle = async () => {
    await clock.run();
    while ((world.inflight ?? 0) > 0) {
      await delay(1);
      await clock.run();
    }
  };

  for (const event of events) {
    clock.at(event.at, () => {
      const slot = event.instance % instances;
      const node = nodes[slot]!;
      switch (event.kind) {
        case 'request':
        case 'staleRefresh':
          void request(node, event.kind === 'staleRefresh').catch(expected);
          break;
        case 'crash':
          node.instance.dead = true;
          break;
        case 'crashAfterAnswer':
          node.instance.crashAfterNextAnswer = true;
          void request(node, false).catch(expected);
          break;
        case 'restart':
          if (node.instance.dead) nodes[slot] = start(slot);
          break;
        case 'storeOutage':
          world.storeDown = true;
          clock.at(clock.now + event.duration, () => (world.storeDown = false));
          break;
        case 'providerOutage':
          world.providerDown = true;
          clock.at(clock.now + event.duration, () => (world.providerDown = false));
          break;
        case 'logout':
          void node.store
            .endSession(SESSION, 'signed_out')
            .then(() => (signedOutAt ??= clock.now))
            .catch(expected);
          break;
      }
    });
  }
  await settle();

  // Calm again: everything up, every lock expired; one live instance makes one more request.
  world.storeDown = false;
  world.providerDown = false;
  clock.now += LOCK_TTL * 10;
  await stores.calm();
  const calm = start(9);
  void request(calm, false).catch(expected);
  await settle();

  assert.deepEqual(violations, []);
  assert.equal(provider.replays, 0, 'a refresh token was presented after rotation');
  const final = await shared.getSession(SESSION);
  if (signedOutAt !== undefined)
    assert.notEqual(final.state, 'active', 'a signed-out session came back');
  if (final.state === 'active') {
    assert.equal(
      final.session.tokens.refreshToken,
      provider.current,
      'an active session holds a dead refresh token',
    );
    assert.equal(provider.revoked, false);
    assert.equal(final.session.tokens.version, provider.rotations + 1, 'one version per refresh');
  }
  return { final, provider };
}

it(`keeps the refresh invariants across instances, crashes and outages (seed ${SEED}, ${RUNS} runs)`, async () => {
  console.log(
    `refresh property: seed ${SEED}, ${RUNS} runs (BFF_PROPERTY_SEED / BFF_PROPERTY_RUNS to change)`,
  );
  const seen = { refreshes: 0, ended: 0, lost: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const { final, provider } = await play(s);
      seen.refreshes += provider.rotations;
      if (final.state === 'ended') seen.ended += 1;
      if (final.state === 'ended' && final.reason === 'refresh_token_lost') seen.lost += 1;
      if (final.state === 'ended' && final.reason === 'refresh_rejected') seen.rejected += 1;
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  console.log(`refresh property: ${JSON.stringify(seen)}`);
  // The scenarios must reach the interesting cases, or the invariants hold trivially.
  assert.ok(seen.refreshes > RUNS, 'refreshes happen');
  assert.ok(seen.lost > 0, 'lost rotations happen');
});

it('finds the lost-token case in its scenarios: a crash between answer and write ends the session', async () => {
  // The same world, one fixed scenario: instance 0 dies right after the provider rotated.
  const { final, provider } = await play({
    instances: 2,
    latencySeed: 1,
    events: [
      { at: 1000, kind: 'crashAfterAnswer', instance: 0, duration: 0 },
      { at: 1500, kind: 'request', instance: 1, duration: 0 },
    ],
  });
  assert.equal(provider.rotations, 1);
  assert.equal(provider.replays, 0);
  assert.deepEqual(final, { state: 'ended', reason: 'refresh_token_lost' });
});

describe('against a Redis Cluster (a small run)', () => {
  const CLUSTER_RUNS = Number(process.env['BFF_PROPERTY_CLUSTER_RUNS'] ?? 15);
  let cluster: TestCluster;
  const stores: RedisSessionStore[] = [];

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await cluster.stop();
  });

  it(`keeps the invariants with the store on a 3+3 cluster (seed ${SEED}, ${CLUSTER_RUNS} runs)`, async () => {
    const onCluster: SharedStore = {
      open: async () => {
        const store = new RedisSessionStore({
          topology: cluster.topology,
          timeoutMs: 2000,
          idleTimeoutMs: 3_600_000,
          absoluteLifetimeMs: 86_400_000,
          replicaAcks: { replicas: 1, timeoutMs: 1000 },
          // One session id per run: each run gets keys of its own.
          keyPrefix: `prop-${randomUUID()}:`,
        });
        stores.push(store);
        await store.connect();
        return store;
      },
      // Locks left by crashed instances expire in Redis' time, not the virtual clock's.
      calm: () => delay(LOCK_TTL + 100),
      createdAt: Date.now,
    };
    let refreshes = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        refreshes += (await play(s, onCluster)).provider.rotations;
      }),
      { seed: SEED, numRuns: CLUSTER_RUNS, endOnFailure: true },
    );
    console.log(`refresh property on the cluster: ${CLUSTER_RUNS} runs, ${refreshes} refreshes`);
    assert.ok(refreshes > CLUSTER_RUNS, 'refreshes happen');
  });
});
