import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyThroughApi, createTestApi, newTenant, sandboxControl, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';
import { tollfreeDraft } from '../../fixtures/tollfree-draft';

/**
 * The reviewed-registration kit's API side (api/kit/reviewed-registrations.ts), proved the same in each of its
 * products on real parts: A2P 10DLC registrations, voice trust registrations and toll-free verifications each
 * refuse a reused Idempotency-Key with another draft, answer an Update their workflow refuses with a 409 in one
 * shape (the workflow's reason, or Twilio's refusal with Twilio's code), and refuse Updates and cancels once
 * finished, naming how they ended.
 */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  // Reviews take hours: every registration stays under review, so none finishes while a test looks at it.
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  tenant = await newTenant(api.db, 'reviewed');
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await sandboxControl('DELETE', 'failures');
  await api.close();
});

type Headers = Record<string, string>;
const call = (method: 'GET' | 'POST', url: string, payload?: object, headers: Headers = tenant.headers) =>
  api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
interface View { id: string; status: string; verificationSid?: string | null }
const until = (path: string, id: string, statuses: string[]) =>
  waitFor(async () => {
    const v = (await call('GET', `${path}/${id}`)).json() as View;
    return statuses.includes(v.status) ? v : null;
  }, `${path}/${id} to be ${statuses.join(' or ')}`, 90_000);

/** A business profile of the tenant's (as an A2P registration or POST /v1/a2p/business-profiles leaves one). */
async function businessProfile() {
  const p = await twilioSdk().trusthub.v1.customerProfiles.create({ friendlyName: `profile ${tenant.tenantId}`, email: 'ops@acme.example', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
  await api.db.query(`INSERT INTO a2p_profiles (tenant_id, profile_sid, kind, status) VALUES ($1, $2, 'customer_profile', 'twilio-approved')`, [tenant.tenantId, p.sid]);
  return p.sid;
}

/** One of the sandbox's toll-free numbers, bought through the API. */
async function tollFreeNumber() {
  const found = (await call('GET', '/v1/available-numbers?type=toll-free&limit=1')).json().data[0].phoneNumber as string;
  expect((await call('POST', '/v1/numbers', { phoneNumber: found })).statusCode).toBe(201);
  return found;
}


/** Each product as the kit sees it from outside: where it lives, a draft, its Update and its refusal codes. */
interface Product {
  name: string;
  path: string;
  /** A draft that passes the product's checks, and another that differs from it. */
  drafts: () => Promise<[object, object]>;
  update: { path: string; body: object; refused: string };
  finished: string;
  noun: string;
}
const products: Product[] = [
  {
    name: 'A2P 10DLC',
    path: '/v1/a2p/registrations',
    drafts: async () => {
      const draft = { ...goodDraft(), phoneNumbers: [] as string[] };
      return [draft, { ...draft, profile: { ...draft.profile, friendlyName: 'Acme Dental West' } }];
    },
    update: { path: 'corrections', body: { business: { name: 'Acme Dental LLC' } }, refused: 'corrections_refused' },
    finished: 'registration_finished',
    noun: 'registration',
  },
  {
    name: 'voice trust',
    path: '/v1/voice-trust/registrations',
    drafts: async () => {
      const draft = { product: 'shaken_stir', businessProfileSid: await businessProfile(), email: 'ops@acme.example', phoneNumbers: [await buyThroughApi(api.app, tenant.headers, '738')] };
      return [draft, { ...draft, email: 'trust@acme.example' }];
    },
    update: { path: 'corrections', body: {}, refused: 'corrections_refused' },
    finished: 'registration_finished',
    noun: 'registration',
  },
  {
    name: 'toll-free',
    path: '/v1/tollfree/verifications',
    drafts: async () => {
      const draft = tollfreeDraft(await tollFreeNumber());
      return [draft, { ...draft, messageVolume: '10,000' }];
    },
    update: { path: 'edit', body: { editReason: 'clarified the use case' }, refused: 'not_editable' },
    finished: 'verification_finished',
    noun: 'verification',
  },
];

describe.each(products)('$name', (p) => {
  it('a reused Idempotency-Key finds the first; with another draft it is 409 idempotency_conflict and records nothing', async () => {
    const [draft, other] = await p.drafts();
    const key = { ...tenant.headers, 'idempotency-key': `kit-${p.name.replaceAll(' ', '-')}` };
    const first = await call('POST', p.path, draft, key);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.headers.location).toBe(`${p.path}/${first.json().id}`);
    expect((await call('POST', p.path, draft, key)).json().id).toBe(first.json().id);
    const conflict = await call('POST', p.path, other, key);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ error: { code: 'idempotency_conflict', message: `Idempotency-Key was already used for a different ${p.noun}` } });
    const all = (await call('GET', `${p.path}?limit=100`)).json().data as View[];
    expect(all.map((v) => v.id)).toEqual([first.json().id]);
    expect((await call('POST', `${p.path}/${first.json().id}/cancel`)).statusCode).toBe(202);
    await until(p.path, first.json().id, ['cancelled']);
  });

  it('an Update its workflow refuses is a 409 with the workflow’s reason; once finished, Updates and cancels are 409 naming how it ended', async () => {
    const [draft] = await p.drafts();
    const created = await call('POST', p.path, draft, { ...tenant.headers, 'idempotency-key': `kit-update-${p.name.replaceAll(' ', '-')}` });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id as string;
    // Under review, not waiting for corrections: the Update's validator refuses it.
    const early = await call('POST', `${p.path}/${id}/${p.update.path}`, p.update.body);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toEqual({ error: { code: p.update.refused, message: expect.stringMatching(new RegExp(`^nothing to (correct|edit): the ${p.noun} is `)) } });

    expect((await call('POST', `${p.path}/${id}/cancel`)).statusCode).toBe(202);
    await until(p.path, id, ['cancelled']);
    const ended = { error: { code: p.finished, message: `the ${p.noun} is already cancelled` } };
    const late = await call('POST', `${p.path}/${id}/${p.update.path}`, p.update.body);
    expect([late.statusCode, late.json()]).toEqual([409, ended]);
    const again = await call('POST', `${p.path}/${id}/cancel`);
    expect([again.statusCode, again.json()]).toEqual([409, ended]);
  });
});

describe('Twilio refusing the work an Update does', () => {
  beforeAll(() => sandboxControl('POST', 'reviews', { preset: 'fast' }));
  afterAll(() => sandboxControl('POST', 'reviews', { preset: 'realistic' }));

  /** Sends the Update while Twilio refuses its request once; the 409 carries Twilio's code and message. */
  async function refusedByTwilio(url: string, body: object, failure: { path: string; code: number; message: string }) {
    await sandboxControl('POST', 'failures', { method: 'POST', status: 400, times: 1, ...failure });
    try {
      return await call('POST', url, body);
    } finally {
      await sandboxControl('DELETE', 'failures');
    }
  }

  it('voice trust: corrections Twilio refuses are 409 corrections_refused with Twilio’s code; the registration still takes corrections', async () => {
    const pn = await buyThroughApi(api.app, tenant.headers, '739');
    const draft = { product: 'cnam', businessProfileSid: await businessProfile(), email: 'ops@acme.example', phoneNumbers: [pn], displayName: 'REJECT ROOFING' };
    const id = (await call('POST', '/v1/voice-trust/registrations', draft)).json().id as string;
    // The sandbox's review rejects a name with REJECT in it.
    await until('/v1/voice-trust/registrations', id, ['action_required']);
    const refused = await refusedByTwilio(`/v1/voice-trust/registrations/${id}/corrections`, { displayName: 'ACME ROOFING' }, { path: '/v1/EndUsers/*', code: 70002, message: 'Invalid attributes' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      error: { code: 'corrections_refused', message: 'Twilio refused the corrections: Invalid attributes', twilio: expect.objectContaining({ code: 70002, status: 400, message: 'Invalid attributes' }) },
    });
    expect((await call('POST', `/v1/voice-trust/registrations/${id}/corrections`, { displayName: 'ACME ROOFING' })).statusCode).toBe(202);
    await call('POST', `/v1/voice-trust/registrations/${id}/cancel`);
  });

  it('toll-free: an edit Twilio refuses is 409 not_editable with Twilio’s code; the verification is still editable', async () => {
    const id = (await call('POST', '/v1/tollfree/verifications', tollfreeDraft(await tollFreeNumber()))).json().id as string;
    const inReview = await until('/v1/tollfree/verifications', id, ['in_review']);
    await sandboxControl('POST', 'outcomes', { sid: inReview.verificationSid, outcome: 'reject', reason: 'Disallowed - Debt Reduction' });
    await until('/v1/tollfree/verifications', id, ['action_required']);
    const refused = await refusedByTwilio(`/v1/tollfree/verifications/${id}/edit`, { editReason: 'clarified' }, { path: '/v1/Tollfree/Verifications/*', code: 30446, message: 'Invalid message volume' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      error: { code: 'not_editable', message: 'Twilio refused the edit: Invalid message volume', twilio: expect.objectContaining({ code: 30446, status: 400, message: 'Invalid message volume' }) },
    });
    expect((await call('GET', `/v1/tollfree/verifications/${id}`)).json()).toMatchObject({ status: 'action_required', editAllowed: true });
    expect((await call('POST', `/v1/tollfree/verifications/${id}/edit`, { editReason: 'clarified' })).statusCode).toBe(202);
    await call('POST', `/v1/tollfree/verifications/${id}/cancel`);
  });
});
