import { ALICE, expect, fillProviderLogin, signIn, test } from './fixtures';
import { providerStats } from './helpers/provider-stats';
import { configureSessionEnd, idleEndStory, warning } from './helpers/session-end';

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

test.describe('the end of a session at its lifetime, browser mode', () => {
  test('"Stay signed in" signs in again without a page while the provider\'s session lives, and with its page when it does not', async ({
    page,
    context,
  }) => {
    test.setTimeout(120_000);
    await configureSessionEnd(context, { maxSessionSeconds: 20 });
    await signIn(page, '/profile');
    const before = (await providerStats()).authorizations;
    await expect(warning(page)).toBeVisible({ timeout: 30_000 });
    await expect(warning(page)).toHaveAttribute('data-reason', 'lifetime');
    await warning(page).getByRole('button', { name: 'Stay signed in' }).click();
    // prompt=none: back on the same page, signed in again, without any page at the provider.
    await page.waitForURL((url) => url.pathname === '/profile' && url.search === '');
    await expect(page.getByTestId('profile-name')).toHaveText('Alice Liddell');
    await expect(warning(page)).toBeHidden();
    expect((await providerStats()).authorizations - before, 'authorization requests').toBe(1);

    // Without the provider's session (its cookies gone), the same button ends on its sign-in page.
    await expect(warning(page)).toBeVisible({ timeout: 30_000 });
    await context.clearCookies({ domain: 'localhost' });
    await warning(page).getByRole('button', { name: 'Stay signed in' }).click();
    await expect(page.getByLabel('Username')).toBeVisible();
    await fillProviderLogin(page, ALICE);
    await page.waitForURL((url) => url.pathname === '/profile' && url.search === '');
    await expect(page.getByTestId('profile-name')).toHaveText('Alice Liddell');
  });
});
