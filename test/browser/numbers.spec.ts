import { expect, test, expectAccessible, screenshots, signIn } from './helpers';

test.beforeEach(async ({ page }) => signIn(page, 'numbers'));

test('search and buy a number; configure it; release it', async ({ page }) => {
  await expect(page.getByText('You have no numbers yet')).toBeVisible(); // the empty state
  await page.getByLabel('Area code', { exact: true }).fill('503'); // an area code no other spec file buys in
  await page.getByRole('button', { name: 'Search' }).click();
  const results = page.getByRole('table', { name: 'Available numbers' });
  await expect(results.getByRole('row')).not.toHaveCount(1);
  const first = (await results.getByRole('row').nth(1).getByRole('cell').first().textContent())!;
  await page.getByRole('button', { name: `Buy ${first}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Bought ${first}` })).toBeVisible();
  const mine = page.getByRole('region', { name: 'Your numbers' });
  await expect(mine.getByRole('cell', { name: first, exact: true })).toBeVisible();

  await mine.getByRole('button', { name: `Configure ${first}` }).click();
  const form = page.getByRole('form', { name: `Configure ${first}` });
  await form.getByLabel('Voice URL').fill('not a url');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByText('must be an http(s) URL')).toBeVisible(); // the API's field error, on the field
  await form.getByLabel('Friendly name').fill('Front desk');
  await form.getByLabel('Voice URL').fill('https://example.com/voice');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(mine.getByRole('cell', { name: 'Front desk' })).toBeVisible();
  await expectAccessible(page, 'numbers');

  await mine.getByRole('button', { name: `Release ${first}` }).click();
  await mine.getByRole('button', { name: `Confirm release of ${first}` }).click();
  await expect(mine.getByRole('cell', { name: first, exact: true })).toHaveCount(0);
});

test('bulk-buy 50 and watch the bar reach 100 %, then bulk-release some', async ({ page }) => {
  await page.getByLabel('Bulk area code').fill('512');
  await page.getByLabel('Quantity').fill('50');
  await page.getByRole('button', { name: 'Start bulk buy' }).click();
  const bar = page.getByRole('progressbar', { name: 'Job progress' });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await expect(page.getByRole('heading', { name: 'Bulk buy succeeded' })).toBeVisible();
  await expect(page.getByText('50 of 50 (100 %)')).toBeVisible();
  await expectAccessible(page, 'numbers with a job');
  await screenshots(page, 'numbers', { docs: true });
  await page.getByText('All results (50)').click();
  await expect(page.getByRole('table', { name: 'Every item of the job' }).getByRole('row')).toHaveCount(51);

  const mine = page.getByRole('region', { name: 'Your numbers' });
  const boxes = mine.getByRole('checkbox');
  await expect(boxes).toHaveCount(25); // a page; "Load more" brings the rest
  await mine.getByRole('button', { name: 'Load more' }).click();
  await expect(boxes).toHaveCount(50);
  for (const i of [0, 1, 2]) await boxes.nth(i).check();
  await mine.getByRole('button', { name: 'Release selected (3)' }).click();
  await expect(page.getByRole('heading', { name: 'Bulk release succeeded' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('progressbar', { name: 'Job progress' })).toHaveAttribute('aria-valuenow', '100');
  await expect(boxes).toHaveCount(47);
});

test('a bulk buy refused by the API shows the field at fault, and starts nothing', async ({ page }) => {
  await page.getByLabel('Bulk area code').fill('123');
  await page.getByLabel('Quantity').fill('5');
  await page.getByRole('button', { name: 'Start bulk buy' }).click();
  await expect(page.getByText('must be a 3-digit US area code that does not start with 0 or 1')).toBeVisible();
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Automation' }).click();
  await expect(page.getByText('Bulk buy', { exact: true })).toHaveCount(0);
});
