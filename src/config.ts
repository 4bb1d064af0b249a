import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AttachmentSettings } from './files/attachment-files.js';
import type { EmailSettings } from './outbox/email-follow-ups.js';
import type { InboundSettings } from './inbound/server.js';
import type { WebhookSettings } from './outbox/webhook-worker.js';
import type { CallSettings } from './net/ice-servers.js';
import { defaultAllowedTypes } from './files/file-types.js';
import { limitRulesFromEnv, type LimitRules } from './router/limits.js';

/** Everything the server reads from its environment, validated once at start. */
const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  PGLITE_DIR: z.string().min(1).default('./data/pglite'),
  DATA_DIR: z.string().min(1).default('./data'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  GUEST_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  CORS_ORIGINS: z.string().default('*'),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  AUTH_CODE_TTL_SECONDS: z.coerce.number().int().min(10).max(24 * 3600).default(15 * 60),
  AUTH_CODE_REQUIRE_OWNER: z.enum(['true', 'false']).default('false'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(25_000),
  MESSAGE_WRITE_LANES: z.coerce.number().int().min(1).max(16).default(1),
  ATTACHMENT_MAX_BYTES: z.coerce.number().int().min(1).max(1024 * 1024 * 1024).default(10 * 1024 * 1024),
  ATTACHMENT_TYPES: z.string().optional(),
  ATTACHMENT_LINK_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  PUBLIC_URL: z.url().regex(/^https?:\/\/[^/]+$/, 'must be an origin like https://chat.example.com (no path)').optional(),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3600_000).default(10_000),
  WEBHOOK_RETRY_FOR_MS: z.coerce.number().int().min(0).max(30 * 86_400_000).default(24 * 3600_000),
  WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().min(1000).max(90 * 86_400_000).default(5 * 86_400_000),
  WEBHOOK_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  EMAIL_FROM: z.string().min(3).max(200).optional(),
  EMAIL_FOLLOW_UP_DELAY: z.coerce.number().min(1).max(86_400).default(300),
  CUSTOMER_APP_URL: z.url().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  INBOUND_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  INBOUND_EMAIL_DOMAIN: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name like reply.example.com')
    .optional(),
  ICE_STUN_URLS: z.string().optional(),
  TURN_URLS: z.string().optional(),
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  TURN_CREDENTIAL_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(4 * 3600),
  CALL_ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
  CALL_RING_SECONDS: z.coerce.number().min(1).max(600).default(30),
  CALL_REJOIN_SECONDS: z.coerce.number().min(1).max(600).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type JwtKeyConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'jwks'; url: string }
  | { kind: 'publicKey'; pem: string };

export interface Config {
  production: boolean;
  port: number;
  host: string;
  database: { kind: 'postgres'; url: string; queryTimeoutMs?: number } | { kind: 'pglite'; dir: string };
  jwt: { key: JwtKeyConfig; issuer?: string; audience?: string };
  /** Present only when HS256 is configured: what `npm run token` signs with. */
  jwtSecret?: string;
  guestSecret: string;
  redisUrl?: string;
  corsOrigins: '*' | string[];
  /** How many reverse proxies in front of us append to X-Forwarded-For; 0 trusts none. */
  trustProxyHops: number;
  authCodes: { ttlSeconds: number; requireOwner: boolean };
  limits: LimitRules;
  attachments: AttachmentSettings;
  /** How long a drain may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Message batches one process may have in flight at once (PostgreSQL only): see MessageWriterOptions.lanes. */
  messageWriteLanes: number;
  webhooks: WebhookSettings;
  /** Present when SMTP_URL is set: agents' replies follow customers who left by email. */
  email?: EmailSettings;
  /** Present when INBOUND_SMTP_PORT is set: customers' replies to the follow-up become messages. */
  inbound?: InboundSettings;
  calls: CallSettings;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Set when a development secret was generated on this start, so the server can say how to use it. */
  generatedDevSecret: boolean;
}

export class ConfigError extends Error {}

/** The follow-up email's settings; its links need this server's and the customers' app's address. */
function emailSettings(e: z.infer<typeof EnvSchema>, production: boolean): EmailSettings {
  const publicUrl = e.PUBLIC_URL ?? (production ? undefined : `http://localhost:${e.PORT}`);
  if (!publicUrl) throw new ConfigError('Missing configuration: PUBLIC_URL is required with SMTP_URL in production (the unsubscribe link)');
  if (!e.EMAIL_FROM && production) throw new ConfigError('Missing configuration: EMAIL_FROM is required with SMTP_URL in production');
  return {
    smtpUrl: e.SMTP_URL!,
    from: e.EMAIL_FROM ?? 'Support <support@localhost>',
    followUpDelayMs: e.EMAIL_FOLLOW_UP_DELAY * 1000,
    customerAppUrl: e.CUSTOMER_APP_URL ?? `${publicUrl}/`,
    publicUrl,
  };
}

/**
 * The SMTP listener for replies to the follow-up email. Replies answer an email this server
 * sent, so it needs outgoing email; a domain without a listener would send Reply-To
 * addresses nobody receives.
 */
function inboundSettings(e: z.infer<typeof EnvSchema>): InboundSettings | undefined {
  if (e.INBOUND_SMTP_PORT === undefined) {
    if (e.INBOUND_EMAIL_DOMAIN) throw new ConfigError('Invalid configuration: INBOUND_EMAIL_DOMAIN needs INBOUND_SMTP_PORT (the listener its replies reach)');
    return undefined;
  }
  if (!e.INBOUND_EMAIL_DOMAIN) throw new ConfigError('Missing configuration: INBOUND_EMAIL_DOMAIN is required with INBOUND_SMTP_PORT (the Reply-To address domain)');
  if (!e.SMTP_URL) throw new ConfigError('Missing configuration: SMTP_URL is required with INBOUND_SMTP_PORT (replies answer the follow-up email it sends)');
  return { port: e.INBOUND_SMTP_PORT, host: e.INBOUND_SMTP_HOST, domain: e.INBOUND_EMAIL_DOMAIN.toLowerCase() };
}

/**
 * Reads and validates the environment. Outside production a missing secret is generated
 * once and kept in DATA_DIR, so `npm start` works on a fresh machine; in production it
 * is an error naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const asymmetric = [e.JWT_JWKS_URL, e.JWT_PUBLIC_KEY].filter(Boolean).length;
  if (asymmetric > 1) throw new ConfigError('Invalid configuration: set only one of JWT_JWKS_URL and JWT_PUBLIC_KEY');
  if (asymmetric && e.JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_SECRET cannot be combined with JWT_JWKS_URL or JWT_PUBLIC_KEY');
  }

  // A stream's lease must outlast one delivery, or a second worker could take the stream
  // while the first still waits for an answer: two events of one conversation at once.
  if (e.WEBHOOK_LEASE_SECONDS * 1000 < 2 * e.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration: WEBHOOK_LEASE_SECONDS must be at least twice WEBHOOK_TIMEOUT_MS (in seconds)');
  }

  let generatedDevSecret = false;
  const devSecrets = () => {
    if (production) return undefined;
    const result = readOrCreateDevSecrets(e.DATA_DIR);
    generatedDevSecret ||= result.created;
    return result.secrets;
  };

  let jwtSecret = e.JWT_SECRET;
  let key: JwtKeyConfig;
  if (e.JWT_JWKS_URL) key = { kind: 'jwks', url: e.JWT_JWKS_URL };
  else if (e.JWT_PUBLIC_KEY) key = { kind: 'publicKey', pem: e.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') };
  else {
    jwtSecret ??= devSecrets()?.jwtSecret;
    if (!jwtSecret) throw new ConfigError('Missing configuration: JWT_SECRET (or JWT_JWKS_URL / JWT_PUBLIC_KEY) is required in production');
    key = { kind: 'secret', secret: jwtSecret };
  }

  // A guest secret derived from the JWT secret is still independent of it for an attacker:
  // HMAC output reveals nothing about its key.
  const guestSecret =
    e.GUEST_SECRET ??
    (jwtSecret ? createHmac('sha256', jwtSecret).update('guest-id-signing').digest('hex') : devSecrets()?.guestSecret);
  if (!guestSecret) throw new ConfigError('Missing configuration: GUEST_SECRET is required in production when JWT_SECRET is not set');

  return {
    production,
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS }
      : { kind: 'pglite', dir: e.PGLITE_DIR },
    jwt: { key, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    jwtSecret: key.kind === 'secret' ? key.secret : undefined,
    guestSecret,
    redisUrl: e.REDIS_URL,
    corsOrigins: parseOrigins(e.CORS_ORIGINS),
    trustProxyHops: e.TRUST_PROXY_HOPS,
    authCodes: { ttlSeconds: e.AUTH_CODE_TTL_SECONDS, requireOwner: e.AUTH_CODE_REQUIRE_OWNER === 'true' },
    limits: parseLimits(env),
    attachments: {
      storage: e.S3_BUCKET ? { kind: 's3', bucket: e.S3_BUCKET, region: e.S3_REGION, endpoint: e.S3_ENDPOINT } : { kind: 'disk', dir: path.join(e.DATA_DIR, 'attachments') },
      maxBytes: e.ATTACHMENT_MAX_BYTES,
      allowedTypes: parseTypes(e.ATTACHMENT_TYPES),
      linkTtlSeconds: e.ATTACHMENT_LINK_TTL_SECONDS,
      uploadTtlSeconds: 15 * 60,
      unattachedLifetimeSeconds: 24 * 3600,
      publicUrl: e.PUBLIC_URL,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    messageWriteLanes: e.MESSAGE_WRITE_LANES,
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryForMs: e.WEBHOOK_RETRY_FOR_MS,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_MS,
      leaseSeconds: e.WEBHOOK_LEASE_SECONDS,
    },
    email: e.SMTP_URL ? emailSettings(e, production) : undefined,
    inbound: inboundSettings(e),
    calls: callSettings(e),
    logLevel: e.LOG_LEVEL,
    generatedDevSecret,
  };
}

/** ICE_STUN_URLS and TURN_URLS: comma lists of stun: / turn: / turns: URLs; TURN needs its secret. */
function callSettings(e: z.infer<typeof EnvSchema>): CallSettings {
  const list = (value: string | undefined, name: string, schemes: string[]) => {
    const urls = (value ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    for (const url of urls) {
      if (!schemes.some((scheme) => url.startsWith(scheme))) throw new ConfigError(`Invalid configuration: ${name} entry "${url}" must start with ${schemes.join(' or ')}`);
    }
    return urls;
  };
  const stunUrls = list(e.ICE_STUN_URLS, 'ICE_STUN_URLS', ['stun:', 'stuns:']);
  const turnUrls = list(e.TURN_URLS, 'TURN_URLS', ['turn:', 'turns:']);
  if (turnUrls.length && !e.TURN_SECRET) throw new ConfigError('Missing configuration: TURN_SECRET is required with TURN_URLS (coturn use-auth-secret)');
  if (e.CALL_ICE_TRANSPORT_POLICY === 'relay' && !turnUrls.length) throw new ConfigError('Invalid configuration: CALL_ICE_TRANSPORT_POLICY=relay needs TURN_URLS');
  return {
    stunUrls,
    turn: turnUrls.length ? { urls: turnUrls, secret: e.TURN_SECRET!, ttlSeconds: e.TURN_CREDENTIAL_TTL_SECONDS } : undefined,
    iceTransportPolicy: e.CALL_ICE_TRANSPORT_POLICY,
    ringSeconds: e.CALL_RING_SECONDS,
    rejoinSeconds: e.CALL_REJOIN_SECONDS,
  };
}

function parseLimits(env: NodeJS.ProcessEnv): LimitRules {
  try {
    return limitRulesFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** ATTACHMENT_TYPES: a comma-separated list of MIME types, replacing the default list. */
function parseTypes(value: string | undefined): ReadonlySet<string> {
  if (!value) return new Set(defaultAllowedTypes);
  const types = value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  for (const type of types) {
    if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(type)) throw new ConfigError(`Invalid configuration: ATTACHMENT_TYPES entry "${type}" must look like image/png`);
    if (/html|svg|javascript|xml/.test(type)) throw new ConfigError(`Invalid configuration: ATTACHMENT_TYPES cannot allow "${type}": browsers run it`);
  }
  return new Set(types);
}

function parseOrigins(value: string): '*' | string[] {
  if (value.trim() === '*') return '*';
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(`Invalid configuration: CORS_ORIGINS entry "${origin}" must look like https://host[:port]`);
    }
  }
  return origins;
}

/** Docker and Kubernetes often pass unset variables as empty strings. */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
}

const DevSecretsSchema = z.object({ jwtSecret: z.string().min(32), guestSecret: z.string().min(32) });

function readOrCreateDevSecrets(dataDir: string) {
  const file = path.join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) {
    return { secrets: DevSecretsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))), created: false };
  }
  const secrets = { jwtSecret: randomBytes(32).toString('hex'), guestSecret: randomBytes(32).toString('hex') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, created: true };
}
