import type { Page } from '@playwright/test';
import { expect, test, api, apiKeyFor, expectAccessible, openTab, screenshots, signIn } from './helpers';

const SPEC = 'settings';

async function openSettings(page: Page) {
  await signIn(page, SPEC);
  await openTab(page, 'Settings');
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible();
}

const auditTable = (page: Page) => page.getByRole('table', { name: 'Audit trail' });
const keyRow = (page: Page, text: string) => page.getByRole('table', { name: 'API keys' }).getByRole('row').filter({ hasText: text });

test('API keys: a key made with a typed admin key is shown once, copied, listed and revoked; the audit trail records it', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: process.env.CONSOLE_URL! });
  await openSettings(page);

  // A new tenant: its one key, no endpoints, nothing in the audit trail but this sign-in.
  await expect(page.getByRole('heading', { name: 'This key' })).toBeVisible();
  await expect(keyRow(page, '(this key)')).toContainText('read, write, spend, admin');
  await expect(page.getByText(/No webhook endpoints yet\./)).toBeVisible();
  await expect(auditTable(page)).toContainText('sessions.create');
  await expect(auditTable(page)).not.toContainText('api_keys');
  await expectAccessible(page, 'settings, empty');

  // Without the admin key to confirm, the session asks and the API refuses: a session can't make keys.
  await page.getByLabel('Name', { exact: true }).fill('ci-deploy');
  await page.getByRole('checkbox', { name: 'write', exact: true }).check();
  await page.getByLabel('Expires', { exact: true }).selectOption({ label: 'In 30 days' });
  await page.getByRole('button', { name: 'Create key' }).click();
  const createError = page.getByRole('alert').filter({ hasText: 'Could not create the key' });
  await expect(createError).toContainText('api_key_required');
  // A wrong key is refused as such, and the console stays signed in (only the session's own 401 signs out).
  await page.getByLabel('Admin API key (to confirm)').fill('tp_not-a-real-key');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(createError).toContainText('unauthorized');
  await expect(page.getByRole('tab', { name: 'Settings' })).toBeVisible();
  await expect(page.getByLabel('Admin API key (to confirm)')).toHaveValue('');
  await expectAccessible(page, 'settings, create refused');

  // With the tenant's admin key: created, shown once with Copy.
  await page.getByLabel('Admin API key (to confirm)').fill(apiKeyFor(SPEC));
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByLabel('New key ci-deploy');
  await expect(secret).toHaveValue(/^tp_/);
  await expect(page.getByText(/won.t be shown again/)).toBeVisible();
  await expect(createError).toHaveCount(0);
  const newKey = await secret.inputValue();
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(page.getByText('Copied to the clipboard.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newKey);
  await expectAccessible(page, 'settings, key shown once');
  // It is the key it says: read and write, no more.
  const asNewKey = await api<{ scopes: string[]; expiresAt: string }>(SPEC, 'GET', '/v1/api-keys/current', undefined, newKey);
  expect(asNewKey.body.scopes).toEqual(['read', 'write']);
  expect(Date.parse(asNewKey.body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(secret).toHaveCount(0);

  // Listed (never the key itself), then revoked after a confirmation: it stops working.
  const row = keyRow(page, 'ci-deploy');
  await expect(row).toContainText('read, write');
  await expect(row).toContainText(newKey.slice(0, 7));
  await expect(row).not.toContainText(newKey);
  await row.getByRole('button', { name: 'Revoke ci-deploy' }).click();
  await row.getByRole('button', { name: 'Confirm revoke ci-deploy' }).click();
  await expect(row).toContainText('revoked');
  expect((await api(SPEC, 'GET', '/v1/api-keys/current', undefined, newKey)).status).toBe(401);

  // The signed-in key can't revoke itself: the API's 409 is shown with its code.
  const own = keyRow(page, '(this key)');
  await own.getByRole('button', { name: /^Revoke/ }).click();
  await own.getByRole('button', { name: /^Confirm revoke/ }).click();
  const revokeError = page.getByRole('alert').filter({ hasText: 'Could not revoke the key' });
  await expect(revokeError).toContainText('own_key');
  await expect(own).not.toContainText('revoked');

  // The audit trail: both changes, by the admin key; the action filter narrows to the creation.
  await expect(auditTable(page).getByText('api_keys.revoke')).toBeVisible();
  await page.getByLabel('Action', { exact: true }).fill('api_keys.create');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(auditTable(page).getByRole('row')).toHaveCount(2); // the header and the one creation
  await expect(auditTable(page)).toContainText('api_keys.create');
  await expect(auditTable(page)).toContainText(apiKeyFor(SPEC).slice(0, 7));
  await expect(auditTable(page)).not.toContainText('api_keys.revoke');
  await expect(auditTable(page)).not.toContainText('sessions.create');

  // A since the API can't read: its 400 lands on the field.
  await page.getByLabel('Since', { exact: true }).fill('yesterday');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByLabel('Since', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert').filter({ hasText: 'Could not read the audit trail' })).toContainText('invalid_request');
  await expectAccessible(page, 'settings, audit filter error');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(auditTable(page).getByText('api_keys.revoke')).toBeVisible();
});

test('webhook endpoints: a URL the API refuses, the secret shown once, a refused delivery resent', async ({ page }) => {
  await openSettings(page);

  // Not http(s): the API's message on the URL field.
  await page.getByLabel('URL', { exact: true }).fill('ftp://example.com');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.getByLabel('URL', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('must be an http(s) URL').first()).toBeVisible();
  await expectAccessible(page, 'settings, endpoint URL refused');

  // An endpoint on this server at a path it answers 404 to, for job.finished only.
  const url = `${process.env.CONSOLE_URL}/no-receiver`;
  await page.getByLabel('URL', { exact: true }).fill(url);
  await page.getByRole('checkbox', { name: 'job.finished' }).check();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = page.getByLabel(`Signing secret for ${url}`);
  await expect(secret).toHaveValue(/^whsec_/);
  const endpoints = page.getByRole('table', { name: 'Webhook endpoints' });
  await expect(endpoints.getByRole('row').filter({ hasText: url })).toContainText('job.finished');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(secret).toHaveCount(0);

  // A job finishes: its event goes to the endpoint, which answers 404.
  const job = await api<{ id: string }>(SPEC, 'POST', '/v1/jobs/bulk-lookup', { phoneNumbers: ['+14155550123'], fields: [] });
  expect(job.status, JSON.stringify(job.body)).toBe(202);
  await endpoints.getByRole('button', { name: `Deliveries to ${url}` }).click();
  await expect(page).toHaveURL(/#settings\/webhooks\//);
  await expect(page.getByRole('heading', { name: 'Deliveries' })).toBeVisible();
  const deliveries = page.getByRole('table', { name: 'Deliveries' });
  const delivery = deliveries.getByRole('row').filter({ hasText: 'job.finished' });
  // Nothing pending yet, so nothing polls: Refresh until the job has finished and its event was tried.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(delivery.getByRole('cell').nth(3)).toHaveText('404', { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(delivery.getByRole('cell').nth(2)).toHaveText('1');
  await expect(delivery).toContainText('answered 404');
  await delivery.getByText('Payload').click();
  await expect(delivery).toContainText(job.body.id);
  await expectAccessible(page, 'settings, deliveries');
  await screenshots(page, 'settings-deliveries');

  // Resend: pending again at once (its back-off is a minute away), tried again and refused again.
  await delivery.getByRole('button', { name: /^Resend/ }).click();
  await expect(delivery.getByRole('cell').nth(2)).toHaveText('2');
  await expect(delivery).toContainText('pending');
  // The status filter: nothing delivered to a 404.
  await page.getByLabel('Status', { exact: true }).selectOption('delivered');
  await expect(page.getByText('No delivered deliveries.')).toBeVisible();

  await page.getByRole('button', { name: '← Back to settings' }).click();
  await expect(page.getByRole('heading', { name: 'API keys' })).toBeVisible();
  await expect(auditTable(page)).toContainText('webhook_deliveries.resend');
  await expectAccessible(page, 'settings with data');
  await screenshots(page, 'settings', { docs: true });

  // Deleting asks twice; then nothing more is sent there.
  await endpoints.getByRole('button', { name: `Delete ${url}` }).click();
  await endpoints.getByRole('button', { name: `Confirm delete ${url}` }).click();
  await expect(page.getByText(/No webhook endpoints yet\./)).toBeVisible();
  await expect(auditTable(page)).toContainText('webhook_endpoints.delete');
});
