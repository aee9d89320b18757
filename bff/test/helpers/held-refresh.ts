/**
 * For tests that hold a refresh in flight at the provider while something else happens to its
 * session (a step-up, a sign-in that replaces it): wraps the BFF's provider client and its store.
 */
import type { OidcClient } from '../../oidc.ts';
import type { SessionStore } from '../../session-store/types.ts';

/** A refresh held once the provider has answered (it rotated the refresh token), until released. */
export interface HeldRefresh {
  /** Resolves as the refresh is held, with the refresh token the provider gave it. */
  readonly entered: Promise<{ rotated: string | undefined }>;
  release(): void;
}

export class RefreshControl {
  /** Refresh tokens the BFF asked the provider to revoke, in order. */
  readonly revoked: string[] = [];
  /** Called when the store refuses a lock (someone else holds it). */
  onLockRefused: (() => void) | undefined;
  #next: { enter: (rotated: string | undefined) => void; released: Promise<void> } | undefined;
  /** Holds not released yet: a failed test must not leave a request held (the BFF would not close). */
  readonly #open = new Set<() => void>();

  /** The next refresh the BFF makes is held once the provider has answered. */
  holdNextRefresh(): HeldRefresh {
    let enter!: (rotated: string | undefined) => void;
    let release!: () => void;
    const entered = new Promise<{ rotated: string | undefined }>(
      (resolve) => (enter = (rotated) => resolve({ rotated })),
    );
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#open.add(release);
    this.#next = { enter, released };
    return {
      entered,
      release: () => {
        this.#open.delete(release);
        release();
      },
    };
  }

  /** After each test: nothing held, nothing waiting, no lock watcher. */
  reset(): void {
    this.onLockRefused = undefined;
    this.#next = undefined;
    for (const release of this.#open) release();
    this.#open.clear();
  }

  /** The BFF's provider client, its refreshes holdable and its revocations recorded. */
  readonly wrapOidc = (real: OidcClient): OidcClient => ({
    ...real,
    refresh: async (refreshToken, sub) => {
      const tokens = await real.refresh(refreshToken, sub);
      const hold = this.#next;
      this.#next = undefined;
      if (hold) {
        hold.enter(tokens.refreshToken);
        await hold.released;
      }
      return tokens;
    },
    revoke: async (refreshToken) => {
      this.revoked.push(refreshToken);
      return real.revoke(refreshToken);
    },
  });

  /** The BFF's store, telling `onLockRefused` when it refuses a lock. */
  readonly wrapStore = (inner: SessionStore): SessionStore =>
    new Proxy(inner, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property !== 'acquireLock') return value.bind(target);
        return async (...args: Parameters<SessionStore['acquireLock']>) => {
          const acquired = await target.acquireLock(...args);
          if (!acquired) this.onLockRefused?.();
          return acquired;
        };
      },
    });
}
