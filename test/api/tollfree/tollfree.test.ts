import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant, sandboxControl, twilioSdk, waitFor } from '../../helpers/stack';
import { tollfreeDraft } from '../../fixtures/tollfree-draft';

/**
 * Toll-free verification through the API on real parts (the sandbox's Tollfree/Verifications in fast review
 * mode, Temporal, PostgreSQL): preflight, a verification approved, a rejection edited and resubmitted, the
 * edit window closing, cancel, and exactly one verification at Twilio under faults.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  tenant = await newTenant(api.db, 'tollfree');
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

type Headers = Record<string, string>;
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Headers = tenant.headers) =>
  api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
interface View { id: string; status: string; verificationSid: string | null; twilioStatus: string | null; problems: { message: string; twilioCode: number | null; code: string }[]; editAllowed: boolean; editExpiration: string | null; timeline: { type: string; message: string }[] }
const until = (id: string, statuses: string[], timeoutMs = 60_000) =>
  waitFor(async () => {
    const v = (await call('GET', `/v1/tollfree/verifications/${id}`)).json() as View;
    return statuses.includes(v.status) ? v : null;
  }, `verification ${id} to be ${statuses.join(' or ')}`, timeoutMs);

/** Buys one of the sandbox's toll-free numbers through the API. */
async function tollFreeNumber() {
  const found = (await call('GET', '/v1/available-numbers?type=toll-free&limit=1')).json().data[0].phoneNumber as string;
  expect((await call('POST', '/v1/numbers', { phoneNumber: found })).statusCode).toBe(201);
  return found;
}
const draft = tollfreeDraft;
const tf = () => twilioSdk().messaging.v1.tollfreeVerifications;

it('preflight names every problem before anything is spent; a good draft is verified and the number can send', async () => {
  const pn = await tollFreeNumber();
  const bad = await call('POST', '/v1/tollfree/preflight', draft(pn, {
    business: { name: 'Acme Roofing', website: 'https://acme.example', type: 'PRIVATE_PROFIT' },
    useCaseCategories: ['POLITICAL_ELECTION_CAMPAIGNS'], optIn: { type: 'VERBAL', imageUrls: ['https://acme.example/optin.png'] },
    productionMessageSample: 'Hello, consolidate your debt with bitcoin',
  }));
  expect(bad.statusCode).toBe(200);
  expect(bad.json().ok).toBe(false);
  expect(bad.json().problems.map((p: { field: string; code: string; twilioCode: number | null }) => [p.field, p.code, p.twilioCode])).toEqual([
    ['business.registrationNumber', 'registration_number_required', null],
    ['campaignVerifyToken', 'political_campaign_verify', 30501],
    ['additionalInformation', 'verbal_opt_in_script', 30511],
    ['productionMessageSample', 'content_cryptocurrency', 30464],
    ['productionMessageSample', 'content_debt_reduction', 30466],
  ]);
  expect(bad.json().warnings.map((w: { code: string }) => w.code)).toEqual(['sample_names_business', 'sample_opt_out']);
  // Schema problems are a 400 naming the field; so is a number that is not the tenant's, at submission.
  const schema = await call('POST', '/v1/tollfree/verifications', draft('+14155550100'));
  expect(schema.statusCode).toBe(400);
  expect(schema.json().error.fields[0].field).toBe('tollfreePhoneNumber');
  const notMine = await call('POST', '/v1/tollfree/verifications', draft('+18005550199'));
  expect(notMine.statusCode).toBe(400);
  expect(notMine.json()).toMatchObject({ error: { code: 'preflight_failed' }, problems: [{ field: 'tollfreePhoneNumber', code: 'not_your_number' }] });
  expect((await call('POST', '/v1/tollfree/verifications', draft(pn, { business: { name: 'Acme Roofing', website: 'https://acme.example', type: 'PRIVATE_PROFIT' } }))).statusCode).toBe(400);
  expect((await call('GET', '/v1/tollfree/verifications')).json().data).toEqual([]); // nothing half-started

  const res = await call('POST', '/v1/tollfree/verifications', draft(pn), { ...tenant.headers, 'idempotency-key': 'tfv-1' });
  expect(res.statusCode).toBe(202);
  expect(res.headers.location).toBe(`/v1/tollfree/verifications/${res.json().id}`);
  expect((await call('POST', '/v1/tollfree/verifications', draft(pn), { ...tenant.headers, 'idempotency-key': 'tfv-1' })).json().id).toBe(res.json().id);
  expect((await call('POST', '/v1/tollfree/verifications', draft(pn))).statusCode).toBe(409); // one per number
  const done = await until(res.json().id, ['completed', 'failed', 'action_required']);
  expect(done).toMatchObject({ status: 'completed', twilioStatus: 'TWILIO_APPROVED' });
  const atTwilio = await tf()(done.verificationSid!).fetch();
  expect(atTwilio).toMatchObject({ status: 'TWILIO_APPROVED', businessName: 'Acme Roofing', externalReferenceId: done.id, tollfreePhoneNumber: pn });
  const other = await newTenant(api.db, 'tollfree-other');
  expect((await call('GET', `/v1/tollfree/verifications/${done.id}`, undefined, other.headers)).statusCode).toBe(404);
});

it('a rejection carries Twilio’s reasons and edit window; an edit within it resubmits and is approved', async () => {
  const pn = await tollFreeNumber();
  // A draft preflight passes can still be rejected by Twilio's reviewers: the sandbox's forced outcome plays one.
  const res = await call('POST', '/v1/tollfree/verifications', draft(pn));
  const submitted = await until(res.json().id, ['in_review', 'completed']);
  expect(submitted.status).toBe('in_review');
  await sandboxControl('POST', 'outcomes', { sid: submitted.verificationSid, outcome: 'reject', reason: 'Disallowed - Debt Reduction' });
  const rejected = await until(res.json().id, ['action_required', 'completed']);
  expect(rejected).toMatchObject({ status: 'action_required', editAllowed: true, problems: [{ code: 'twilio_rejection', twilioCode: 30466, message: 'Disallowed - Debt Reduction' }] });
  expect(Date.parse(rejected.editExpiration!) - Date.now()).toBeGreaterThan(6 * 86_400_000);
  // An edit that would fail preflight is refused before Twilio sees it.
  const refused = await call('POST', `/v1/tollfree/verifications/${res.json().id}/edit`, { editReason: 'try', productionMessageSample: 'Buy bitcoin now' });
  expect(refused.statusCode).toBe(400);
  const edit = await call('POST', `/v1/tollfree/verifications/${res.json().id}/edit`, { editReason: 'clarified the use case', useCaseSummary: 'Appointment reminders for roofing inspections booked online' });
  expect(edit.statusCode).toBe(202);
  expect(edit.json().status).toBe('in_review');
  const done = await until(res.json().id, ['completed', 'action_required', 'failed']);
  expect(done.status).toBe('completed');
  expect((await tf()(done.verificationSid!).fetch()).useCaseSummary).toBe('Appointment reminders for roofing inspections booked online');
  expect(done.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['submitted', 'twilio_status', 'edited']));
  expect((await call('POST', `/v1/tollfree/verifications/${res.json().id}/edit`, { editReason: 'late' })).statusCode).toBe(409);
});

it('the edit window closing at Twilio fails it (30824); a cancel withdraws a verification at Twilio', async () => {
  const pn = await tollFreeNumber();
  const res = await call('POST', '/v1/tollfree/verifications', draft(pn));
  const inReview = await until(res.json().id, ['in_review']);
  await sandboxControl('POST', 'outcomes', { sid: inReview.verificationSid, outcome: 'reject', reason: 'Disallowed - Debt Reduction' });
  await until(res.json().id, ['action_required']);
  await sandboxControl('POST', 'clock/advance', { ms: 8 * 86_400_000 });
  // Twilio's window has closed: the edit reaches Twilio, which refuses it with 30824, and the API says so.
  const late = await call('POST', `/v1/tollfree/verifications/${res.json().id}/edit`, { editReason: 'too late' });
  expect(late.statusCode).toBe(409);
  const failed = await until(res.json().id, ['failed']);
  expect(failed.problems.map((p) => p.twilioCode)).toEqual([30466, 30824]);
  expect(failed.editAllowed).toBe(false);

  const pn2 = await tollFreeNumber();
  const second = await call('POST', '/v1/tollfree/verifications', draft(pn2));
  const reviewing = await until(second.json().id, ['in_review']);
  expect((await call('POST', `/v1/tollfree/verifications/${second.json().id}/cancel`)).statusCode).toBe(202);
  expect((await until(second.json().id, ['cancelled'])).status).toBe('cancelled');
  await expect(tf()(reviewing.verificationSid!).fetch()).rejects.toMatchObject({ status: 404 });
  // Cancelled frees the number for a new verification.
  expect((await call('POST', '/v1/tollfree/verifications', draft(pn2))).statusCode).toBe(202);
});

it('a verified number released and bought again can be verified again; the same purchase stays number_busy', async () => {
  const pn = await tollFreeNumber();
  const first = await call('POST', '/v1/tollfree/verifications', draft(pn));
  expect(first.statusCode).toBe(202);
  const busy = async () => {
    const res = await call('POST', '/v1/tollfree/verifications', draft(pn));
    return [res.statusCode, res.json().error?.code];
  };
  expect(await busy()).toEqual([409, 'number_busy']); // in progress
  expect((await until(first.json().id, ['completed', 'failed', 'action_required'])).status).toBe('completed');
  expect(await busy()).toEqual([409, 'number_busy']); // approved, and still the tenant's same purchase

  expect((await call('DELETE', `/v1/numbers/${encodeURIComponent(pn)}`)).statusCode).toBe(200);
  expect((await call('POST', '/v1/numbers', { phoneNumber: pn })).statusCode).toBe(201);
  // A new purchase (a new PN SID at Twilio) needs, and may have, a verification of its own.
  const second = await call('POST', '/v1/tollfree/verifications', draft(pn));
  expect(second.statusCode).toBe(202);
  expect(second.json().id).not.toBe(first.json().id);
  expect(await busy()).toEqual([409, 'number_busy']);
  const done = await until(second.json().id, ['completed', 'failed', 'action_required']);
  expect(done.status).toBe('completed');
  const [before, after] = await Promise.all([tf()((await until(first.json().id, ['completed'])).verificationSid!).fetch(), tf()(done.verificationSid!).fetch()]);
  expect(after.tollfreePhoneNumberSid).not.toBe(before.tollfreePhoneNumberSid);
});

it('under 5xx and answers lost after Twilio committed, one verification exists at Twilio', async () => {
  const pn = await tollFreeNumber();
  const injected = async () => ((await sandboxControl('GET', 'stats')) as { total: { injectedFailures: number } }).total.injectedFailures;
  const before = await injected();
  await sandboxControl('POST', 'failures', { method: 'POST', path: '/v1/Tollfree/Verifications', status: 503, code: 20503, message: 'Service Unavailable', times: 1 });
  await sandboxControl('POST', 'faults', { errorRate5xx: 0.2, timeoutAfterCommitRate: 0.5, timeoutMode: 'drop', seed: 71 });
  let done: View;
  try {
    const res = await call('POST', '/v1/tollfree/verifications', draft(pn));
    // Retries after doubled waits under these rates give the run a long tail: the bound is for a hung run only.
    done = await until(res.json().id, ['completed', 'failed', 'action_required'], 200_000);
  } finally {
    await sandboxControl('DELETE', 'faults');
    await sandboxControl('DELETE', 'failures');
  }
  expect(done.status).toBe('completed');
  expect(await tf().list({ externalReferenceId: done.id })).toHaveLength(1);
  expect((await injected()) - before).toBe(1);
}, 240_000);

it('preflight takes a draft as it is being typed: every missing or invalid field is a problem (A2P’s codes), with the rules on what is there', async () => {
  const empty = await call('POST', '/v1/tollfree/preflight', {});
  expect(empty.statusCode).toBe(200);
  expect(empty.json().ok).toBe(false);
  const required = ['tollfreePhoneNumber', 'business', 'notificationEmail', 'useCaseCategories', 'useCaseSummary', 'productionMessageSample', 'optIn', 'messageVolume'];
  expect(empty.json().problems.map((p: { field: string; code: string }) => [p.field, p.code]).sort()).toEqual(required.map((f) => [f, 'required']).sort());
  expect(empty.json().warnings.map((w: { code: string }) => w.code)).toEqual(['privacy_policy']);

  // Half filled: the missing fields, the invalid ones, an unknown one, and a rule on what is there.
  const pn = await tollFreeNumber();
  const half = await call('POST', '/v1/tollfree/preflight', {
    tollfreePhoneNumber: pn,
    business: { name: 'Acme Roofing', website: 'not a url', type: 'PRIVATE_PROFIT' },
    useCaseSummary: 'short',
    productionMessageSample: 'Acme Roofing: debt collection notice. Reply STOP to opt out.',
    messageVolume: 'lots',
    colour: 'blue',
  });
  expect(half.statusCode).toBe(200);
  const problems = (half.json().problems as { field: string; code: string; twilioCode: number | null }[]).map((p) => [p.field, p.code]);
  expect(problems.sort()).toEqual([
    ['business.registrationNumber', 'registration_number_required'],
    ['business.website', 'invalid_format'],
    ['colour', 'unknown_field'],
    ['messageVolume', 'not_allowed'],
    ['notificationEmail', 'required'],
    ['optIn', 'required'],
    ['productionMessageSample', 'content_debt_collection'],
    ['useCaseCategories', 'required'],
    ['useCaseSummary', 'too_short'],
  ]);
  // A well-formed number that is not the tenant's is still named; a malformed one is the schema's problem only.
  const notMine = (await call('POST', '/v1/tollfree/preflight', { tollfreePhoneNumber: '+18005550199' })).json();
  expect(notMine.problems[0]).toMatchObject({ field: 'tollfreePhoneNumber', code: 'not_your_number' });
  const malformed = (await call('POST', '/v1/tollfree/preflight', { tollfreePhoneNumber: '+14155550100' })).json();
  expect(malformed.problems.filter((p: { field: string }) => p.field === 'tollfreePhoneNumber').map((p: { code: string }) => p.code)).toEqual(['invalid_format']);

  // Not an object: a 400, as A2P's preflight answers.
  for (const payload of ['[]', '"draft"']) {
    const res = await api.app.inject({ method: 'POST', url: '/v1/tollfree/preflight', headers: { ...tenant.headers, 'content-type': 'application/json' }, payload });
    expect(res.statusCode, payload).toBe(400);
    const a2p = await api.app.inject({ method: 'POST', url: '/v1/a2p/preflight', headers: { ...tenant.headers, 'content-type': 'application/json' }, payload });
    expect(a2p.statusCode, payload).toBe(400);
  }
  // Starting a verification still refuses an incomplete draft, and nothing starts.
  const start = await call('POST', '/v1/tollfree/verifications', { tollfreePhoneNumber: pn, business: { name: 'Acme Roofing' } });
  expect(start.statusCode).toBe(400);
  expect(start.json().error.fields.length).toBeGreaterThan(0);
  expect((await call('GET', '/v1/tollfree/verifications')).json().data.filter((v: { tollfreePhoneNumber: string }) => v.tollfreePhoneNumber === pn)).toEqual([]);
});
