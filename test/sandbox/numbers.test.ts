import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, startSandbox } from './sandbox-fixture';

type Fixture = Awaited<ReturnType<typeof startSandbox>>;
let fx: Fixture;
beforeAll(async () => {
  fx = await startSandbox(23);
});
afterAll(async () => fx.close());

const acct = () => fx.sdk().api.v2010.accounts(account.sid);

describe('numbers through the official twilio SDK', () => {
  it('filters searches by area code, pattern, capabilities and region', async () => {
    const local = acct().availablePhoneNumbers('US').local;
    const sms = await local.list({ areaCode: 415, smsEnabled: true, mmsEnabled: false, limit: 20 });
    expect(sms.length).toBeGreaterThan(0);
    for (const n of sms) {
      expect(n.phoneNumber).toMatch(/^\+1415/);
      expect(n.capabilities).toMatchObject({ sms: true, mms: false });
      expect(n.region).toBe('CA');
    }
    const first = (await local.list({ areaCode: 212, limit: 1 }))[0]!;
    const tail = first.phoneNumber.slice(-4);
    const contains = await local.list({ areaCode: 212, contains: `**${tail.slice(2)}`, limit: 50 });
    expect(contains.map((n) => n.phoneNumber)).toContain(first.phoneNumber);
    for (const n of contains) expect(n.phoneNumber.slice(2)).toMatch(new RegExp(`\\d\\d${tail.slice(2)}`));
    const inRegion = await local.list({ inRegion: 'IL', limit: 5 });
    expect(inRegion.every((n) => n.region === 'IL')).toBe(true);
    const tollFree = await acct().availablePhoneNumbers('US').tollFree.list({ limit: 3 });
    expect(tollFree.every((n) => /^\+18(00|33|44|55|66|77|88)/.test(n.phoneNumber))).toBe(true);
  });

  it('buying takes a number out of the inventory; releasing puts it back', async () => {
    const local = acct().availablePhoneNumbers('US').local;
    const [target] = await local.list({ areaCode: 503, limit: 1 });
    const bought = await acct().incomingPhoneNumbers.create({ phoneNumber: target!.phoneNumber, voiceUrl: 'https://example.com/v' });
    expect(bought.sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(bought.voiceUrl).toBe('https://example.com/v');
    expect(bought.friendlyName).toMatch(/^\(503\) \d{3}-\d{4}$/);
    const after = await local.list({ areaCode: 503, limit: 1000 });
    expect(after.map((n) => n.phoneNumber)).not.toContain(target!.phoneNumber);

    const updated = await acct().incomingPhoneNumbers(bought.sid).update({ smsUrl: 'https://example.com/s', friendlyName: 'Desk' });
    expect(updated).toMatchObject({ smsUrl: 'https://example.com/s', friendlyName: 'Desk', voiceUrl: 'https://example.com/v' });
    expect((await acct().incomingPhoneNumbers(bought.sid).fetch()).friendlyName).toBe('Desk');

    expect(await acct().incomingPhoneNumbers(bought.sid).remove()).toBe(true);
    const back = await local.list({ areaCode: 503, limit: 1000 });
    expect(back.map((n) => n.phoneNumber)).toContain(target!.phoneNumber);
    await expect(acct().incomingPhoneNumbers(bought.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('answers 21422 to buying an owned number, 21421 to a malformed one', async () => {
    const [target] = await acct().availablePhoneNumbers('US').local.list({ areaCode: 602, limit: 1 });
    await acct().incomingPhoneNumbers.create({ phoneNumber: target!.phoneNumber });
    await expect(acct().incomingPhoneNumbers.create({ phoneNumber: target!.phoneNumber })).rejects.toMatchObject({
      status: 400,
      code: 21422,
    });
    await expect(acct().incomingPhoneNumbers.create({ phoneNumber: '555' })).rejects.toMatchObject({ code: 21421 });
  });

  it('lists with a PhoneNumber filter and auto-pages across small pages', async () => {
    for (let i = 0; i < 5; i++) await acct().incomingPhoneNumbers.create({ areaCode: '718' });
    const all = await acct().incomingPhoneNumbers.list({ phoneNumber: '+1718', pageSize: 2 });
    expect(all).toHaveLength(5);
    expect(new Set(all.map((n) => n.sid)).size).toBe(5);
    const one = await acct().incomingPhoneNumbers.list({ phoneNumber: all[3]!.phoneNumber });
    expect(one.map((n) => n.sid)).toEqual([all[3]!.sid]);
  });

  it('refuses wrong credentials with 20003', async () => {
    const twilio = (await import('twilio')).default;
    const bad = twilio(account.sid, 'wrong-token-wrong-token');
    bad.api.baseUrl = fx.url;
    await expect(bad.api.v2010.accounts(account.sid).incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });
});
