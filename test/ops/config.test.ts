import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** Settings that would break a guarantee are refused at start, naming the variable. */
const base = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), GUEST_SECRET: 'y'.repeat(32) };

describe('configuration of the outbox', () => {
  it('refuses a webhook lease shorter than two delivery timeouts (two workers on one stream)', () => {
    expect(() => loadConfig({ ...base, WEBHOOK_LEASE_SECONDS: '10', WEBHOOK_TIMEOUT_MS: '10000' })).toThrow(/WEBHOOK_LEASE_SECONDS/);
    expect(loadConfig({ ...base, WEBHOOK_LEASE_SECONDS: '20', WEBHOOK_TIMEOUT_MS: '10000' }).webhooks.leaseSeconds).toBe(20);
  });

  it('turns email on with SMTP_URL only, and asks production for the links’ origin and a sender', () => {
    expect(loadConfig(base).email).toBeUndefined();
    expect(() => loadConfig({ ...base, SMTP_URL: 'smtp://mail.example.com:587', EMAIL_FROM: 'Support <s@example.com>' })).toThrow(/PUBLIC_URL/);
    expect(() => loadConfig({ ...base, SMTP_URL: 'smtp://mail.example.com:587', PUBLIC_URL: 'https://chat.example.com' })).toThrow(/EMAIL_FROM/);
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://mail.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SMTP_URL: 'smtp://m', PUBLIC_URL: 'https://c.example.com', EMAIL_FROM: 'a@b.c', EMAIL_FOLLOW_UP_DELAY: '0' })).toThrow(/EMAIL_FOLLOW_UP_DELAY/);
    const email = loadConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.example.com', PUBLIC_URL: 'https://chat.example.com', EMAIL_FROM: 'Support <s@example.com>' }).email;
    expect(email).toMatchObject({ followUpDelayMs: 300_000, customerAppUrl: 'https://chat.example.com/', publicUrl: 'https://chat.example.com' });
  });
});
