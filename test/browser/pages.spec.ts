import { expect, test, expectAccessible, openTab, screenshots, signIn } from './helpers';

test.beforeEach(async ({ page }) => signIn(page, 'pages'));

test('every tab of a new tenant: its empty state, no serious accessibility violation, desktop and phone screenshots', async ({ page }) => {
  const empty = {
    Numbers: 'You have no numbers yet',
    SIP: 'No trunks yet',
    A2P: 'No registrations yet',
    Health: 'No live numbers yet',
    Trust: 'No voice trust registrations yet',
    Costs: 'Nothing charged this month',
    Settings: 'No webhook endpoints yet',
    Automation: 'Nothing has run yet',
  } as const;
  for (const [tab, text] of Object.entries(empty) as [keyof typeof empty, string][]) {
    await openTab(page, tab);
    await expect(page.getByText(text)).toBeVisible();
    await expectAccessible(page, tab);
    await screenshots(page, `empty-${tab.toLowerCase()}`);
  }
  // The place in the console is in the URL: a reload lands on the same tab.
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Automation' })).toHaveAttribute('aria-selected', 'true');
});

test('when the API fails, the page says so with the API’s code instead of staying blank', async ({ page }) => {
  await page.route('**/v1/jobs?*', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', headers: { 'retry-after': '5' }, body: JSON.stringify({ error: { code: 'service_unavailable', message: 'PostgreSQL is unavailable; retry shortly' } }) }),
  );
  await openTab(page, 'Automation');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Could not list the work', { timeout: 30_000 });
  await expect(alert).toContainText('service_unavailable');
  await expectAccessible(page, 'automation error');
});

test('the console is usable from the keyboard alone', async ({ page }) => {
  await page.getByRole('tab', { name: 'Numbers' }).focus();
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Automation' })).toBeFocused();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'A2P' })).toHaveAttribute('aria-selected', 'true');
  // Tab into the panel and on to its first control, then open the wizard with Enter.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Register a business' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Register a business for US A2P 10DLC' })).toBeVisible();
});
