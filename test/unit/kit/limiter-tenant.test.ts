import { expect, it } from 'vitest';
import { wrapActivities } from '../../../activities/kit/activity-wrappers';
import { createTwilioClient } from '../../../activities/kit/twilio-client';
import type { LimitedRequest, TwilioLimiter } from '../../../activities/kit/twilio-limiter';

const sid = 'AC00000000000000000000000000000001';

/** A limiter that records what each request tells it and answers for Twilio, sending nothing. */
function recordingLimiter() {
  const seen: LimitedRequest[] = [];
  const limiter: TwilioLimiter = {
    async run<T>(request: LimitedRequest) {
      seen.push(request);
      return { statusCode: 200, body: JSON.stringify({ sid, friendly_name: 'x', status: 'active' }), headers: {} } as T;
    },
    async close() {},
  };
  return { limiter, seen };
}

it('each Twilio request tells the limiter whose work it is: the tenant named in the activity’s input', async () => {
  const { limiter, seen } = recordingLimiter();
  const twilio = createTwilioClient({ accountSid: sid, authToken: 'token', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1_000, limiter });
  const fetchAccount = async (_input: { tenantId?: string }) => (await twilio.api.v2010.accounts(sid).fetch()).sid;
  const activities = wrapActivities({ fetchAccount });
  expect(await activities.fetchAccount({ tenantId: 'tenant-b' })).toBe(sid);
  expect(await activities.fetchAccount({})).toBe(sid); // an activity of no tenant's
  expect(seen.map((r) => [r.method?.toUpperCase(), r.tenant])).toEqual([
    ['GET', 'tenant-b'],
    ['GET', null],
  ]);
});
