import { test } from './fixtures';
import { configureSessionEnd, idleEndStory } from '../helpers/session-end';

test.describe('the end of a session, bff mode (SESSION_IDLE_TIMEOUT=15)', () => {
  test('the BFF\'s idle timeout is announced in every tab, "Stay signed in" keeps the session, and doing nothing ends it everywhere', async ({
    page,
    context,
  }) => {
    test.setTimeout(120_000);
    await configureSessionEnd(context, {});
    await idleEndStory(page);
  });
});
