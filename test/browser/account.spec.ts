import { expect, test, api, expectAccessible, openTab, sandbox, screenshots, signIn } from './helpers';

const SPEC = 'account';

test('Twilio account: shared at first; the tenant’s own credentials refused with Twilio’s reason on the field, then kept, never shown again', async ({ page }) => {
  await signIn(page, SPEC);
  await openTab(page, 'Settings');
  const card = page.getByRole('region', { name: 'Twilio account' });
  const facts = card.getByRole('definition');
  await expect(card.getByRole('term').filter({ hasText: 'Runs under' })).toBeVisible();
  await expect(facts.filter({ hasText: 'shared' })).toBeVisible();
  await expectAccessible(page, 'settings, Twilio account shared');

  // The tenant's own account at the sandbox: a top-level account, not under the deployment's.
  const own = await sandbox<{ sid: string; authToken: string }>('accounts', {});
  await card.getByLabel('Account SID').fill(own.sid);
  await card.getByLabel('Auth token').fill('f'.repeat(32));
  await card.getByRole('button', { name: 'Save credentials' }).click();
  // Twilio's refusal lands on the field it is about, and the typed token is gone from the page.
  await expect(card.locator('.field-invalid').filter({ hasText: 'Auth token' })).toContainText('20003');
  await expect(card.getByLabel('Auth token')).toHaveValue('');
  await expectAccessible(page, 'settings, credentials refused');

  await card.getByLabel('Auth token').fill(own.authToken);
  await card.getByRole('button', { name: 'Save credentials' }).click();
  await expect(card.getByRole('status')).toContainText(`work runs under ${own.sid}`);
  await expect(facts.filter({ hasText: 'Your own Twilio account' })).toBeVisible();
  await expect(facts.filter({ hasText: own.sid })).toBeVisible();
  await expect(card.getByRole('heading', { name: 'New credentials' })).toBeVisible();
  await expect(page.locator('body')).not.toContainText(own.authToken);
  await screenshots(page, 'settings-twilio-account');

  // What the API says too: byo, active, no secret.
  const account = await api(SPEC, 'GET', '/v1/account');
  expect(account.status).toBe(200);
  expect(account.body.binding).toEqual({ kind: 'byo', accountSid: own.sid, status: 'active', statusReason: null });
});
