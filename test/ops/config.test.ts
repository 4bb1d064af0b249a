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

  it('turns the inbound SMTP listener on with its port, and only beside outgoing email and a reply domain', () => {
    const email = { ...base, SMTP_URL: 'smtp://mail.example.com:587', PUBLIC_URL: 'https://chat.example.com', EMAIL_FROM: 'Support <s@example.com>' };
    expect(loadConfig(email).inbound).toBeUndefined();
    expect(loadConfig({ ...email, INBOUND_SMTP_PORT: '2525', INBOUND_EMAIL_DOMAIN: 'Reply.Example.com' }).inbound).toEqual({ port: 2525, host: '0.0.0.0', domain: 'reply.example.com' });
    expect(loadConfig({ ...email, INBOUND_SMTP_PORT: '0', INBOUND_SMTP_HOST: '127.0.0.1', INBOUND_EMAIL_DOMAIN: 'reply.example.com' }).inbound).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(() => loadConfig({ ...email, INBOUND_SMTP_PORT: '2525' })).toThrow(/INBOUND_EMAIL_DOMAIN is required/);
    expect(() => loadConfig({ ...base, INBOUND_SMTP_PORT: '2525', INBOUND_EMAIL_DOMAIN: 'reply.example.com' })).toThrow(/SMTP_URL is required with INBOUND_SMTP_PORT/);
    expect(() => loadConfig({ ...email, INBOUND_EMAIL_DOMAIN: 'reply.example.com' })).toThrow(/INBOUND_EMAIL_DOMAIN needs INBOUND_SMTP_PORT/);
    expect(() => loadConfig({ ...email, INBOUND_SMTP_PORT: '70000', INBOUND_EMAIL_DOMAIN: 'reply.example.com' })).toThrow(/INBOUND_SMTP_PORT/);
    expect(() => loadConfig({ ...email, INBOUND_SMTP_PORT: '2525', INBOUND_EMAIL_DOMAIN: 'reply@example.com' })).toThrow(/INBOUND_EMAIL_DOMAIN must be a domain/);
  });

  it('reads the call settings: STUN and TURN lists, TURN only with its secret, relay only with TURN', () => {
    expect(loadConfig(base).calls).toEqual({ stunUrls: [], turn: undefined, iceTransportPolicy: 'all', ringSeconds: 30, rejoinSeconds: 30 });
    const calls = loadConfig({ ...base, ICE_STUN_URLS: 'stun:a.example.com:3478', TURN_URLS: 'turn:t.example.com:3478, turns:t.example.com:5349', TURN_SECRET: 'coturn-static-auth-secret', CALL_ICE_TRANSPORT_POLICY: 'relay' }).calls;
    expect(calls).toMatchObject({ stunUrls: ['stun:a.example.com:3478'], turn: { urls: ['turn:t.example.com:3478', 'turns:t.example.com:5349'], ttlSeconds: 14_400 }, iceTransportPolicy: 'relay' });
    expect(() => loadConfig({ ...base, TURN_URLS: 'turn:t.example.com' })).toThrow(/TURN_SECRET/);
    expect(() => loadConfig({ ...base, TURN_URLS: 'http://t.example.com', TURN_SECRET: 'coturn-static-auth-secret' })).toThrow(/TURN_URLS entry/);
    expect(() => loadConfig({ ...base, ICE_STUN_URLS: 'turn:t.example.com' })).toThrow(/ICE_STUN_URLS entry/);
    expect(() => loadConfig({ ...base, CALL_ICE_TRANSPORT_POLICY: 'relay' })).toThrow(/needs TURN_URLS/);
    expect(() => loadConfig({ ...base, CALL_RING_SECONDS: '0' })).toThrow(/CALL_RING_SECONDS/);
  });
});
