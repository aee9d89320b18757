import { bffVariant } from './e2e/helpers/bff-variant';

/**
 * `AUTH_MODE=bff` with a short idle timeout (SESSION_IDLE_TIMEOUT=15): the end of a session,
 * announced and kept or reached, in every tab. Its own BFF because the short timeout would end the
 * other BFF tests' sessions.
 */
export default bffVariant({
  name: 'e2e-bff-idle',
  testMatch: '*.idle.ts',
  log: 'test-results/bff-idle.log',
  env: { SESSION_IDLE_TIMEOUT: '15' },
});
