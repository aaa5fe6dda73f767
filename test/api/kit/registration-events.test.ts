import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getRegistration } from '../../../db/a2p/registrations';
import { migrate } from '../../../db/kit/migrate';
import { createPool, type Db } from '../../../db/kit/pool';
import { recordRegistrationEvent, registrationTimeline } from '../../../db/kit/registration-events';
import { getTollfreeVerification } from '../../../db/tollfree/verifications';
import { getVoiceTrustRegistration } from '../../../db/voice-trust/registrations';
import { stack } from '../../helpers/stack';

/**
 * Migration 039 moves the three timeline tables (a2p_events, voice_trust_events, tollfree_events) into
 * registration_events and drops them. Here it runs as in production — db/kit/migrate.ts, on a database that has
 * every migration before it and timelines of the old shapes — on a scratch database of the test stack's server.
 */
const MIGRATION = '039_registration_events.sql';
const migrationsDir = fileURLToPath(new URL('../../../db/migrations/', import.meta.url));
const A2P_TIMELINE_LIMIT = 200;

let admin: Db;
let db: Db;
const scratch = `registration_events_${randomUUID().replaceAll('-', '')}`;

/** Applies the migrations before 039 and records them done, as migrate() would have. */
async function migrateUpTo(target: string) {
  await db.query('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql') && f < target).sort();
  for (const file of files) {
    await db.query(await readFile(migrationsDir + file, 'utf8'));
    await db.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
  }
}

beforeAll(async () => {
  admin = createPool(stack.databaseUrl, 1);
  await admin.query(`CREATE DATABASE ${scratch}`);
  const url = new URL(stack.databaseUrl);
  url.pathname = `/${scratch}`;
  db = createPool(url.toString(), 3);
  await migrateUpTo(MIGRATION);
});
afterAll(async () => {
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin?.end();
});

const tenant = async (name: string) => (await db.query<{ id: string }>('INSERT INTO tenants (name) VALUES ($1) RETURNING id', [`${name}-${randomUUID()}`])).rows[0]!.id;

async function a2pRegistration(tenantId: string) {
  const id = randomUUID();
  await db.query(`INSERT INTO a2p_registrations (id, tenant_id, status, step, draft, workflow_id) VALUES ($1, $2, 'running', 'brand', '{}', $3)`, [id, tenantId, `wf-${id}`]);
  return id;
}
async function voiceTrustRegistration(tenantId: string) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO voice_trust_registrations (id, tenant_id, product, status, step, draft, business_profile_sid, workflow_id)
     VALUES ($1, $2, 'shaken_stir', 'in_review', 'review', '{}', $3, $4)`,
    [id, tenantId, `BU${'1'.repeat(32)}`, `wf-${id}`],
  );
  return id;
}
async function tollfreeVerification(tenantId: string) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO tollfree_verifications (id, tenant_id, phone_number, number_sid, status, draft, workflow_id) VALUES ($1, $2, '+18005550100', $3, 'in_review', '{}', $4)`,
    [id, tenantId, `PN${id.replaceAll('-', '')}`, `wf-${id}`],
  );
  return id;
}

/**
 * An event of the old shapes. Its time runs backwards as ids go forwards, with microseconds and some ties, so a
 * timeline that came out ordered by time, or with its timestamps rounded, would differ.
 */
let tick = 0;
async function oldEvent(table: 'a2p_events' | 'voice_trust_events' | 'tollfree_events', tenantId: string, registrationId: string, type: string) {
  tick += 1;
  const at = `2026-06-01 12:00:00.123456+00`;
  const back = `${Math.floor(tick / 2) * 1.000001} seconds`; // two events share each time
  const message = `${type} ${tick}`;
  if (table === 'tollfree_events') {
    await db.query(`INSERT INTO tollfree_events (tenant_id, verification_id, type, message, at) VALUES ($1, $2, $3, $4, $5::timestamptz - $6::interval)`, [tenantId, registrationId, type, message, at, back]);
  } else {
    await db.query(`INSERT INTO ${table} (tenant_id, registration_id, type, message, data, at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz - $7::interval)`, [
      tenantId, registrationId, type, message, JSON.stringify({ tick, sid: `XX${tick}` }), at, back,
    ]);
  }
}

/** Every row of a table, in id order, as text where rounding could hide a change. */
async function rowsOf(sql: string, params: unknown[] = []) {
  return (await db.query(sql, params)).rows;
}
const oldRows = {
  a2p: () => rowsOf('SELECT tenant_id, registration_id, type, message, data, at::text FROM a2p_events ORDER BY id'),
  voice_trust: () => rowsOf('SELECT tenant_id, registration_id, type, message, data, at::text FROM voice_trust_events ORDER BY id'),
  tollfree: () => rowsOf(`SELECT tenant_id, verification_id AS registration_id, type, message, '{}'::jsonb AS data, at::text FROM tollfree_events ORDER BY id`),
};
const movedRows = (product: string) =>
  rowsOf('SELECT tenant_id, registration_id, type, message, data, at::text FROM registration_events WHERE product = $1 ORDER BY id', [product]);

/** The timelines as the API showed them before 039 (the readers' old SQL: A2P its newest 200, the others all). */
const shownBefore = {
  a2p: (id: string) =>
    rowsOf(`SELECT * FROM (SELECT id, at, type, message FROM a2p_events WHERE registration_id = $1 ORDER BY id DESC LIMIT ${A2P_TIMELINE_LIMIT}) e ORDER BY id`, [id]),
  voice_trust: (id: string) => rowsOf('SELECT at, type, message FROM voice_trust_events WHERE registration_id = $1 ORDER BY id', [id]),
  tollfree: (id: string) => rowsOf('SELECT at, type, message FROM tollfree_events WHERE verification_id = $1 ORDER BY id', [id]),
};
const asShown = (rows: { at: Date; type: string; message: string }[]) => rows.map((e) => ({ at: e.at.toISOString(), type: e.type, message: e.message }));

it('039 moves every event of the three old tables, in order and with its timestamps, and the API shows the same timelines', async () => {
  const [a, b] = [await tenant('events-a'), await tenant('events-b')];
  const reg = { a2p: await a2pRegistration(a), a2pOfB: await a2pRegistration(b), voiceTrust: await voiceTrustRegistration(a), tollfree: await tollfreeVerification(a) };
  // Interleaved, so each table's ids have gaps and the tables' ids overlap; A2P has more than its timeline shows.
  for (let i = 0; i < A2P_TIMELINE_LIMIT + 5; i++) {
    await oldEvent('a2p_events', a, reg.a2p, i % 3 ? 'twilio_status' : 'state');
    if (i % 4 === 0) await oldEvent('a2p_events', b, reg.a2pOfB, 'webhook');
    if (i % 5 === 0) await oldEvent('voice_trust_events', a, reg.voiceTrust, i % 2 ? 'number' : 'state');
    if (i % 6 === 0) await oldEvent('tollfree_events', a, reg.tollfree, 'twilio_status');
  }
  const before = { a2p: await oldRows.a2p(), voice_trust: await oldRows.voice_trust(), tollfree: await oldRows.tollfree() };
  const shown = {
    a2p: asShown(await shownBefore.a2p(reg.a2p)),
    a2pOfB: asShown(await shownBefore.a2p(reg.a2pOfB)),
    voiceTrust: asShown(await shownBefore.voice_trust(reg.voiceTrust)),
    tollfree: asShown(await shownBefore.tollfree(reg.tollfree)),
  };
  expect(shown.a2p).toHaveLength(A2P_TIMELINE_LIMIT);

  expect(await migrate(db)).toContain(MIGRATION);

  expect(await movedRows('a2p')).toEqual(before.a2p);
  expect(await movedRows('voice_trust')).toEqual(before.voice_trust);
  expect(await movedRows('tollfree')).toEqual(before.tollfree);
  const { rows: left } = await db.query(`SELECT to_regclass('a2p_events') AS a, to_regclass('voice_trust_events') AS v, to_regclass('tollfree_events') AS t`);
  expect(left[0]).toEqual({ a: null, v: null, t: null });

  expect((await getRegistration(db, a, reg.a2p))!.view.timeline).toEqual(shown.a2p);
  expect((await getRegistration(db, b, reg.a2pOfB))!.view.timeline).toEqual(shown.a2pOfB);
  expect((await getVoiceTrustRegistration(db, a, reg.voiceTrust))!.view.timeline).toEqual(shown.voiceTrust);
  expect((await getTollfreeVerification(db, a, reg.tollfree))!.view.timeline).toEqual(shown.tollfree);

  // A new event comes after the moved ones (the id sequence continues past them) and takes its registration's tenant.
  expect(await recordRegistrationEvent(db, { product: 'tollfree', registrationId: reg.tollfree, type: 'state', message: 'after the move' })).toBe(true);
  const timeline = await registrationTimeline(db, 'tollfree', { tenantId: a, registrationId: reg.tollfree }, null);
  expect(timeline.map((e) => e.message)).toEqual([...shown.tollfree.map((e) => e.message), 'after the move']);
});

it('a timeline is read only within its tenant and product, and an event is recorded only for a registration of its product', async () => {
  await migrate(db); // done by the test above; again here so this one runs alone too
  const [a, b] = [await tenant('scope-a'), await tenant('scope-b')];
  const registrationId = await a2pRegistration(a);
  expect(await recordRegistrationEvent(db, { product: 'a2p', registrationId, type: 'state', message: 'mine', data: { step: 'brand' } })).toBe(true);

  expect(await registrationTimeline(db, 'a2p', { tenantId: a, registrationId }, null)).toMatchObject([{ type: 'state', message: 'mine' }]);
  expect(await registrationTimeline(db, 'a2p', { tenantId: b, registrationId }, null)).toEqual([]);
  expect(await registrationTimeline(db, 'voice_trust', { tenantId: a, registrationId }, null)).toEqual([]);
  // An A2P registration's id is no voice trust registration: nothing is written under that product.
  expect(await recordRegistrationEvent(db, { product: 'voice_trust', registrationId, type: 'state', message: 'not mine' })).toBe(false);
  const { rows } = await db.query('SELECT product, tenant_id, data FROM registration_events WHERE registration_id = $1', [registrationId]);
  expect(rows).toEqual([{ product: 'a2p', tenant_id: a, data: { step: 'brand' } }]);
});

it('a limited timeline is the newest events, oldest first', async () => {
  await migrate(db);
  const a = await tenant('limit');
  const registrationId = await voiceTrustRegistration(a);
  for (const n of [1, 2, 3, 4]) await recordRegistrationEvent(db, { product: 'voice_trust', registrationId, type: 'state', message: `event ${n}` });
  const newest = await registrationTimeline(db, 'voice_trust', { tenantId: a, registrationId }, 2);
  expect(newest.map((e) => e.message)).toEqual(['event 3', 'event 4']);
});
