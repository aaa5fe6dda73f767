import { afterAll, beforeAll, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

/** The sandbox's toll-free verifications: the status lifecycle, Twilio's rejection codes and the seven-day edit window. */
type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(9, { fastReviews: true });
});
afterAll(async () => fx.close());
const day = 86_400_000;

async function submit(fields: Record<string, unknown> = {}) {
  const api = fx.sdk().api.v2010.accounts(account.sid);
  const [available] = await api.availablePhoneNumbers('US').tollFree.list({ limit: 1 });
  const number = await api.incomingPhoneNumbers.create({ phoneNumber: available!.phoneNumber });
  return fx.sdk().messaging.v1.tollfreeVerifications.create({
    businessName: 'Acme', businessWebsite: 'https://acme.example', notificationEmail: 'ops@acme.example', useCaseCategories: ['ACCOUNT_NOTIFICATIONS'],
    useCaseSummary: 'Order notifications for customers who opted in at checkout', productionMessageSample: 'Acme: your order shipped. Reply STOP to opt out.',
    optInImageUrls: ['https://acme.example/optin.png'], optInType: 'WEB_FORM', messageVolume: '1,000', tollfreePhoneNumberSid: number.sid, ...fields,
  });
}
const advance = (ms: number) => fx.control('POST', 'clock/advance', { ms });

it('PENDING_REVIEW → IN_REVIEW → TWILIO_APPROVED on the review clock', async () => {
  const v = await submit();
  expect(v).toMatchObject({ status: 'PENDING_REVIEW', editAllowed: false });
  await advance(300);
  expect((await fx.sdk().messaging.v1.tollfreeVerifications(v.sid).fetch()).status).toBe('IN_REVIEW');
  await advance(2000);
  expect((await fx.sdk().messaging.v1.tollfreeVerifications(v.sid).fetch()).status).toBe('TWILIO_APPROVED');
});

it('rejects with Twilio’s codes, allows an edit for seven days, then refuses it with 30824', async () => {
  const crypto = await submit({ productionMessageSample: 'Acme: buy bitcoin today. Reply STOP to opt out.' });
  const verbal = await submit({ optInType: 'VERBAL' });
  const political = await submit({ useCaseCategories: ['POLITICAL_ELECTION_CAMPAIGNS'] });
  await advance(2500);
  const tf = fx.sdk().messaging.v1;
  expect(await tf.tollfreeVerifications(crypto.sid).fetch()).toMatchObject({ status: 'TWILIO_REJECTED', errorCode: 30464, editAllowed: true });
  expect((await tf.tollfreeVerifications(verbal.sid).fetch()).errorCode).toBe(30511);
  expect((await tf.tollfreeVerifications(political.sid).fetch()).rejectionReasons).toEqual([{ code: 30501, reason: 'Political campaigns require a Campaign Verify token' }]);
  // Edited within the window: back in review, then approved.
  const edited = await tf.tollfreeVerifications(crypto.sid).update({ productionMessageSample: 'Acme: your order shipped. Reply STOP to opt out.', editReason: 'sample fixed' });
  expect(edited).toMatchObject({ status: 'PENDING_REVIEW', rejectionReasons: null });
  await advance(2500);
  expect((await tf.tollfreeVerifications(crypto.sid).fetch()).status).toBe('TWILIO_APPROVED');
  // Past the window: the edit is refused.
  await advance(7 * day);
  expect((await tf.tollfreeVerifications(verbal.sid).fetch()).editAllowed).toBe(false);
  await expect(tf.tollfreeVerifications(verbal.sid).update({ additionalInformation: 'script: …' })).rejects.toMatchObject({ status: 400, code: 30824 });
  // Only rejected verifications can be edited, and only toll-free numbers verified.
  await expect(tf.tollfreeVerifications(crypto.sid).update({ businessName: 'Acme 2' })).rejects.toMatchObject({ status: 400 });
  expect((await tf.tollfreeVerifications.list({ tollfreePhoneNumberSid: crypto.tollfreePhoneNumberSid })).map((v) => v.sid)).toEqual([crypto.sid]);
});
