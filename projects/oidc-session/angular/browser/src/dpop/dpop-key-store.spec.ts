import { generateKeyPair } from 'dpop';

import { DpopKey, DpopKeyStore, MAX_SIGN_IN_KEYS, SIGN_IN_KEY_MAX_AGE_MS } from './dpop-key-store';

/** Each test gets a database of its own, deleted afterwards. */
let dbName: string;
const stores: DpopKeyStore[] = [];

function newStore(options: { locks?: LockManager | null; now?: () => number } = {}): DpopKeyStore {
  const store = new DpopKeyStore({
    indexedDB,
    locks: options.locks === undefined ? navigator.locks : options.locks,
    dbName,
    now: options.now,
    generate: () => generateKeyPair('ES256'),
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

  /** What a completed sign-in leaves: its attempt's key adopted as the shared key. */
  async function signedIn(store: DpopKeyStore): Promise<DpopKey> {
    return (await store.adoptSignInKey((await store.prepareSignInKey()).id))!;
  }

  it('leaves the shared key alone when a sign-in prepares its own key (an abandoned attempt breaks nothing)', async () => {
    const tabA = newStore();
    const shared = await signedIn(tabA);
    const tabB = newStore();
    const attempt = await tabB.prepareSignInKey();
    await delivered();
    expect(attempt.id).not.toBe(shared.id);
    expect((await newStore().read())?.id)
      .withContext('the key every tab shares')
      .toBe(shared.id);
    expect(tabA.cached()?.id).withContext('no change message for a mere attempt').toBe(shared.id);
    expect((await tabB.signInKey(attempt.id))?.id).toBe(attempt.id);
  });

  it("makes a sign-in's key the shared one when it is adopted, and another tab forgets its cached copy", async () => {
    const a = newStore();
    const b = newStore();
    const first = await signedIn(a);
    expect((await b.read())?.id).toBe(first.id);
    expect(b.cached()?.id).toBe(first.id);

    const attempt = await a.prepareSignInKey();
    const adopted = await a.adoptSignInKey(attempt.id);
    await delivered();
    expect(adopted?.id).toBe(attempt.id);
    expect(b.cached()).withContext('the change message cleared the cache').toBeNull();
    expect((await b.read())?.id).toBe(attempt.id);
    expect(await a.signInKeyIds())
      .withContext('the attempt record went with it')
      .toEqual([]);
  });

  it('adopts nothing when the attempt is gone, keeping the shared key', async () => {
    const store = newStore();
    const shared = await signedIn(store);
    const attempt = await store.prepareSignInKey();
    await store.dropSignInKey(attempt.id);
    expect(await store.adoptSignInKey(attempt.id)).toBeNull();
    expect((await store.read())?.id).toBe(shared.id);
  });

  it(`keeps at most ${MAX_SIGN_IN_KEYS} attempts' keys: 20 abandoned sign-ins do not pile up`, async () => {
    let now = 0;
    const store = newStore({ now: () => (now += 1000) });
    const made: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) made.push((await store.prepareSignInKey()).id);
    expect((await store.signInKeyIds()).sort()).toEqual(made.slice(-MAX_SIGN_IN_KEYS).sort());
  });

  it("deletes an abandoned attempt's key once it is older than the limit, at the next attempt", async () => {
    let now = 1_000_000;
    const store = newStore({ now: () => now });
    const abandoned = await store.prepareSignInKey();
    now += SIGN_IN_KEY_MAX_AGE_MS - 1;
    const recent = await store.prepareSignInKey();
    expect((await store.signInKeyIds()).sort()).toEqual([abandoned.id, recent.id].sort());
    now += 2;
    const next = await store.prepareSignInKey();
    expect((await store.signInKeyIds()).sort()).toEqual([recent.id, next.id].sort());
  });

  it('adopts the later of two sign-ins completing at once, whole, even without Web Locks', async () => {
    const [a, b] = [newStore({ locks: null }), newStore({ locks: null })];
    const [attemptA, attemptB] = await Promise.all([a.prepareSignInKey(), b.prepareSignInKey()]);
    await a.adoptSignInKey(attemptA.id);
    await b.adoptSignInKey(attemptB.id);
    expect((await newStore().read())?.id).toBe(attemptB.id);
  });

  it('gives every tab (and a reload) the same non-extractable key', async () => {
    const created = await signedIn(newStore());
    const reused = (await newStore().read())!;
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

  it('deletes the key for every tab', async () => {
    const a = newStore();
    const b = newStore();
    await signedIn(a);
    await b.read();
    await b.delete();
    await delivered();
    expect(b.cached()).toBeNull();
    expect(a.cached()).toBeNull();
    expect(await a.read()).toBeNull();
    expect(await newStore().read()).toBeNull();
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
