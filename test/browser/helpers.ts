import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';

/**
 * Every spec's `test`: a test fails when its page reported a Content-Security-Policy violation (Chromium logs
 * each as a console error naming the policy), so a CSP that breaks the console or /docs breaks the tests.
 * `cspViolations` is the list, for the test that provokes one on purpose.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await use(violations);
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

const keys = JSON.parse(process.env.TENANT_KEYS ?? '{}') as Record<string, string>;
/** Each spec file has a tenant of its own, made by run.ts. */
export const apiKeyFor = (spec: string) => {
  const key = keys[spec];
  if (!key) throw new Error(`no tenant key for ${spec}: run through \`npm run test:browser\``);
  return key;
};

export async function signIn(page: Page, spec: string) {
  await page.goto('/');
  await page.getByLabel('API key').fill(apiKeyFor(spec));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('tab', { name: 'Numbers' })).toBeVisible();
}

export type TabName = 'Numbers' | 'SIP' | 'A2P' | 'Health' | 'Trust' | 'Costs' | 'Settings' | 'Automation';
export async function openTab(page: Page, name: TabName) {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
}

/** The API as the spec's tenant (setting up what a flow starts from): the parsed JSON body, and the status. */
export async function api<T = any>(spec: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', urlPath: string, body?: unknown, key = apiKeyFor(spec)): Promise<{ status: number; body: T }> {
  const res = await fetch(`${process.env.CONSOLE_URL}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** The sandbox's control API (its one account): reviews, outcomes, faults, clock. */
export async function sandbox<T = any>(controlPath: string, body?: unknown, method: 'GET' | 'POST' = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const res = await fetch(`${process.env.SANDBOX_URL}/__sandbox/${controlPath}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox ${controlPath}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/**
 * Buys `count` numbers for the spec's tenant through the API, the first the search finds each time. Spec files run
 * side by side against one sandbox account whose inventory is the same list in the same order for every tenant, so
 * each file searches its own area code: two files searching one would race for its first number.
 */
export async function buyNumbers(spec: string, count: number, search: string): Promise<string[]> {
  const bought: string[] = [];
  for (let i = 0; i < count; i++) {
    const found = await api<{ data: { phoneNumber: string }[] }>(spec, 'GET', `/v1/available-numbers?${search}&limit=1`);
    const res = await api<{ phoneNumber: string }>(spec, 'POST', '/v1/numbers', { phoneNumber: found.body.data[0]!.phoneNumber });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    bought.push(res.body.phoneNumber);
  }
  return bought;
}

export const buyTollFreeNumber = async (spec: string) => (await buyNumbers(spec, 1, 'type=toll-free'))[0]!;

/** Fills a form by its fields' labels (a select gets the option of that value). */
export async function fill(page: Page, values: Record<string, string>) {
  for (const [label, value] of Object.entries(values)) {
    const input = page.getByLabel(label, { exact: true });
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
}

/** The A2P wizard is on the step of this name. */
export const step = (page: Page, name: string) => expect(page.getByRole('navigation', { name: 'Registration steps' }).locator('[aria-current="step"]')).toContainText(name);

/** axe on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
}

const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const docs = path.resolve(import.meta.dirname, '..', '..', 'docs', 'console');

/** A full-page screenshot at desktop and phone width (test-results/screenshots; docs/console too when asked). */
export async function screenshots(page: Page, name: string, opts: { docs?: boolean } = {}) {
  await mkdir(shots, { recursive: true });
  const desktop = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.screenshot({ path: path.join(shots, `${name}-desktop.png`), fullPage: true });
  if (opts.docs && process.env.UPDATE_DOCS_SCREENSHOTS) {
    await mkdir(docs, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(docs, `${name}.png`) }); // the first screenful: what a reader sees first
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
  // Nothing wider than the phone's screen but what scrolls on purpose (tables).
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} overflows a phone-sized viewport`).toBeLessThanOrEqual(0);
  await page.setViewportSize(desktop);
}
