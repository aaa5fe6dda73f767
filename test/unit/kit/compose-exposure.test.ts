import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { expect, it } from 'vitest';

type Compose = { services: Record<string, { ports?: string[] }> };
const load = async (file: string) => parse(await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8')) as Compose;

it('the production compose file publishes neither Temporal gRPC nor its UI', async () => {
  const compose = await load('docker-compose.yml');
  expect(compose.services.temporal!.ports).toBeUndefined();
  expect(compose.services['temporal-ui']!.ports).toBeUndefined();
  // Databases are not published either; only the API (and the sandbox, in its dev-only profile) are.
  const published = Object.entries(compose.services).filter(([, s]) => s.ports?.length).map(([name]) => name).sort();
  expect(published).toEqual(['api', 'sandbox']);
});

it("the operators' override publishes Temporal on the loopback interface only", async () => {
  const operator = await load('docker-compose.operator.yml');
  const ports = Object.values(operator.services).flatMap((s) => s.ports ?? []);
  expect(ports.length).toBeGreaterThan(0);
  for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
});
