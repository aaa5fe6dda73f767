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

export async function openTab(page: Page, name: 'Numbers' | 'SIP' | 'A2P' | 'Automation') {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
}

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
