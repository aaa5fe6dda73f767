import type { Page } from '@playwright/test';
import { expect, test, expectAccessible, fill, openTab, screenshots, signIn, step } from './helpers';

/** A business that passes preflight, by the wizard's field labels. */
const business: Record<string, string> = {
  'Profile name': 'Acme Dental',
  'Compliance email': 'compliance@acmedental.com',
  'Legal business name': 'Acme Dental LLC',
  'Business type': 'Limited Liability Corporation',
  Industry: 'HEALTHCARE',
  'Registration identifier': 'EIN',
  'Registration number': '12-3456789',
  'Region of operation': 'USA_AND_CANADA',
  Website: 'https://acmedental.com',
  'Company type': 'private',
  'Brand contact email': 'owner@acmedental.com',
  'Address name': 'Acme Dental LLC',
  Street: '1 Main St',
  City: 'Springfield',
  State: 'IL',
  'Postal code': '62701',
  Country: 'US',
  'Representative first name': 'Ada',
  'Representative last name': 'Lovelace',
  'Representative email': 'ada@acmedental.com',
  'Representative phone': '+12175550100',
  'Representative title': 'Owner',
  'Representative position': 'CEO',
};
const campaign: Record<string, string> = {
  'Use case': 'ACCOUNT_NOTIFICATION',
  'Campaign description': 'Appointment reminders and schedule changes sent by Acme Dental to its patients.',
  'How people opt in': 'Patients opt in by checking an unchecked box on the appointment form at https://acmedental.com/book, consenting to SMS reminders.',
  'Sample message 1': 'Acme Dental: reminder of your appointment on [date] at [time]. Reply STOP to opt out.',
  'Sample message 2': 'Acme Dental: your appointment on [date] was moved to [time]. Reply HELP for help.',
  'Opt-in keywords': 'START',
  'Opt-in confirmation message': 'Acme Dental: you are subscribed to appointment reminders. Reply STOP to cancel.',
  'Opt-out keywords': 'STOP, CANCEL',
  'Opt-out confirmation message': 'Acme Dental: you are unsubscribed and will receive no more messages.',
  'Help keywords': 'HELP',
  'Help message': 'Acme Dental: call us at the front desk or email help@acmedental.com.',
  'Privacy policy URL': 'https://acmedental.com/privacy',
};


async function throughTheWizard(page: Page, overrides: Record<string, string> = {}) {
  await openTab(page, 'A2P');
  await page.getByRole('button', { name: 'Register a business' }).click();
  await step(page, 'Introduction');
  await page.getByRole('button', { name: 'Start' }).click();
  await step(page, 'Business Profile');
  await fill(page, { ...business, ...overrides });
  await page.getByRole('button', { name: 'Next' }).click();
  await step(page, 'Verification');
  await page.getByLabel('I confirm this information is accurate and that I may register this business').check();
  await page.getByRole('button', { name: 'Next' }).click();
  await step(page, 'Brand Registration');
  await page.getByRole('button', { name: 'Next' }).click();
  await step(page, 'Campaign Setup');
  await fill(page, campaign);
  await page.getByRole('button', { name: 'Next' }).click();
  await step(page, 'Complete');
}

test.beforeEach(async ({ page }) => signIn(page, 'a2p'));

test('the wizard: a defect shown on its field as it is typed, fixed, the fees shown, then a registration followed to completion', async ({ page }) => {
  await openTab(page, 'A2P');
  await expect(page.getByText('No registrations yet')).toBeVisible();
  await page.getByRole('button', { name: 'Register a business' }).click();
  const steps = page.getByRole('navigation', { name: 'Registration steps' }).getByRole('listitem');
  await expect(steps).toHaveText(['Introduction', 'Business Profile', 'Verification', 'Brand Registration', 'Campaign Setup', 'Complete']);
  await expect(page.getByRole('heading', { name: 'Introduction', exact: true })).toBeVisible(); // the current step, by its name
  await expectAccessible(page, 'wizard introduction');
  await page.getByRole('button', { name: 'Start' }).click();

  await fill(page, { ...business, 'Registration number': '12' });
  const ein = page.getByLabel('Registration number', { exact: true });
  await expect(ein).toHaveAttribute('aria-invalid', 'true'); // preflight, as typed
  const einError = page.locator(`#${await ein.getAttribute('aria-describedby').then((ids) => ids!.split(' ').pop())}`);
  await expect(einError).toHaveText(/\S/); // the message, tied to the field
  await page.getByRole('button', { name: 'Next' }).click();
  await step(page, 'Business Profile'); // blocked until fixed
  await expect(page.getByRole('alert').filter({ hasText: 'to continue' })).toBeVisible();
  await expectAccessible(page, 'wizard business profile with an error');
  await screenshots(page, 'a2p-wizard-error', { docs: true });
  await ein.fill('12-3456789');
  await expect(ein).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Next' }).click();

  await step(page, 'Verification');
  await page.getByRole('button', { name: 'Next' }).click();
  await step(page, 'Verification'); // the confirmation is required
  await page.getByLabel('I confirm this information is accurate and that I may register this business').check();
  await page.getByRole('button', { name: 'Next' }).click();

  await step(page, 'Brand Registration');
  const cost = page.getByRole('table', { name: 'Cost estimate' });
  await expect(cost).toContainText('One-time');
  await expect(cost.getByRole('row')).not.toHaveCount(3);
  await page.getByRole('button', { name: 'Next' }).click();

  await step(page, 'Campaign Setup');
  await fill(page, campaign);
  await expectAccessible(page, 'wizard campaign');
  await page.getByRole('button', { name: 'Next' }).click();

  await step(page, 'Complete');
  await expect(page.getByRole('table', { name: 'Cost estimate' })).toBeVisible(); // before anything is submitted
  await expect(page.getByText('Preflight passed')).toBeVisible();
  await screenshots(page, 'a2p-wizard-complete', { docs: true });
  await page.getByRole('button', { name: 'Submit registration' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Registration complete' })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByText(/Registration complete: brand BN[0-9a-f]{32}, campaign QE[0-9a-f]{32}/)).toBeVisible();
  await expectAccessible(page, 'wizard completed');

  await page.getByRole('tab', { name: 'Automation' }).click();
  await expect(page.getByRole('cell', { name: 'A2P registration', exact: true })).toBeVisible();
  const temporal = page.getByRole('link', { name: /^Open A2P registration .* in Temporal$/ });
  await expect(temporal).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\?query=WorkflowId%3D%22tenant-/);
  await expectAccessible(page, 'automation');
  await screenshots(page, 'automation', { docs: true });
});

test('a brand rejection is fixed from the console: the reasons, the corrections form, then completion', async ({ page }) => {
  // The samples name the brand by its DBA, which preflight accepts beside the legal name.
  await throughTheWizard(page, { 'Legal business name': 'Acme BRANDFAIL LLC', 'Trade name (DBA)': 'Acme Dental' });
  await page.getByRole('button', { name: 'Submit registration' }).click();
  await expect(page.getByRole('button', { name: 'Fix it' })).toBeVisible({ timeout: 90_000 });
  await page.getByRole('button', { name: 'Fix it' }).click();

  const action = page.getByRole('region', { name: 'Action required at the brand step' });
  await expect(action).toContainText('30792');
  await expectAccessible(page, 'registration with action required');
  await screenshots(page, 'a2p-action-required', { docs: true });
  await action.getByLabel('Legal business name').fill('Acme Dental LLC');
  await action.getByRole('button', { name: 'Send corrections' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Corrections sent' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Registration completed' })).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText(/brand/i);
});
