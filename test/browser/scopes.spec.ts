import type { Page } from '@playwright/test';
import { expect, test, apiKeyFor, expectAccessible, openTab } from './helpers';

/** A key of the spec's tenant with these scopes, issued through the API by the tenant's admin key. */
async function issueKey(scopes: string[]): Promise<string> {
  const res = await fetch(`${process.env.CONSOLE_URL}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKeyFor('scopes')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `console-${scopes.join('-')}`, scopes }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function signInWith(page: Page, key: string) {
  await page.goto('/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('tab', { name: 'Numbers' })).toBeVisible();
}

test('the console says what the signed-in key may do and offers nothing more', async ({ page }) => {
  await signInWith(page, await issueKey(['read']));
  await expect(page.locator('.key-badge')).toContainText('console-read · read');
  // Reading works; buying, bulk actions and trunk or registration changes are not offered.
  await expect(page.getByText('A bulk buy needs an API key with the spend scope.')).toBeVisible();
  await expect(page.getByText('Configuring or releasing a number needs an API key with the write scope.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start bulk buy' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Release selected/ })).toHaveCount(0);
  await expectAccessible(page, 'numbers with a read key');
  await openTab(page, 'SIP');
  await expect(page.getByText('Provisioning a trunk needs an API key with the write scope.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'New trunk' })).toHaveCount(0);
  await openTab(page, 'A2P');
  await expect(page.getByRole('button', { name: 'Register a business' })).toHaveCount(0);
  // The newer tabs: what they show a read key, and none of their changes.
  await openTab(page, 'Health');
  await expect(page.getByRole('heading', { name: 'Hygiene policy' })).toBeVisible();
  for (const name of ['Save policy', 'Start bulk lookup', /^Run now/, /^Pause/]) await expect(page.getByRole('button', { name })).toHaveCount(0);
  await openTab(page, 'Trust');
  await expect(page.getByRole('heading', { name: 'Voice trust' })).toBeVisible();
  for (const name of ['Start a registration', 'Verify a toll-free number']) await expect(page.getByRole('button', { name })).toHaveCount(0);
  await openTab(page, 'Costs');
  await expect(page.getByText('Setting the budget needs an API key with the admin scope.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save budget' })).toHaveCount(0);
  await openTab(page, 'Settings');
  await expect(page.getByText('Listing, creating and revoking keys needs an API key with the admin scope.')).toBeVisible();
  await expect(page.getByText('Adding or deleting a webhook endpoint needs an API key with the admin scope.')).toBeVisible();
  for (const name of ['Create key', 'Add endpoint']) await expect(page.getByRole('button', { name })).toHaveCount(0);
  await expectAccessible(page, 'settings with a read key');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // A spend key buys, but bulk releases stay the admin's.
  await signInWith(page, await issueKey(['spend']));
  await expect(page.locator('.key-badge')).toContainText('read, write, spend');
  await expect(page.getByRole('button', { name: 'Start bulk buy' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Release selected/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The tenant's first key is an admin: everything is offered.
  await signInWith(page, apiKeyFor('scopes'));
  await expect(page.locator('.key-badge')).toContainText('read, write, spend, admin');
  await expect(page.getByRole('button', { name: /Release selected/ })).toBeVisible();
});
