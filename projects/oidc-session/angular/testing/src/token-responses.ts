/**
 * Token-endpoint bodies for specs that answer real token POSTs with HttpTestingController.
 * Framework-free, so that both the project's specs and application specs can use them.
 */
export function tokenResponse(
  overrides: Record<string, unknown> = {},
  sequence = 1,
): Record<string, unknown> {
  return {
    access_token: `fresh-access-token-${sequence}`,
    refresh_token: `fresh-refresh-token-${sequence}`,
    token_type: 'Bearer',
    expires_in: 300,
    ...overrides,
  };
}

/** Lets pending timers and promise chains (locks, hand-overs, retries) run to completion. */
export async function settle(turns = 4): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}
