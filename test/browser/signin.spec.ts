import { expect, test } from '@playwright/test';
import { apiKeyFor, expectAccessible, screenshots, signIn } from './helpers';

test('a wrong key is refused with the API’s answer; the right one opens the dashboard and stays out of the URL', async ({ page }) => {
  await page.goto('/');
  await expectAccessible(page, 'sign-in');
  await screenshots(page, 'sign-in');
  await page.getByLabel('API key').fill('tp_not_a_real_key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('That key was not accepted');
  await expect(page.getByRole('alert')).toContainText('unauthorized');

  await signIn(page, 'signin');
  for (const tab of ['Numbers', 'SIP', 'A2P', 'Automation']) await expect(page.getByRole('tab', { name: tab, exact: true })).toBeVisible();
  expect(page.url()).not.toContain(apiKeyFor('signin'));
  expect(await page.evaluate(() => sessionStorage.getItem('twilio-pro.apiKey'))).toBe(apiKeyFor('signin'));
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // Keyboard: arrows move between tabs.
  await page.getByRole('tab', { name: 'Numbers' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'SIP' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'SIP' })).toHaveAttribute('aria-selected', 'true');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('API key')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('twilio-pro.apiKey'))).toBeNull();
});
