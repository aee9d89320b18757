import { storedTokens, test } from './fixtures';
import { stepUpStory } from './helpers/step-up';

test.describe('step-up (RFC 9470), browser mode', () => {
  test('the one-time code on /payments continues the session, stronger, in every tab', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await stepUpStory(page, {
      challengeRequests: 1,
      version: async (tab) => (await storedTokens(tab))?.generation ?? 0,
    });
  });
});
