import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../../config/env';

const valid = {
  DATABASE_URL: 'postgres://u:secret-password@localhost/db',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'b'.repeat(32),
};

describe('configuration', () => {
  it('applies defaults', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TWILIO_MAX_CONCURRENCY: 10, API_PORT: 3000 });
  });

  it('names each bad variable and why', () => {
    const bad = { ...valid, TWILIO_ACCOUNT_SID: 'nope', TWILIO_MAX_CONCURRENCY: 'ten' };
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    try {
      loadConfig(bad);
    } catch (err) {
      expect((err as Error).message).toMatch(/TWILIO_ACCOUNT_SID: must be AC followed by 32 hex/);
      expect((err as Error).message).toMatch(/TWILIO_MAX_CONCURRENCY/);
      expect((err as Error).message).not.toMatch(/DATABASE_URL/);
    }
    expect(() => loadConfig({ ...valid, DATABASE_URL: undefined })).toThrow(/DATABASE_URL/);
  });

  it('never describes secrets', () => {
    const text = JSON.stringify(describeConfig(loadConfig(valid)));
    expect(text).not.toContain('secret-password');
    expect(text).not.toContain(valid.TWILIO_AUTH_TOKEN);
    expect(text).not.toContain(valid.TWILIO_ACCOUNT_SID);
  });
});
