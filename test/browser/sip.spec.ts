import { expect, test, expectAccessible, openTab, screenshots, signIn } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'sip');
  await openTab(page, 'SIP');
});

test('provision a trunk: inline validation first, then the saga, then its health with the fixes', async ({ page }) => {
  await expect(page.getByText('No trunks yet')).toBeVisible();
  await page.getByRole('button', { name: 'New trunk' }).click();
  const form = page.getByRole('region', { name: 'New trunk' });
  await form.getByLabel('Origination URI', { exact: true }).fill('http://agents.example.com');
  await form.getByLabel('Allowed IP addresses').fill('10.0.0.300');
  await form.getByRole('button', { name: 'Create trunk' }).click();
  // Nothing is sent while the form knows better: each problem is on its field.
  await expect(form.getByText('Give the trunk a name.')).toBeVisible();
  await expect(form.getByText('Must be a sip: URI')).toBeVisible();
  await expect(form.getByText('10.0.0.300 is not an IPv4 address.')).toBeVisible();
  await expect(form.getByLabel('Trunk name')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'new trunk form with errors');
  await screenshots(page, 'sip-new-trunk', { docs: true });

  await form.getByLabel('Trunk name').fill('Voice agents');
  await form.getByLabel('Origination URI', { exact: true }).fill('sip:agents.example.com');
  // Allowed, but a secure trunk can't reach it: the form says so while typing, tied to the field.
  await expect(form.getByLabel('Origination URI', { exact: true })).toHaveAccessibleDescription(/add ;transport=tls/);
  await form.getByLabel('Allowed IP addresses').fill('203.0.113.10, 203.0.113.11');
  await form.getByRole('button', { name: 'Create trunk' }).click();

  await expect(page.getByRole('heading', { name: 'Voice agents active' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('heading', { name: 'Last change: create succeeded' })).toBeVisible();
  const health = page.getByRole('region', { name: 'Health' });
  await expect(health.getByText('Fix:').first()).toBeVisible();
  await expect(health).toContainText(/origination URI/i); // one URI: no failover
  await expect(page.getByText('203.0.113.10/32, 203.0.113.11/32')).toBeVisible();
  await expectAccessible(page, 'trunk details');
  await screenshots(page, 'sip-trunk', { docs: true });

  await page.getByRole('button', { name: '← All trunks' }).click();
  await expect(page.getByRole('button', { name: 'Open Voice agents' })).toBeVisible();
});

test('the API’s own field errors land on the form’s fields', async ({ page }) => {
  await page.getByRole('button', { name: 'New trunk' }).click();
  const form = page.getByRole('region', { name: 'New trunk' });
  await form.getByLabel('Trunk name').fill('Bad domain');
  await form.getByLabel('Domain name').fill('acme.pstn.twilio.com');
  await form.getByLabel('Phone numbers').fill('+14155550100');
  await form.getByRole('button', { name: 'Create trunk' }).click();
  // Not one of this tenant's numbers: the API refuses, naming phoneNumbers, and nothing starts.
  await expect(form.getByLabel('Phone numbers')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('heading', { name: /Bad domain/ })).toHaveCount(0);
});
