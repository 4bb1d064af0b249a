import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { createAuthCodes } from './auth/auth-codes.js';
import { createReplyAddresses } from './auth/reply-addresses.js';
import { createEmailTokens } from './auth/email-tokens.js';
import { createGuestIds } from './auth/guest-id.js';
import { createTokenVerifier } from './auth/jwt.js';
import { createAttachmentFiles } from './files/attachment-files.js';
import { sweepAttachments } from './router/attachments.js';
import { endOverdueCalls } from './router/calls.js';
import type { Config } from './config.js';
import { foldConversationCounts } from './db/inbox.js';
import { messageWriterFor } from './db/message-writer.js';
import { poolOf, type Db } from './db/connect.js';
import { createInboundSmtp, type InboundSmtp } from './inbound/server.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { startOutbox } from './outbox/index.js';
import { createRealtime } from './realtime/server.js';

type Realtime = ReturnType<typeof createRealtime>;
import { createRestApp } from './rest/app.js';
import type { Services } from './router/context.js';
import { DomainEvents } from './router/events.js';
import { Limits } from './router/limits.js';

export interface App {
  httpServer: Server;
  /** The Socket.IO server, for tests and tools that look at live sockets. */
  io: Realtime['io'];
  services: Services;
  log: Logger;
  metrics: Metrics;
  /** The SMTP listener for replies to follow-up emails, when configured; the caller listens, as for HTTP. */
  inbound?: InboundSmtp;
  /**
   * Graceful stop: readiness turns 503, no new connections or events are taken, events
   * already being handled finish and are acknowledged, then every socket is closed so its
   * client reconnects to another replica. The caller closes the database afterwards.
   */
  drain(deadlineMs?: number): Promise<void>;
  /** Immediate stop of sockets, HTTP and Redis (tests, and the end of drain). */
  close(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
}

/** Wires the transports around one set of services. Never listens: the caller does. */
export function createApp(config: Config, db: Db, options: AppOptions = {}): App {
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = createMetrics(poolOf(db));
  messageWriterFor(db, { lanes: config.database.kind === 'postgres' ? config.messageWriteLanes : 1 });
  // One connection counts limits; the Socket.IO adapter blocks on stream reads, so it gets its own.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  const adapterRedis = redis?.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  for (const client of [redis, adapterRedis]) client?.on('error', (error) => log.warn({ err: error }, 'redis error'));

  const services: Services = {
    db,
    events: new DomainEvents(),
    feed: new DomainEvents(),
    guestIds: createGuestIds(config.guestSecret),
    verifyToken: createTokenVerifier(config.jwt),
    limits: new Limits(config.limits, { redis, onRejected: (name) => metrics.rateLimited.inc({ limit: name }) }),
    authCodes: createAuthCodes(config.guestSecret, config.authCodes.ttlSeconds, config.authCodes.requireOwner),
    files: createAttachmentFiles(config.attachments, config.guestSecret),
    webhookTargets: { allowPrivate: config.webhooks.allowPrivate },
    unsubscribeTokens: createEmailTokens(config.guestSecret, 'email-unsubscribe'),
    calls: config.calls,
    emailEnabled: !!config.email,
  };
  // Uploads never sent are deleted after their lifetime, and removals the store failed are
  // retried: looked for every 10 minutes, by every replica (each row is taken by one).
  const sweeper = setInterval(() => {
    sweepAttachments(services).catch((error: unknown) => log.warn({ err: error }, 'attachment sweep failed'));
  }, 10 * 60_000);
  sweeper.unref();
  // The inbox's counters take in what changed every 10 s; each replica folds (nothing to fold
  // costs one empty DELETE), and a count is exact between folds too.
  const countsFolder = setInterval(() => {
    foldConversationCounts(db).catch((error: unknown) => log.warn({ err: error }, 'conversation counts fold failed'));
  }, 10_000);
  countsFolder.unref();
  // Rings nobody answered and calls a side left end here: every replica looks every few
  // seconds (an indexed read of live calls), and each call's end is taken by one.
  const callSweeper = setInterval(() => {
    endOverdueCalls(services).catch((error: unknown) => log.warn({ err: error }, 'call sweep failed'));
  }, Math.min(5_000, config.calls.ringSeconds * 250));
  callSweeper.unref();
  services.events.on('message.created', ({ message }) => metrics.messagesStored.inc({ sender_type: message.senderType }));

  const state = { draining: false };
  const onUnexpectedError = (error: unknown) => log.error({ err: error }, 'unexpected error');
  const transport = {
    corsOrigins: config.corsOrigins,
    trustProxyHops: config.trustProxyHops,
    onUnexpectedError,
    log,
    metrics,
    isDraining: () => state.draining,
    production: config.production,
  };
  const rest = createRestApp(services, transport);
  const httpServer = createServer(rest.callback());
  // Slow-loris protection: a client must send its headers and body in bounded time.
  httpServer.headersTimeout = 20_000;
  // Long enough for a 10 MB upload on a slow line; the upload is refused past its size anyway.
  httpServer.requestTimeout = 120_000;
  httpServer.on('clientError', answerClientError);
  const realtime = createRealtime(httpServer, services, {
    ...transport,
    adapter: adapterRedis ? createAdapter(adapterRedis) : undefined,
    clustered: !!adapterRedis,
  });
  const replyAddresses = config.inbound && createReplyAddresses(config.guestSecret, config.inbound.domain);
  const inbound = replyAddresses && createInboundSmtp(services, replyAddresses, log);
  // Webhooks and follow-up emails leave from the outbox; its workers start in the background,
  // as the HTTP server needs nothing from them.
  const outboxDeps = { db, files: services.files, isConnected: realtime.isCustomerConnected, unsubscribeTokens: services.unsubscribeTokens, replyAddresses };
  const outbox = startOutbox(config, outboxDeps, log).catch(
    (error: unknown) => {
      log.error({ err: error }, 'the outbox workers did not start');
      return undefined;
    },
  );

  async function close() {
    clearInterval(sweeper);
    clearInterval(countsFolder);
    clearInterval(callSweeper);
    // Replies under way are posted while the sockets can still be told of them.
    await inbound?.close();
    // Then the outbox, while sockets still answer whether a customer is connected.
    await (await outbox)?.stop();
    await realtime.close(); // also closes the HTTP server
    httpServer.closeAllConnections();
    await Promise.all([redis, adapterRedis].map((client) => client?.quit().catch(() => client.disconnect())));
  }

  return {
    httpServer,
    io: realtime.io,
    services,
    log,
    metrics,
    inbound,
    close,
    async drain(deadlineMs = 25_000) {
      state.draining = true;
      const deadline = Date.now() + deadlineMs;
      httpServer.close(); // stop accepting; open connections finish their requests
      httpServer.closeIdleConnections();
      while (realtime.inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      log.info({ sockets: realtime.nsp.sockets.size }, 'draining: closing sockets');
      await close();
    },
  };
}

/**
 * Requests Node refuses before Koa sees them (headers or URL over the limit, broken HTTP,
 * too slow) still get the spec's envelope instead of a bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message = status === 431 ? 'Request headers are too large' : status === 408 ? 'Request timed out' : 'Bad request';
  const body = JSON.stringify({ success: false, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
