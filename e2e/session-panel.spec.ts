import { expect, signIn, storedTokens, test } from './fixtures';
import { ACCESS_TOKEN_TTL_MS } from './helpers/stack';

test('the session panel counts down to expiry and tells the refresh story, without showing a token', async ({
  page,
}, testInfo) => {
  test.setTimeout(60_000);
  await signIn(page);
  await page.getByRole('link', { name: 'Session' }).click();

  await expect(page.getByTestId('panel-user')).toHaveText('Alice Liddell');
  await expect(page.getByTestId('panel-refresh-token')).toHaveText('yes');
  await expect(page.getByTestId('panel-refresh-count')).toHaveText('0');
  const timer = page.getByRole('timer');
  const first = Number(await timer.getAttribute('data-seconds'));
  await expect
    .poll(async () => Number(await timer.getAttribute('data-seconds')))
    .toBeLessThan(first);
  expect(first).toBeLessThanOrEqual(ACCESS_TOKEN_TTL_MS / 1000);

  // Keyboard only: the steady-calls switch is reachable and operable.
  const steady = page.getByRole('checkbox', { name: 'Keep calling the API every 2 seconds' });
  await steady.focus();
  await page.keyboard.press('Space');
  await expect(steady).toBeChecked();

  await expect(page.getByTestId('panel-refresh-count')).toHaveText('1', {
    timeout: ACCESS_TOKEN_TTL_MS + 5_000,
  });
  const timeline = page.getByTestId('panel-timeline');
  await expect(timeline.locator('li[data-type="refresh-started"]')).toHaveCount(1);
  await expect(timeline.locator('li[data-type="refresh-succeeded"]')).toContainText(
    'refreshed by this tab',
  );
  await expect(page.getByTestId('panel-last-call')).toContainText('answered Alice Liddell');
  await expect
    .poll(async () => Number(await timer.getAttribute('data-seconds')))
    .toBeGreaterThan(ACCESS_TOKEN_TTL_MS / 1000 - 3);

  const screenshot = await page.screenshot({
    path: testInfo.outputPath('session-panel.png'),
    fullPage: true,
  });
  await testInfo.attach('session-panel', { body: screenshot, contentType: 'image/png' });

  const tokens = (await storedTokens(page))!;
  const text = await page.content();
  for (const token of [tokens.accessToken, tokens.refreshToken!]) {
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(0, 20));
  }
  await steady.press('Space');
  await expect(steady).not.toBeChecked();
});
