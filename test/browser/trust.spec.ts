import type { Page } from '@playwright/test';
import { api, buyNumbers, buyTollFreeNumber, expect, expectAccessible, openTab, sandbox, screenshots, signIn, test } from './helpers';

const SPEC = 'trust';
const profile = () => {
  const sid = process.env.TRUST_BUSINESS_PROFILE_SID;
  if (!sid) throw new Error('TRUST_BUSINESS_PROFILE_SID is unset: run through test/browser/run.ts');
  return sid;
};

test.beforeEach(async ({ page }) => {
  await signIn(page, SPEC);
  await openTab(page, 'Trust');
});

// Toll-free reviews are slowed down for one flow; the sandbox account is shared by every spec.
test.afterAll(async () => {
  await sandbox('reviews', { preset: 'fast' });
});

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 3, name });
const idFromUrl = (page: Page) => new URL(page.url()).hash.split('/').pop()!;

test('empty states of both lists', async ({ page }) => {
  await expect(page.getByRole('heading', { level: 2, name: 'Trust' })).toBeVisible();
  await expect(page.getByText('No voice trust registrations yet.')).toBeVisible();
  await expect(page.getByText('No toll-free verifications yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start a registration' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Verify a toll-free number' })).toBeVisible();
  await expectAccessible(page, 'trust, empty');
});

test('voice trust: CNAM rejected, corrected and completed; SHAKEN/STIR attestation A; a registration cancelled', async ({ page }) => {
  const [first, second, third] = await buyNumbers(SPEC, 3, 'areaCode=628');
  await page.getByRole('button', { name: 'Start a registration' }).click();
  const form = page.getByRole('form', { name: 'Start a registration' });
  await form.getByLabel('Product').selectOption({ label: 'CNAM' });
  await form.getByLabel('Business profile').selectOption(profile());
  await form.getByLabel('Email').fill('ops@acme.example');
  await form.getByLabel(first!, { exact: true }).check();
  await form.getByLabel(second!, { exact: true }).check();

  // The API's field error, on its field.
  await form.getByLabel('Display name').fill('1ACME');
  await form.getByRole('button', { name: 'Start registration' }).click();
  await expect(form.getByLabel('Display name')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Display name')).toHaveAccessibleDescription(/must start with a letter/); // the message is tied to the field
  await expect(form.getByRole('alert')).toContainText('code invalid_request');
  await expectAccessible(page, 'voice trust form with a field error');

  // The sandbox's review rejects a name with REJECT in it: action required with the reason, then corrections.
  await form.getByLabel('Display name').fill('REJECT ROOFING');
  await form.getByRole('button', { name: 'Start registration' }).click();
  await expect(page).toHaveURL(/#trust\/vt\/[0-9a-f-]{36}$/);
  await expect(heading(page, /^CNAM registration/)).toContainText('action required', { timeout: 30_000 });
  const action = page.getByRole('region', { name: 'Action required', exact: true });
  await expect(action).toContainText('Business information could not be verified');
  await expectAccessible(page, 'voice trust action required');
  await action.getByLabel('Display name').fill('ACME ROOFING');
  await action.getByRole('button', { name: 'Send corrections' }).click();
  await expect(heading(page, /^CNAM registration/)).toContainText('completed', { timeout: 30_000 });
  await expect(page.getByRole('definition').filter({ hasText: /^ACME ROOFING$/ })).toBeVisible(); // the corrected name is the one registered
  await screenshots(page, 'trust-voice-trust');
  const numbers = page.getByRole('table', { name: 'The registration’s numbers' });
  await expect(numbers.getByRole('row')).toHaveCount(3); // the header and the two numbers
  await expect(numbers.getByRole('row', { name: new RegExp(`^${first!.replace('+', '\\+')} yes yes`) })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel registration' })).toHaveCount(0); // finished: nothing to cancel

  // SHAKEN/STIR (set up through the API; opening it is what is tested): the number is signed with A attestation.
  const shaken = await api(SPEC, 'POST', '/v1/voice-trust/registrations', { product: 'shaken_stir', businessProfileSid: profile(), email: 'ops@acme.example', phoneNumbers: [third] });
  expect(shaken.status, JSON.stringify(shaken.body)).toBe(202);
  await page.getByRole('button', { name: '← Trust' }).click();
  const list = page.getByRole('table', { name: 'Voice trust registrations' });
  await expect(list.getByRole('row')).toHaveCount(3);
  await list.getByRole('row').filter({ hasText: 'SHAKEN/STIR' }).getByRole('button', { name: /^Open the SHAKEN\/STIR registration/ }).click();
  await expect(heading(page, /^SHAKEN\/STIR registration/)).toContainText('completed', { timeout: 30_000 });
  await expect(page.getByRole('table', { name: 'The registration’s numbers' }).getByRole('row', { name: third })).toContainText('A');
  await expect(page.getByRole('table', { name: 'The registration’s numbers' }).getByRole('cell', { name: 'A', exact: true })).toBeVisible();
  await expectAccessible(page, 'voice trust completed');

  // A Voice Integrity registration the review rejects (REJECT in its notes) waits in action_required: cancel it.
  const integrity = await api(SPEC, 'POST', '/v1/voice-trust/registrations', {
    product: 'voice_integrity', businessProfileSid: profile(), email: 'ops@acme.example', phoneNumbers: [third], useCase: 'appointment reminders', employeeCount: 12, averageDailyCallVolume: 300, notes: 'REJECT this one',
  });
  expect(integrity.status, JSON.stringify(integrity.body)).toBe(202);
  await page.goto(`/#trust/vt/${integrity.body.id}`);
  await expect(heading(page, /^Voice Integrity registration/)).toContainText('action required', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Cancel registration' }).click();
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  await expect(heading(page, /^Voice Integrity registration/)).toContainText('cancelled', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Cancel registration' })).toHaveCount(0);
});

/** A toll-free draft by the form's labels, complete and clean but for what a test changes. */
const tollfreeForm = (tollFree: string): [label: string, value: string][] => [
  ['Toll-free number', tollFree],
  ['Legal business name', 'Acme Roofing LLC'],
  ['Business type', 'PRIVATE_PROFIT'],
  ['Website', 'https://acmeroofing.example'],
  ['Registration number', '12-3456789'],
  ['Registration authority', 'EIN'],
  ['Notification email', 'ops@acmeroofing.example'],
  ['Use case category', 'ACCOUNT_NOTIFICATIONS'],
  ['Use case summary', 'Inspection reminders and schedule changes sent by Acme Roofing to its customers.'],
  ['Monthly volume', '1,000'],
  ['Opt-in type', 'WEB_FORM'],
  ['Opt-in image URLs', 'https://acmeroofing.example/opt-in.png'],
  ['Privacy policy URL', 'https://acmeroofing.example/privacy'],
];
const goodSample = 'Acme Roofing LLC: your roof inspection is booked for [date]. Reply STOP to opt out.';

async function fillTollfree(page: Page, tollFree: string) {
  const form = page.getByRole('form', { name: 'Verify a toll-free number' });
  for (const [label, value] of tollfreeForm(tollFree)) {
    const input = form.getByLabel(label, { exact: true });
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
  return form;
}

test('toll-free: preflight as typed, verify, Twilio rejects, edit within the window, approved; a second verification is refused', async ({ page }) => {
  const tollFree = await buyTollFreeNumber(SPEC);
  // Slow Twilio's toll-free review down so the rejection is forced before the fast preset would approve it.
  await sandbox('reviews', { durations: { tollfreeVerification: 600_000 } });

  await page.getByRole('button', { name: 'Verify a toll-free number' }).click();
  // Preflight reads the draft while it is still incomplete: a malformed field is marked as soon as it is typed.
  const website = page.getByLabel('Website', { exact: true });
  await website.fill('acmeroofing');
  await expect(website).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('status').filter({ hasText: /^Preflight: \d+ problems, \d+ of them on fields not filled in yet\.$/ })).toBeVisible();
  const form = await fillTollfree(page, tollFree);
  await expect(website).not.toHaveAttribute('aria-invalid', 'true');
  const sample = form.getByLabel('Message sample', { exact: true });
  await sample.fill('Acme Roofing LLC: pay for your new roof in Bitcoin. Reply STOP to opt out.');
  // Preflight as the user types: the rule's problem, with Twilio's code, on its field.
  await expect(sample).toHaveAttribute('aria-invalid', 'true');
  await expect(sample).toHaveAccessibleDescription(/cryptocurrency is a forbidden toll-free use case \(Twilio 30464\)/);
  await expectAccessible(page, 'toll-free form with a preflight problem');
  await sample.fill(goodSample);
  await expect(sample).not.toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('status')).toHaveText('Preflight: no problems.');
  await form.getByRole('button', { name: 'Verify' }).click();

  await expect(page).toHaveURL(/#trust\/tf\/[0-9a-f-]{36}$/);
  const id = idFromUrl(page);
  const details = heading(page, `Verification of ${tollFree}`);
  await expect(details).toContainText('in review', { timeout: 30_000 });
  let sid = '';
  await expect.poll(async () => (sid = (await api(SPEC, 'GET', `/v1/tollfree/verifications/${id}`)).body.verificationSid ?? '')).toMatch(/^HH/);

  // Twilio's reviewers reject it: the reasons with their codes, and the time left to edit.
  await sandbox('outcomes', { sid, outcome: 'reject', reason: 'Disallowed - Debt Reduction' });
  await sandbox('clock/advance', { ms: 600_000 });
  await expect(details).toContainText('action required', { timeout: 30_000 });
  const reasons = page.getByRole('region', { name: 'Rejected by Twilio', exact: true });
  await expect(reasons).toContainText('30466');
  await expect(reasons).toContainText('Disallowed - Debt Reduction');
  await expect(reasons).toContainText(/\d+ days? left/);
  await expectAccessible(page, 'toll-free rejected, edit form open');
  await screenshots(page, 'trust-tollfree-rejected');

  // The edit goes back to review; with the fast preset again it is approved in seconds.
  await sandbox('reviews', { preset: 'fast' });
  const edit = page.getByRole('form', { name: 'Edit the verification' });
  await expect(edit.getByLabel('Message sample', { exact: true })).toHaveValue(goodSample); // the submitted draft, to change
  await edit.getByRole('button', { name: 'Resubmit' }).click();
  await expect(edit.getByLabel('Edit reason')).toHaveAttribute('aria-invalid', 'true'); // the API's field error, on its field
  await edit.getByLabel('Edit reason').fill('Roof inspection reminders only; nothing about debts.');
  await edit.getByRole('button', { name: 'Resubmit' }).click();
  await expect(details).toContainText('completed', { timeout: 30_000 });
  await expect(page.getByRole('form', { name: 'Edit the verification' })).toHaveCount(0);

  // The same number again: the API refuses it, and the console shows its code.
  await page.getByRole('button', { name: '← Trust' }).click();
  await expect(page.getByRole('table', { name: 'Toll-free verifications' }).getByRole('row', { name: new RegExp(tollFree.replace('+', '\\+')) })).toContainText('completed');
  await screenshots(page, 'trust', { docs: true });
  await page.getByRole('button', { name: 'Verify a toll-free number' }).click();
  const again = await fillTollfree(page, tollFree);
  await again.getByLabel('Message sample', { exact: true }).fill(goodSample);
  await expect(again.getByRole('status')).toHaveText('Preflight: no problems.');
  await again.getByRole('button', { name: 'Verify' }).click();
  await expect(again.getByRole('alert')).toContainText('number_busy');
  await expectAccessible(page, 'toll-free form with an API error');
});
