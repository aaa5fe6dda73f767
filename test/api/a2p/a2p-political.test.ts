import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApi, newTenant, sandboxControl, twilioSdk, waitFor } from '../../helpers/stack';
import { goodDraft } from '../../fixtures/a2p-draft';

/** POLITICAL campaigns through the API on real parts: the Campaign Verify token imported on the brand. */
let api: Awaited<ReturnType<typeof createTestApi>>;
let tenant: Awaited<ReturnType<typeof newTenant>>;
beforeAll(async () => {
  api = await createTestApi({ A2P_POLL_FIRST_MS: '300', A2P_POLL_MAX_MS: '1000' });
  tenant = await newTenant(api.db, 'a2p-political');
  await sandboxControl('POST', 'reviews', { preset: 'fast' });
});
afterAll(async () => {
  await sandboxControl('POST', 'reviews', { preset: 'realistic' });
  await api.close();
});

const politicalDraft = (token: string | undefined, name: string) => {
  const d = goodDraft();
  d.business.name = `${name} for Council LLC`;
  Object.assign(d.campaign, {
    usecase: 'POLITICAL',
    description: `Campaign updates and event invitations sent by the ${name} for Council campaign to its supporters.`,
    messageSamples: [`${name} for Council: the town hall is Tuesday at 7pm. Reply STOP to opt out.`, `${name} for Council: polls open at 7am tomorrow. Reply HELP for help.`],
    optInMessage: `${name} for Council: you are subscribed to campaign updates. Reply STOP to cancel.`,
    optOutMessage: `${name} for Council: you are unsubscribed and will receive no more messages.`,
    helpMessage: `${name} for Council: reply STOP to opt out or email help@smithforcouncil.org.`,
    ...(token ? { campaignVerifyToken: token } : {}),
  });
  return { ...d, phoneNumbers: [] };
};
const start = (payload: object) => api.app.inject({ method: 'POST', url: '/v1/a2p/registrations', headers: tenant.headers, payload });
const get = async (id: string) => (await api.app.inject({ method: 'GET', url: `/v1/a2p/registrations/${id}`, headers: tenant.headers })).json();
const until = (id: string, done: (r: { status: string }) => boolean, what: string) => waitFor(async () => ((r) => (done(r) ? r : null))(await get(id)), what, 90_000);

it('a POLITICAL draft without its token is refused before anything starts, naming the field', async () => {
  const res = await start(politicalDraft(undefined, 'Smith'));
  expect(res.statusCode).toBe(400);
  expect(res.json().problems).toContainEqual(expect.objectContaining({ field: 'campaign.campaignVerifyToken', code: 'campaign_verify_token_required' }));
});

it('imports the token on the approved brand, once, then registers the campaign; a refused token waits for a new one', async () => {
  const token = `cv|1.0|tcr|10dlc|${crypto.randomUUID()}|SIGsmith`;
  const first = await start(politicalDraft(token, 'Smith'));
  expect(first.statusCode).toBe(202);
  const done = await until(first.json().id, (r) => ['completed', 'failed', 'action_required'].includes(r.status), 'the political registration');
  expect(done).toMatchObject({ status: 'completed' });
  const vettings = await twilioSdk().messaging.v1.brandRegistrations(done.sids.brand).brandVettings.list();
  expect(vettings.map((v) => [v.vettingProvider, v.vettingId, v.vettingStatus])).toEqual([['campaign-verify', token, 'SUCCESS']]);

  // Another organization sending the same token: Twilio refuses it (21722); the registration asks for a valid one.
  const second = await start(politicalDraft(token, 'Jones'));
  const id = second.json().id as string;
  const stuck = await until(id, (r) => r.status === 'action_required', 'the refused token');
  expect(stuck.actionRequired).toMatchObject({ step: 'campaign', reasons: [expect.objectContaining({ code: 21722, fields: ['campaign.campaignVerifyToken'] })] });
  expect(stuck.sids.campaign).toBeUndefined();
  const fixed = await api.app.inject({
    method: 'POST',
    url: `/v1/a2p/registrations/${id}/corrections`,
    headers: tenant.headers,
    payload: { campaign: { campaignVerifyToken: `cv|1.0|tcr|10dlc|${crypto.randomUUID()}|SIGjones` } },
  });
  expect(fixed.statusCode).toBe(202);
  expect(await until(id, (r) => ['completed', 'failed'].includes(r.status), 'the corrected registration')).toMatchObject({ status: 'completed' });
});
