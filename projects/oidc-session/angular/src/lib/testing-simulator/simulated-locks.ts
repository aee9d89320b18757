/**
 * An in-memory Web Locks API (https://w3c.github.io/web-locks/) for several simulated tabs:
 * one registry per origin, one {@link LockManager} per page. Exclusive and shared modes,
 * first-come first-served per name, `ifAvailable`, `steal`, `signal` (an aborted request
 * rejects with the signal's reason), `query()`; a closed page's locks are released and its
 * waiting requests dropped, as when a browser tab goes away.
 */
export class LockRegistry {
  /** Told when a lock is granted, released, or a waiting request is aborted (for a story). */
  onChange: (change: LockChange) => void = () => undefined;
  private readonly held: LockEntry[] = [];
  private readonly pending: LockEntry[] = [];
  private readonly closedClients = new Set<string>();
  private nextId = 1;

  /** The LockManager of one page (`clientId` names it in `query()`). */
  managerFor(clientId: string): LockManager {
    const registry = this;
    const manager = {
      request(name: string, ...rest: unknown[]): Promise<unknown> {
        const [options, callback] = (
          typeof rest[0] === 'function' ? [{}, rest[0]] : [rest[0] ?? {}, rest[1]]
        ) as [LockOptions, LockGrantedCallback<unknown>];
        return registry.request(clientId, name, options, callback);
      },
      query: async (): Promise<LockManagerSnapshot> => registry.snapshot(),
    };
    return manager as unknown as LockManager;
  }

  /** Locks held now, for test assertions. */
  heldLocks(): readonly { name: string; mode: LockMode; clientId: string }[] {
    return this.held.map(({ name, mode, clientId }) => ({ name, mode, clientId }));
  }

  /** The page is gone: its locks are released and its waiting requests never granted. */
  closeClient(clientId: string): void {
    this.closedClients.add(clientId);
    const names = new Set<string>();
    for (const list of [this.held, this.pending]) {
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].clientId === clientId) {
          names.add(list[i].name);
          list.splice(i, 1);
        }
      }
    }
    names.forEach((name) => this.grantWaiting(name));
  }

  private request(
    clientId: string,
    name: string,
    options: LockOptions,
    callback: LockGrantedCallback<unknown>,
  ): Promise<unknown> {
    const mode: LockMode = options.mode ?? 'exclusive';
    if (typeof callback !== 'function') return Promise.reject(new TypeError('callback required'));
    if (name.startsWith('-')) return Promise.reject(notSupported('names starting with "-"'));
    if (options.steal && options.ifAvailable)
      return Promise.reject(notSupported('steal with ifAvailable'));
    if (options.steal && mode !== 'exclusive')
      return Promise.reject(notSupported('steal in shared mode'));
    if (options.signal && (options.steal || options.ifAvailable))
      return Promise.reject(notSupported('signal with steal or ifAvailable'));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    // A page that is gone runs no more code; whatever it asks for never happens.
    if (this.closedClients.has(clientId)) return new Promise(() => undefined);

    return new Promise<unknown>((resolve, reject) => {
      const entry: LockEntry = {
        id: this.nextId++,
        name,
        mode,
        clientId,
        callback,
        resolve,
        reject,
      };
      if (options.steal) {
        for (let i = this.held.length - 1; i >= 0; i--) {
          const stolen = this.held[i];
          if (stolen.name !== name) continue;
          this.held.splice(i, 1);
          stolen.reject(new DOMException('The lock was stolen.', 'AbortError'));
        }
        this.grant(entry);
        return;
      }
      if (options.ifAvailable) {
        if (this.grantable(entry, true)) this.grant(entry);
        else
          void settleWith(
            Promise.resolve().then(() => callback(null)),
            resolve,
            reject,
          );
        return;
      }
      this.pending.push(entry);
      const signal = options.signal;
      if (signal) {
        signal.addEventListener(
          'abort',
          () => {
            const index = this.pending.indexOf(entry);
            if (index < 0) return; // granted already: aborting no longer matters
            this.pending.splice(index, 1);
            this.onChange({ kind: 'aborted', name, clientId });
            reject(signal.reason);
            this.grantWaiting(name);
          },
          { once: true },
        );
      }
      this.grantWaiting(name);
    });
  }

  /** Grants, in order, every waiting request for `name` that no held lock conflicts with. */
  private grantWaiting(name: string): void {
    for (const entry of this.pending.filter((e) => e.name === name)) {
      if (!this.grantable(entry, false)) break;
      this.pending.splice(this.pending.indexOf(entry), 1);
      this.grant(entry);
    }
  }

  private grantable(entry: LockEntry, mustBeFirst: boolean): boolean {
    if (mustBeFirst && this.pending.some((e) => e.name === entry.name)) return false;
    return this.held.every(
      (other) => other.name !== entry.name || (entry.mode === 'shared' && other.mode === 'shared'),
    );
  }

  private grant(entry: LockEntry): void {
    this.held.push(entry);
    this.onChange({ kind: 'granted', name: entry.name, clientId: entry.clientId });
    const lock = { name: entry.name, mode: entry.mode } as Lock;
    // The callback runs in a later task than the request, as in browsers.
    const result = Promise.resolve().then(() => entry.callback(lock));
    const release = () => {
      const index = this.held.indexOf(entry);
      if (index < 0) return; // stolen, or its page closed
      this.held.splice(index, 1);
      this.onChange({ kind: 'released', name: entry.name, clientId: entry.clientId });
      this.grantWaiting(entry.name);
    };
    result.then(
      (value) => {
        release();
        entry.resolve(value);
      },
      (error: unknown) => {
        release();
        entry.reject(error);
      },
    );
  }

  private snapshot(): LockManagerSnapshot {
    const info = ({ name, mode, clientId }: LockEntry): LockInfo => ({ name, mode, clientId });
    return { held: this.held.map(info), pending: this.pending.map(info) };
  }
}

/** A change in who holds or waits for a lock. */
export interface LockChange {
  readonly kind: 'granted' | 'released' | 'aborted';
  readonly name: string;
  readonly clientId: string;
}

interface LockEntry {
  readonly id: number;
  readonly name: string;
  readonly mode: LockMode;
  readonly clientId: string;
  readonly callback: LockGrantedCallback<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

function notSupported(what: string): DOMException {
  return new DOMException(`Web Locks: ${what} is not allowed`, 'NotSupportedError');
}

async function settleWith(
  result: Promise<unknown>,
  resolve: (value: unknown) => void,
  reject: (error: unknown) => void,
): Promise<void> {
  try {
    resolve(await result);
  } catch (error: unknown) {
    reject(error);
  }
}
