import type { Page } from '@playwright/test';
import { expect, test, apiKeyFor, expectAccessible, screenshots, signIn } from './helpers';

/** Everything the page keeps in session and local storage, as [key, value] pairs. */
const storage = (page: Page) =>
  page.evaluate(() => [sessionStorage, localStorage].flatMap((store) => Object.keys(store).map((k) => [k, store.getItem(k) ?? ''] as const)));

/** The session the console keeps: its token and expiry. */
const storedSession = async (page: Page) =>
  JSON.parse((await page.evaluate(() => sessionStorage.getItem('twilio-pro.session'))) ?? 'null') as { token: string; expiresAt: string } | null;

/** An API call from the test itself with a bearer credential: its status. */
const statusWith = async (bearer: string, method: string, path: string) =>
  (await fetch(`${process.env.CONSOLE_URL}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } })).status;

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
  // The key was traded for a session token: the browser keeps the token, and the key nowhere.
  const kept = await storage(page);
  expect(kept.map(([k]) => k)).toEqual(['twilio-pro.session']);
  expect(kept.some(([, v]) => v.includes(apiKeyFor('signin')))).toBe(false);
  const session = (await storedSession(page))!;
  expect(session.token).toMatch(/^tps_/);
  expect(await statusWith(session.token, 'GET', '/v1/api-keys/current')).toBe(200);
  await expect(page.locator('.session-expiry time')).toHaveAttribute('datetime', session.expiresAt);
  await expect(page.locator('.session-expiry')).toContainText('Session ends at');
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // Keyboard: arrows move between tabs.
  await page.getByRole('tab', { name: 'Numbers' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'SIP' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'SIP' })).toHaveAttribute('aria-selected', 'true');

  // Sign out ends the session at the API too: the token is refused from then on.
  const revoked = page.waitForResponse((r) => r.url().endsWith('/v1/sessions/current') && r.request().method() === 'DELETE');
  await page.getByRole('button', { name: 'Sign out' }).click();
  expect((await revoked).status()).toBe(200);
  await expect(page.getByLabel('API key')).toBeVisible();
  expect(await storage(page)).toEqual([]);
  expect(await statusWith(session.token, 'GET', '/v1/jobs')).toBe(401);
});

test('a session that ends elsewhere (revoked, or expired) sends the console back to sign-in, and forgets the token', async ({ page }) => {
  await signIn(page, 'signin');
  const { token } = (await storedSession(page))!;
  expect(await statusWith(token, 'DELETE', '/v1/sessions/current')).toBe(200);
  await page.reload(); // the next request with the token is a 401
  await expect(page.getByRole('status').filter({ hasText: 'Your session has ended' })).toBeVisible();
  await expect(page.getByLabel('API key')).toBeVisible();
  expect(await storage(page)).toEqual([]);
  await expectAccessible(page, 'sign-in after the session ended');
});
