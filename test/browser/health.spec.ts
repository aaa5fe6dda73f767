import type { Page } from '@playwright/test';
import { api, buyNumbers, expect, expectAccessible, openTab, screenshots, signIn, test } from './helpers';

const SPEC = 'health';

/** The numbers the flows after the empty state share (bought once, in the second test); the first is the flagged one. */
let numbers: string[] = [];
/** The one with reported trouble: 3 blocked calls and a spam label, 100 − 30 − 10 = 60. */
const flagged = () => numbers[0]!;
const asPattern = (e164: string) => new RegExp(e164.replace('+', '\\+'));

/** The shared numbers, read back from the API when an earlier test's worker is gone (the flagged one first). */
async function sharedNumbers() {
  if (numbers.length) return;
  const list = await api<{ data: { phoneNumber: string; inputs: { calls: { blocked: number } } }[] }>(SPEC, 'GET', '/v1/number-health?limit=10');
  numbers = list.body.data.sort((a, b) => b.inputs.calls.blocked - a.inputs.calls.blocked).map((n) => n.phoneNumber);
}

test.beforeEach(async ({ page }) => {
  await signIn(page, SPEC);
  await openTab(page, 'Health');
});

test.afterAll(async () => {
  // The policy's two Temporal Schedules would outlive the run otherwise.
  await api(SPEC, 'DELETE', '/v1/number-health/policy');
});

const scores = (page: Page) => page.getByRole('region', { name: 'Scores' });
const scheduleCard = (page: Page, name: string) => page.getByRole('region', { name: new RegExp(`^${name} schedule`) });
const factOf = (region: ReturnType<Page['getByRole']>, term: string) => region.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');

test('empty: no numbers, no policy; a cron that runs too often is refused on its field', async ({ page }) => {
  await expect(scores(page).getByText('No live numbers yet.')).toBeVisible();
  await expect(page.getByText('No hygiene policy yet.')).toBeVisible();
  await expect(page.getByText('No live numbers to chart yet.')).toBeVisible();
  await expect(page.getByRole('region', { name: /Health pass schedule/ })).toHaveCount(0);
  await expectAccessible(page, 'health, empty');

  const cron = page.getByLabel('Health pass cron');
  await cron.fill('*/5 * * * *');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(cron).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('runs more often than every 60 minutes')).toBeVisible();
  await expect(page.getByLabel('Rotation cron')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('No hygiene policy yet.')).toBeVisible(); // nothing was stored
  await expectAccessible(page, 'health, field error');

  await page.goto('/#health/+14155550199'); // not one of the tenant's numbers
  const missing = page.getByRole('alert').filter({ hasText: 'Could not read this number’s health' });
  await expect(missing).toContainText('not_found');
  await expectAccessible(page, 'health, unknown number');
});

test('scores with their factors, a filter, the distribution and one number’s outcome history', async ({ page }) => {
  numbers = await buyNumbers(SPEC, 3, 'areaCode=617');
  const minute = 60_000;
  const outcomes = ['blocked', 'blocked', 'labelled', 'blocked'].map((outcome, i) => ({
    phoneNumber: flagged(),
    at: new Date(Date.now() - (10 - i) * minute).toISOString(),
    outcome,
    externalId: `health-spec-${i}`,
  }));
  const posted = await api(SPEC, 'POST', '/v1/number-health/call-outcomes', { outcomes });
  expect(posted.body).toMatchObject({ accepted: 4, refused: [] });
  await page.reload();

  const row = scores(page).getByRole('row', { name: asPattern(flagged()) });
  await expect(row.getByRole('cell').nth(1)).toHaveText('60');
  await expect(row).toContainText('blocked_reports −30');
  await expect(row).toContainText('spam_labels −10');
  await expect(scores(page).getByRole('row')).toHaveCount(4); // a header and three numbers

  await page.getByLabel('Show', { exact: true }).selectOption('below');
  await page.getByLabel('Below score', { exact: true }).fill('80');
  await expect(scores(page).getByRole('row')).toHaveCount(2);
  await expect(scores(page).getByRole('button', { name: flagged() })).toBeVisible();

  const chart = page.getByRole('figure', { name: 'Live numbers by health score' });
  await chart.getByText('Show the data').click();
  await expect(chart.getByRole('row', { name: '60–69 1' })).toBeVisible();
  await expect(chart.getByRole('row', { name: '90–100 2' })).toBeVisible();
  await expect(factOf(page.getByRole('region', { name: 'Score distribution' }), 'Numbers')).toHaveText('3');
  await expectAccessible(page, 'health, scores');

  await scores(page).getByRole('button', { name: flagged() }).click();
  await expect(page).toHaveURL(new RegExp(`#health/${asPattern(flagged()).source}$`));
  await expect(page.getByRole('heading', { name: `Health of ${flagged()}` })).toBeVisible();
  await expect(page.locator('.score')).toHaveText('Score 60 of 100');
  await expect(page.getByText('3 calls, 0 answered, 0 short, 3 blocked; 1 labelled as spam, 0 complaints')).toBeVisible(); // a spam label is a report, not a call
  const history = page.getByRole('table', { name: `Call outcomes of ${flagged()}, newest first` });
  await expect(history.getByRole('row')).toHaveCount(5);
  await expect(history.getByRole('row').nth(1)).toContainText('health-spec-3'); // newest first
  await expect(history.getByRole('row').nth(4)).toContainText('health-spec-0');
  await expectAccessible(page, 'health, one number');
  await screenshots(page, 'health-number');

  await page.getByRole('button', { name: '← All scores' }).click();
  await expect(page.getByRole('heading', { name: 'Health', exact: true })).toBeVisible();
});

test('lookups: one number, a number Twilio cannot reach (its code), and a bulk lookup of every number', async ({ page }) => {
  await sharedNumbers();
  const form = page.getByRole('form', { name: 'Look up a number' });
  await form.getByLabel('Phone number').fill(numbers[1]!);
  await form.getByLabel('Line type intelligence').check();
  await form.getByRole('button', { name: 'Look up' }).click();
  const result = page.getByRole('region', { name: `Lookup of ${numbers[1]}` });
  await expect(factOf(result, 'Valid')).toHaveText('yes');
  await expect(result.getByRole('row', { name: /Line type intelligence/ })).toContainText('type: ');

  await form.getByLabel('Phone number').fill('+14155550800'); // the sandbox's 08xx: out of coverage
  await form.getByRole('button', { name: 'Look up' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'Lookup failed' });
  await expect(refusal).toContainText('twilio_error');
  await expect(refusal).toContainText('Twilio error 60600');
  await expectAccessible(page, 'health, lookup refused');

  const bulk = page.getByRole('form', { name: 'Bulk lookup' });
  await expect(bulk.getByLabel('All my live numbers')).toBeChecked();
  await bulk.getByRole('button', { name: 'Start bulk lookup' }).click();
  const bar = page.getByRole('progressbar', { name: 'Job progress' });
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await expect(page.getByText('3 of 3 (100 %)')).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Bulk lookup / })).toBeVisible();
  await expectAccessible(page, 'health, bulk lookup');
});

test('hygiene policy: save it, both schedules, pause and resume, run now and the run’s items; remove it', async ({ page }) => {
  await sharedNumbers();
  // The bulk lookup may have moved it a little (its line type): the pass scores it as it is now.
  const { score } = (await api<{ score: number }>(SPEC, 'GET', `/v1/number-health/${encodeURIComponent(flagged())}`)).body;
  expect(score).toBeLessThan(70);
  await page.getByLabel('Quarantine below score').fill('70');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Policy saved.' })).toBeVisible();
  await expect(page.getByText('No hygiene policy yet.')).toHaveCount(0);
  for (const name of ['Health pass', 'Rotation pass']) {
    const card = scheduleCard(page, name);
    await expect(card.getByRole('heading', { level: 3 })).toContainText('active');
    await expect(factOf(card, 'Next run')).not.toHaveText('—');
  }

  const health = scheduleCard(page, 'Health pass');
  await health.getByRole('button', { name: 'Pause health pass' }).click();
  await expect(health.getByRole('heading', { level: 3 })).toContainText('paused');
  await expect(factOf(health, 'Next run')).toHaveText('paused');
  await health.getByRole('button', { name: 'Resume health pass' }).click();
  await expect(health.getByRole('heading', { level: 3 })).toContainText('active');

  await expect(health.getByText('No health pass has run yet.')).toBeVisible();
  await health.getByRole('button', { name: 'Run now health pass' }).click();
  const runs = health.getByRole('table', { name: 'Recent health pass runs, newest first' });
  await expect(runs.getByRole('row')).toHaveCount(2, { timeout: 30_000 });
  await expect(runs.getByRole('row').nth(1)).toContainText('succeeded', { timeout: 30_000 });
  await runs.getByRole('button', { name: /^Items of the health pass run/ }).click();
  const items = health.getByRole('table', { name: 'Items of the health pass run' });
  await expect(items.getByRole('row')).toHaveCount(4);
  const item = items.getByRole('row', { name: asPattern(flagged()) }).getByRole('cell');
  await expect(item.nth(1)).toHaveText(String(score));
  await expect(item.nth(2)).toHaveText('quarantined');

  // The pass quarantined it: the scores and the distribution say so.
  await page.getByLabel('Show', { exact: true }).selectOption('quarantined');
  await expect(scores(page).getByRole('row')).toHaveCount(2);
  await expect(scores(page).getByRole('row').nth(1)).toContainText('quarantined');
  await expect(factOf(page.getByRole('region', { name: 'Score distribution' }), 'Quarantined')).toHaveText('1');
  await expect(page.getByRole('figure', { name: 'Live numbers by health score' }).getByText('Quarantine below 70')).toBeVisible();
  await expectAccessible(page, 'health, policy and runs');
  await screenshots(page, 'health', { docs: true });

  await page.getByRole('button', { name: 'Remove policy' }).click();
  await page.getByRole('button', { name: 'Confirm remove policy' }).click();
  await expect(page.getByText('No hygiene policy yet.')).toBeVisible();
  await expect(scheduleCard(page, 'Health pass')).toHaveCount(0);
});

test('a read-only key sees the scores, the policy and its schedules, and may validate a number, but changes nothing', async ({ page }) => {
  await sharedNumbers();
  expect((await api(SPEC, 'PUT', '/v1/number-health/policy', { quarantineBelowScore: 70 })).status).toBe(200);
  const issued = await api<{ key: string }>(SPEC, 'POST', '/v1/api-keys', { name: 'health-read', scopes: ['read'] });
  expect(issued.status).toBe(201);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').fill(issued.body.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await openTab(page, 'Health');

  await expect(scores(page).getByRole('button', { name: flagged() })).toBeVisible();
  await expect(scheduleCard(page, 'Health pass')).toBeVisible();
  await expect(page.getByText('Changing the hygiene policy needs an API key with the admin scope.')).toBeVisible();
  await expect(page.getByText('A bulk lookup needs an API key with the spend scope.')).toBeVisible();
  for (const name of ['Save policy', 'Run now health pass', 'Pause health pass', 'Start bulk lookup']) await expect(page.getByRole('button', { name })).toHaveCount(0);
  await expect(page.getByLabel('Line type intelligence')).toHaveCount(0);

  const form = page.getByRole('form', { name: 'Look up a number' });
  await form.getByLabel('Phone number').fill(numbers[2]!);
  await form.getByRole('button', { name: 'Look up' }).click();
  const result = page.getByRole('region', { name: `Lookup of ${numbers[2]}` });
  await expect(factOf(result, 'Valid')).toHaveText('yes');
  await expect(factOf(result, 'Cost')).toHaveText('$0.0000'); // validation alone is free
  await expectAccessible(page, 'health with a read key');
});
