import { ProviderUnreachableError } from './auth-errors';

/** Resolves after `ms` (a macrotask, so pending messages and timers run first). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `attempt` until it succeeds or fails for any reason but an unreachable provider, pausing
 * `delaysMs[i]` before attempt i + 2. Only transient failures are worth another attempt; a
 * rejection stays a rejection.
 * @throws the last ProviderUnreachableError, with `attempts` set, once the delays are used up.
 */
export async function retryWhileUnreachable<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[],
): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (error: unknown) {
      if (!(error instanceof ProviderUnreachableError)) throw error;
      if (made > delaysMs.length)
        throw new ProviderUnreachableError(error.reason, error.status, made);
      await delay(delaysMs[made - 1]);
    }
  }
}
