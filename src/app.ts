import { createServer, type Server } from 'node:http';
import { createAuthCodes } from './auth/auth-codes.js';
import { createGuestIds } from './auth/guest-id.js';
import { createTokenVerifier } from './auth/jwt.js';
import type { Config } from './config.js';
import type { Db } from './db/connect.js';
import { createRealtime } from './realtime/server.js';
import { createRestApp } from './rest/app.js';
import type { Services } from './router/context.js';
import { DomainEvents } from './router/events.js';
import { Limits } from './router/limits.js';

export interface App {
  httpServer: Server;
  services: Services;
  /** Stops sockets and HTTP; the caller owns the database. */
  close(): Promise<void>;
}

/** Wires the transports around one set of services. Never listens: the caller does. */
export function createApp(config: Config, db: Db, options: { onUnexpectedError?: (error: unknown) => void } = {}): App {
  const services: Services = {
    db,
    events: new DomainEvents(),
    guestIds: createGuestIds(config.guestSecret),
    verifyToken: createTokenVerifier(config.jwt),
    limits: new Limits(config.limits),
    authCodes: createAuthCodes(config.guestSecret, config.authCodes.ttlSeconds, config.authCodes.requireOwner),
  };
  const transport = { corsOrigins: config.corsOrigins, trustProxyHops: config.trustProxyHops, ...options };
  const rest = createRestApp(services, transport);
  const httpServer = createServer(rest.callback());
  httpServer.headersTimeout = 20_000;
  httpServer.requestTimeout = 30_000;
  const realtime = createRealtime(httpServer, services, transport);

  return {
    httpServer,
    services,
    async close() {
      await realtime.close(); // also closes the HTTP server
      httpServer.closeAllConnections();
    },
  };
}
