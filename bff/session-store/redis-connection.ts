/**
 * One node-redis connection to whichever Redis the deployment runs: one server (`createClient`),
 * a Redis Cluster (`createCluster`, commands routed by their key's slot) or a Sentinel setup
 * (`createSentinel`, always on the current primary). The store sees only the commands it uses;
 * every one names its key, so each topology can route it.
 */
import { createClient, createCluster, createSentinel, type RedisClientOptions } from 'redis';

/** Where Redis is, as configured (config.ts: REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS). */
export type RedisTopology =
  | { readonly kind: 'server'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly string[] }
  | {
      readonly kind: 'sentinel';
      readonly name: string;
      readonly sentinels: readonly { readonly host: string; readonly port: number }[];
    };

/** The commands the store sends. Each names its key first. */
export interface RedisCommands {
  hGetAll(key: string): Promise<Record<string, string>>;
  get(key: string): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<string | null>;
  exists(key: string): Promise<number>;
  sAdd(key: string, member: string): Promise<number>;
  sMembers(key: string): Promise<string[]>;
  sRem(key: string, member: string): Promise<number>;
  pExpire(key: string, ms: number): Promise<number>;
  hExists(key: string, field: string): Promise<number>;
}

/** A script's reply, and how many replicas acknowledged its writes (WAIT). */
export interface ReplicatedReply {
  readonly reply: unknown;
  readonly acknowledged: number;
}

export interface RedisConnection {
  readonly commands: RedisCommands;
  /**
   * Runs a script, then `WAIT replicas timeoutMs` for its writes. Both go over a connection of
   * their own (WAIT counts the writes of the connection it is sent on, and blocks it): a slow
   * replica delays the refresh that waits for it, never the other commands.
   */
  evalReplicated(
    script: string,
    options: { keys: string[]; arguments: string[] },
    replicas: number,
    timeoutMs: number,
  ): Promise<ReplicatedReply>;
  /** Writes `fields` as the hash `key`, expiring at `expiresAt`, in one MULTI on its slot. */
  writeHash(key: string, fields: Record<string, string>, expiresAt: number): Promise<void>;
  ping(): Promise<void>;
  readonly isReady: boolean;
  connect(): Promise<void>;
  destroy(): void;
}

export interface ConnectionOptions {
  readonly timeoutMs: number;
  readonly onError: (error: Error) => void;
}

/**
 * Every node connection fails fast: no offline queue (queued commands would make every request
 * wait for Redis to come back), a timeout per command, and a socket that gives up on a frozen
 * server after the same time, then reconnects every few seconds for as long as the process lives.
 */
function nodeOptions(timeoutMs: number): RedisClientOptions {
  return {
    disableOfflineQueue: true,
    commandOptions: { timeout: timeoutMs },
    socket: {
      connectTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  } as RedisClientOptions;
}

export function openRedis(topology: RedisTopology, options: ConnectionOptions): RedisConnection {
  switch (topology.kind) {
    case 'server': {
      const client = createClient({ ...nodeOptions(options.timeoutMs), url: topology.url });
      client.on('error', options.onError);
      const durable = lazily(async () => {
        const own = client.duplicate();
        own.on('error', options.onError);
        await own.connect();
        return own;
      });
      return {
        commands: client as unknown as RedisCommands,
        evalReplicated: async (script, scriptOptions, replicas, timeoutMs) => {
          const own = await durable();
          const reply = await own.eval(script, scriptOptions);
          const acknowledged = await own.sendCommand(['WAIT', String(replicas), String(timeoutMs)]);
          return { reply, acknowledged: Number(acknowledged) };
        },
        writeHash: async (key, fields, expiresAt) => {
          await client.multi().hSet(key, fields).pExpireAt(key, expiresAt).exec();
        },
        ping: async () => void (await client.ping()),
        get isReady() {
          return client.isReady;
        },
        connect: async () => void (await client.connect()),
        destroy: () => {
          if (client.isOpen) client.destroy();
          durable.close((own) => own.isOpen && own.destroy());
        },
      };
    }
    case 'cluster': {
      const cluster = createCluster({
        rootNodes: topology.nodes.map((url) => ({ url })),
        defaults: nodeOptions(options.timeoutMs),
        // A failover moves slots: find the new primary a few times before giving up.
        maxCommandRedirections: 8,
      });
      cluster.on('error', options.onError);
      const durable = lazily(async () => {
        const own = cluster.duplicate();
        own.on('error', options.onError);
        await own.connect();
        return own;
      });
      return {
        commands: cluster as unknown as RedisCommands,
        // WAIT is routed by the script's first key: to the same primary, on the same connection.
        evalReplicated: async (script, scriptOptions, replicas, timeoutMs) => {
          const own = await durable();
          const reply = await own.eval(script, scriptOptions);
          const acknowledged = await own.sendCommand(scriptOptions.keys[0], false, [
            'WAIT',
            String(replicas),
            String(timeoutMs),
          ]);
          return { reply, acknowledged: Number(acknowledged) };
        },
        writeHash: async (key, fields, expiresAt) => {
          await cluster.multi(key).hSet(key, fields).pExpireAt(key, expiresAt).exec();
        },
        // Every primary: the store's keep-alive keeps each node's socket busy (an idle one would
        // time out and reconnect), and /bff/health is up only when every slot's primary answers.
        ping: async () => {
          await Promise.all(
            cluster.masters.map(async (primary) => (await cluster.nodeClient(primary)).ping()),
          );
        },
        get isReady() {
          return cluster.isOpen;
        },
        connect: async () => void (await cluster.connect()),
        destroy: () => {
          if (cluster.isOpen) cluster.destroy();
          durable.close((own) => own.isOpen && own.destroy());
        },
      };
    }
    case 'sentinel': {
      const node = nodeOptions(options.timeoutMs);
      // No credentials for the nodes or sentinels yet: see bff/README.md, "Redis".
      const open = () => {
        const sentinel = createSentinel({
          name: topology.name,
          sentinelRootNodes: topology.sentinels.map(({ host, port }) => ({ host, port })),
          nodeClientOptions: node,
          sentinelClientOptions: nodeOptions(options.timeoutMs),
          passthroughClientErrorEvents: true,
          // Rediscover the primary a few times when a failover is under way.
          maxCommandRediscovers: 8,
          // One connection to the primary: WAIT must follow the write on the same one.
          masterPoolSize: 1,
        } as Parameters<typeof createSentinel>[0]);
        sentinel.on('error', options.onError);
        return sentinel;
      };
      const sentinel = open();
      const durable = lazily(async () => {
        const own = open();
        await own.connect();
        return own;
      });
      return {
        commands: sentinel as unknown as RedisCommands,
        evalReplicated: async (script, scriptOptions, replicas, timeoutMs) => {
          const own = await durable();
          const reply = await own.eval(script, scriptOptions);
          const acknowledged = await own.sendCommand(false, [
            'WAIT',
            String(replicas),
            String(timeoutMs),
          ]);
          return { reply, acknowledged: Number(acknowledged) };
        },
        writeHash: async (key, fields, expiresAt) => {
          await sentinel.multi().hSet(key, fields).pExpireAt(key, expiresAt).exec();
        },
        ping: async () => void (await sentinel.ping()),
        get isReady() {
          return sentinel.isReady;
        },
        connect: async () => void (await sentinel.connect()),
        destroy: () => {
          if (sentinel.isOpen) sentinel.destroy();
          durable.close((own) => own.isOpen && own.destroy());
        },
      };
    }
  }
}

/**
 * A connection opened on first use (most BFF requests never rotate a token), once; a failed
 * attempt is forgotten so the next call tries again.
 */
function lazily<T>(open: () => Promise<T>): (() => Promise<T>) & {
  close(destroy: (value: T) => unknown): void;
} {
  let pending: Promise<T> | undefined;
  const get = () => {
    pending ??= open().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return Object.assign(get, {
    close: (destroy: (value: T) => unknown) => {
      void pending?.then(destroy, () => undefined);
      pending = undefined;
    },
  });
}
