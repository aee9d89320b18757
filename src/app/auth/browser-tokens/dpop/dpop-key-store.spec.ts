import { generateKeyPair } from 'dpop';

import { DpopKeyStore } from './dpop-key-store';

/** Each test gets a database of its own, deleted afterwards. */
let dbName: string;
const stores: DpopKeyStore[] = [];

function newStore(
  options: { locks?: LockManager | null; slowGenerate?: boolean; counter?: { made: number } } = {},
): DpopKeyStore {
  const store = new DpopKeyStore({
    indexedDB,
    locks: options.locks === undefined ? navigator.locks : options.locks,
    dbName,
    generate: async () => {
      if (options.counter) options.counter.made++;
      const pair = await generateKeyPair('ES256');
      // A slow key generation widens the window in which two tabs could both create one.
      if (options.slowGenerate) await new Promise((resolve) => setTimeout(resolve, 30));
      return pair;
    },
  });
  stores.push(store);
  return store;
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

/** Lets a BroadcastChannel message reach the other stores. */
const delivered = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('DpopKeyStore', () => {
  beforeEach(() => {
    dbName = `oidc-session.dpop-test-${crypto.randomUUID()}`;
  });

  afterEach(async () => {
    stores.splice(0).forEach((store) => store.close());
    await deleteDatabase(dbName);
  });

  it('ends with one key when two tabs create one at the same moment (Web Locks)', async () => {
    const counter = { made: 0 };
    const [a, b] = [
      newStore({ slowGenerate: true, counter }),
      newStore({ slowGenerate: true, counter }),
    ];
    const [keyA, keyB] = await Promise.all([a.readOrCreate(), b.readOrCreate()]);
    expect(keyA.id).toBe(keyB.id);
    expect(counter.made).withContext('the second tab re-read inside the lock').toBe(1);
    expect((await newStore().read())?.id).toBe(keyA.id);
  });

  it('ends with one key when two tabs create one at the same moment without Web Locks', async () => {
    const [a, b] = [
      newStore({ locks: null, slowGenerate: true }),
      newStore({ locks: null, slowGenerate: true }),
    ];
    const [keyA, keyB] = await Promise.all([a.readOrCreate(), b.readOrCreate()]);
    expect(keyA.id).toBe(keyB.id);
    expect((await newStore().read())?.id).toBe(keyA.id);
  });

  it('gives every tab (and a reload) the same non-extractable key', async () => {
    const created = await newStore().readOrCreate();
    const reused = await newStore().readOrCreate();
    expect(reused.id).toBe(created.id);
    expect(reused.pair.privateKey.extractable).toBeFalse();
    expect(reused.pair.privateKey.algorithm).toEqual(
      jasmine.objectContaining({ name: 'ECDSA', namedCurve: 'P-256' }),
    );
    // The key read back still signs: what one tab stored, another can use.
    const data = new TextEncoder().encode('proof');
    const algorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const signature = await crypto.subtle.sign(algorithm, reused.pair.privateKey, data);
    expect(
      await crypto.subtle.verify(algorithm, created.pair.publicKey, signature, data),
    ).toBeTrue();
  });

  it('replaces the key on rotate, and another tab forgets its cached copy', async () => {
    const a = newStore();
    const b = newStore();
    const first = await a.readOrCreate();
    expect((await b.read())?.id).toBe(first.id);
    expect(b.cached()?.id).toBe(first.id);

    const second = await a.rotate();
    await delivered();
    expect(second.id).not.toBe(first.id);
    expect(b.cached()).withContext('the change message cleared the cache').toBeNull();
    expect((await b.read())?.id).toBe(second.id);
  });

  it('deletes the key for every tab', async () => {
    const a = newStore();
    const b = newStore();
    await a.readOrCreate();
    await b.read();
    await b.delete();
    await delivered();
    expect(b.cached()).toBeNull();
    expect(a.cached()).toBeNull();
    expect(await a.read()).toBeNull();
    expect(await newStore().read()).toBeNull();
  });

  it('makes a new key after a deletion, never bringing the old one back', async () => {
    const store = newStore();
    const before = await store.readOrCreate();
    await store.delete();
    const after = await store.readOrCreate();
    expect(after.id).not.toBe(before.id);
  });

  it('reports a database that cannot be opened, and tries again next time', async () => {
    const failing = {
      open: () => {
        throw new DOMException('refused', 'InvalidStateError');
      },
    } as unknown as IDBFactory;
    const store = new DpopKeyStore({ indexedDB: failing, locks: null, dbName });
    await expectAsync(store.read()).toBeRejected();
    await expectAsync(store.read()).toBeRejected();
    store.close();
  });
});
