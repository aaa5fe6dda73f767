import type { Page } from '@playwright/test';
import { api, buyNumbers, expect, expectAccessible, openTab, screenshots, signIn, test } from './helpers';

const usd = (n: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(n);
const monthName = (month: string) => new Date(`${month}-01T00:00:00Z`).toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const today = () => new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const thisMonth = () => new Date().toISOString().slice(0, 7);
const previousMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

/** A fact of the summary (Total charged, Budget, Remaining): its value. */
const fact = (page: Page, name: string) => page.locator('.fact').filter({ has: page.getByRole('term').filter({ hasText: name }) }).getByRole('definition');

async function signInWith(page: Page, key: string) {
  await page.goto('/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('tab', { name: 'Numbers' })).toBeVisible();
}

test('a month’s costs: nothing yet, then numbers by category and by day, a budget, and one that is over', async ({ page }) => {
  await signIn(page, 'costs');
  await openTab(page, 'Costs');
  await expect(page.getByText('Nothing charged this month.')).toBeVisible();
  await expect(fact(page, 'Total charged')).toHaveText('$0.00');
  await expect(fact(page, 'Budget')).toHaveText('No budget set');
  await expect(page.getByRole('figure')).toHaveCount(0);
  await expectAccessible(page, 'costs, empty');

  // Another month is its own place in the URL, and a reload stays on it.
  await page.getByLabel('Month', { exact: true }).selectOption(previousMonth());
  await expect(page).toHaveURL(new RegExp(`#costs/${previousMonth()}$`));
  await expect(page.getByText(`Nothing was charged in ${monthName(previousMonth())}.`)).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Month', { exact: true })).toHaveValue(previousMonth());
  await page.getByLabel('Month', { exact: true }).selectOption(thisMonth());
  await expect(page).toHaveURL(/#costs$/);

  await buyNumbers('costs', 2, 'areaCode=312');
  const price = (await api<{ lines: { item: string; amountUsd: number }[] }>('costs', 'GET', '/v1/costs')).body.lines.find((l) => l.item === 'number_monthly')!.amountUsd;
  await page.reload();
  const ledger = page.getByRole('table', { name: 'Ledger by category' });
  await expect(ledger.getByRole('row').filter({ hasText: /^Numbers/ })).toHaveText(`Numbers2${usd(price)}`);
  await expect(ledger.getByRole('row').filter({ hasText: 'number_monthly' })).toContainText(`2${usd(price)}`);
  await expect(ledger.getByRole('row').filter({ hasText: /^Total/ })).toHaveText(`Total2${usd(price)}`);
  await expect(fact(page, 'Total charged')).toHaveText(usd(price));

  // The chart by day draws, and its table has today's charges (and nothing on the days before).
  const chart = page.getByRole('figure', { name: `Charges per day, ${monthName(thisMonth())}` });
  await expect(chart.locator('svg.recharts-surface')).toBeVisible();
  await chart.getByText('Show the data').click();
  await expect(chart.getByRole('row').filter({ hasText: new RegExp(`^${today()}\\$`) })).toHaveText(`${today()}${usd(price)}`);
  if (new Date().getUTCDate() > 1) await expect(chart.getByRole('row').filter({ hasText: /^\w{3} 1\$/ })).toHaveText(/\$0\.00$/);
  await expectAccessible(page, 'costs with charges');

  // A budget: the summary shows it, what is left and how much is used.
  const budget = page.getByLabel('Monthly budget (USD)');
  await budget.fill('100');
  await page.getByRole('button', { name: 'Save budget' }).click();
  await expect(page.getByText('Budget saved: $100.00 a month.')).toBeVisible();
  await expect(fact(page, 'Budget')).toHaveText('$100.00 a month');
  await expect(fact(page, 'Remaining')).toHaveText(usd(100 - price));
  await expect(page.getByRole('progressbar', { name: 'Budget used' })).toHaveAttribute('aria-valuetext', `${usd(price)} of $100.00 used`);
  await expectAccessible(page, 'costs with a budget');
  await screenshots(page, 'costs', { docs: true });

  // The API's own check (whole cents) is shown on the field.
  await budget.fill('1.234');
  await page.getByRole('button', { name: 'Save budget' }).click();
  await expect(budget).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-invalid')).toContainText('must be a multiple of 0.01');
  await expectAccessible(page, 'costs, budget field error');

  // A budget under what is already charged is marked as over.
  await budget.fill('1');
  await page.getByRole('button', { name: 'Save budget' }).click();
  await expect(budget).not.toHaveAttribute('aria-invalid', 'true');
  await expect(fact(page, 'Remaining')).toHaveText(`Over by ${usd(price - 1)}`);
  await expect(page.getByText('Over budget.', { exact: true })).toBeVisible();
  await expect(page.getByRole('progressbar', { name: 'Budget used' })).toHaveAttribute('aria-valuenow', '100');
  await expectAccessible(page, 'costs, over budget');
  await screenshots(page, 'costs-over-budget');

  // Removing it asks twice.
  await page.getByRole('button', { name: 'Remove budget' }).click();
  await page.getByRole('button', { name: 'Confirm remove budget' }).click();
  await expect(page.getByText('Budget removed.')).toBeVisible();
  await expect(fact(page, 'Budget')).toHaveText('No budget set');
  expect((await api<{ budgetUsd: number | null }>('costs', 'GET', '/v1/costs')).body.budgetUsd).toBeNull();
});

test('when the API cannot give the costs, the tab says so with the API’s code', async ({ page }) => {
  await page.route('**/v1/costs*', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'service_unavailable', message: 'PostgreSQL is unavailable; retry shortly' } }) }),
  );
  await signIn(page, 'costs');
  await openTab(page, 'Costs');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Could not load the costs', { timeout: 30_000 });
  await expect(alert).toContainText('service_unavailable');
  await expectAccessible(page, 'costs error');
});

test('a read-only key sees the costs but is not offered the budget form', async ({ page }) => {
  const issued = await api<{ key: string }>('costs', 'POST', '/v1/api-keys', { name: 'ro', scopes: ['read'] });
  expect(issued.status).toBe(201);
  await signInWith(page, issued.body.key);
  await openTab(page, 'Costs');
  await expect(page.getByRole('heading', { name: 'Monthly budget', exact: true })).toBeVisible();
  await expect(page.getByText('Setting the budget needs an API key with the admin scope.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save budget' })).toHaveCount(0);
  await expect(page.getByLabel('Monthly budget (USD)')).toHaveCount(0);
  await expectAccessible(page, 'costs with a read key');
});
