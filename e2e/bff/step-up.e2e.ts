import { expect, test } from './fixtures';
import { stepUpStory } from '../helpers/step-up';

test.describe('step-up (RFC 9470), bff mode', () => {
  test('the one-time code on /payments continues the same BFF session, stronger, in every tab', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const sessionCookie = async () =>
      (await page.context().cookies()).find((cookie) => cookie.name === 'bff_session');
    let before: string | undefined;
    await stepUpStory(page, {
      challengeRequests: 2,
      version: async (tab) => Number(await tab.getByTestId('panel-version').textContent()),
      checkpoint: async (moment) => {
        const cookie = await sessionCookie();
        expect(cookie?.httpOnly, 'the session cookie is HttpOnly').toBe(true);
        if (moment === 'before') before = cookie?.value;
        // Replaced in place: the same session, not a new one.
        else expect(cookie?.value, 'the same session id after the step-up').toBe(before);
      },
    });
  });
});
