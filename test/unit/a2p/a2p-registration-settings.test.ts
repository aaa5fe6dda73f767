import { expect, it } from 'vitest';
import { registrationSettings } from '../../../api/a2p/registration-runner';
import { loadConfig } from '../../../config/env';
import { CORRECTIONS_DEADLINE_MS } from '../../../workflows/a2p/registration';

const valid = {
  DATABASE_URL: 'postgres://u:secret-password@localhost/db',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'b'.repeat(32),
};

it('passes the corrections deadline to every registration it starts: 30 days by default, A2P_DEADLINE_CORRECTIONS_HOURS otherwise', () => {
  expect(registrationSettings(loadConfig(valid)).timings.deadlines.corrections).toBe(CORRECTIONS_DEADLINE_MS);
  expect(CORRECTIONS_DEADLINE_MS).toBe(30 * 86_400_000);
  expect(registrationSettings(loadConfig({ ...valid, A2P_DEADLINE_CORRECTIONS_HOURS: '48' })).timings.deadlines.corrections).toBe(48 * 3_600_000);
  expect(() => loadConfig({ ...valid, A2P_DEADLINE_CORRECTIONS_HOURS: 'soon' })).toThrow(/A2P_DEADLINE_CORRECTIONS_HOURS/);
});
