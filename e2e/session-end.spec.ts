import { expect, test } from './fixtures';
import { providerStats } from './helpers/provider-stats';
import { configureSessionEnd, idleEndStory } from './helpers/session-end';

test.describe('the end of a session, browser mode', () => {
  test('an idle timeout is announced in every tab, "Stay signed in" keeps the session, and doing nothing ends it everywhere', async ({
    page,
    context,
  }) => {
    test.setTimeout(120_000);
    await configureSessionEnd(context, { idleTimeoutSeconds: 15 });
    await idleEndStory(page);
    // The tab that ended it revoked the refresh token, once; nothing was refreshed to end it.
    const stats = await providerStats();
    expect(stats.revocations, 'refresh tokens revoked at the end').toBe(1);
  });
});
