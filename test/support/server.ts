import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import pg from 'pg';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/ops/logger.js';
import { defaultLimitRules } from '../../src/router/limits.js';

/**
 * Tests create many guests and messages from one address; the abuse limits get their own
 * tests, which pass tighter values.
 */
export const GENEROUS_LIMITS: Record<string, string> = Object.fromEntries(
  Object.keys(defaultLimitRules).filter((name) => !name.startsWith('CODE_')).map((name) => [`LIMIT_${name}`, '1000000/1']),
);

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

export interface TestServer {
  url: string;
  app: App;
  /** Every log line the server wrote, as JSON text (kept in memory, not printed). */
  logs: string[];
  db: Db;
  config: Config;
  /** The inbound SMTP listener's port, when INBOUND_SMTP_PORT is set (any free one for 0). */
  inboundPort?: number;
  /** A socket on /support that has received `connection:success`. */
  connect(auth?: Record<string, unknown>): Promise<{ socket: Socket; identity: Record<string, string> }>;
  close(): Promise<void>;
}

/**
 * A real server on an ephemeral port, on its own database: a fresh PostgreSQL database
 * when DATABASE_URL is set (CI runs both), otherwise an in-memory PGlite.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = process.env.DATABASE_URL ? await createScratchDatabase(process.env.DATABASE_URL) : undefined;
  const config = loadConfig({
    ...GENEROUS_LIMITS,
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    PGLITE_DIR: 'memory://',
    // Attachments land in a folder of the test's own, never in the checkout's ./data.
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'support-data-')),
    ...(database && { DATABASE_URL: database.url }),
    ...env,
  });
  const db = connectDatabase(config.database);
  await migrateToLatest(db);
  const logs: string[] = [];
  const app = createApp(config, db, { log: createLogger('info', { write: (line: string) => void logs.push(line) }) });
  await new Promise<void>((resolve) => app.httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}`;
  const inbound = config.inbound && (await app.inbound?.listen(config.inbound.port, '127.0.0.1'));
  const sockets: Socket[] = [];

  return {
    url,
    app,
    logs,
    db,
    config,
    inboundPort: inbound?.port,
    connect: (auth = {}) => connectTo(url, auth, sockets),
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
      await db.destroy();
      await database?.drop();
    },
  };
}

/** A socket on /support of the server at `url` that has received `connection:success`. */
export function connectTo(url: string, auth: Record<string, unknown>, opened: Socket[] = []) {
  const socket = connectSocket(`${url}/support`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  opened.push(socket);
  return new Promise<{ socket: Socket; identity: Record<string, string> }>((resolve, reject) => {
    socket.once('connection:success', (identity) => resolve({ socket, identity }));
    socket.once('connect_error', reject);
  });
}

export async function createScratchDatabase(baseUrl: string) {
  const name = `support_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TokenOptions {
  role?: 'user' | 'admin';
  sub?: string;
  claims?: Record<string, unknown>;
  secret?: string;
  expiresIn?: string | number;
}

export async function mintToken(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ role: options.role ?? 'user', ...options.claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub ?? randomUUID())
    .setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  else jwt.setExpirationTime('1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** A user or admin with a stable id and a token, for readable tests. */
export async function person(role: 'user' | 'admin', claims: Record<string, unknown> = {}) {
  const id = randomUUID();
  return { id, token: await mintToken({ role, sub: id, claims }) };
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** fetch against the test server, answering status and parsed JSON. */
export async function request(
  server: TestServer,
  path: string,
  init: { method?: string; token?: string; guestId?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.guestId) headers['x-guest-id'] = init.guestId;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(server.url + path, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the test sees the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Waits for one event, failing after a timeout instead of hanging the test. */
export function nextEvent<T = any>(socket: Socket, event: string, timeoutMs = 3_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Resolves true if the event arrives within the window, false if it does not. */
export function eventArrives(socket: Socket, event: string, windowMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const handler = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      socket.off(event, handler);
      resolve(false);
    }, windowMs);
    socket.once(event, handler);
  });
}
