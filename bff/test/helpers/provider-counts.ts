/** What the dev provider counted, and how much of it happened since an earlier count. */
import type { Stack } from './stack.ts';

type Snapshot = ReturnType<Stack['idp']['stats']['snapshot']>;

const READERS = {
  codes: (s: Snapshot) => s.grants['authorization_code'] ?? 0,
  refreshes: (s: Snapshot) => s.grants['refresh_token'] ?? 0,
  authorizations: (s: Snapshot) => s.authorizations,
  revocations: (s: Snapshot) => s.revocations,
  grantsRevoked: (s: Snapshot) => s.grantsRevoked,
  grantErrors: (s: Snapshot) => s.grantErrors.length,
} as const;

export type ProviderCount = keyof typeof READERS;

/**
 * `counts()` of these `keys` now, and `since(before)`: the difference, with the same keys (so a
 * `deepEqual` on it names every count the test cares about, and no other).
 */
export function providerCounts<K extends ProviderCount>(
  stack: () => Pick<Stack, 'idp'>,
  keys: readonly K[],
): {
  counts(): Record<K, number>;
  since(before: Record<K, number>): Record<K, number>;
} {
  const counts = () => {
    const snapshot = stack().idp.stats.snapshot();
    return Object.fromEntries(keys.map((key) => [key, READERS[key](snapshot)])) as Record<
      K,
      number
    >;
  };
  return {
    counts,
    since: (before) => {
      const now = counts();
      return Object.fromEntries(keys.map((key) => [key, now[key] - before[key]])) as Record<
        K,
        number
      >;
    },
  };
}
