import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { createListen, type Listeners } from './acks.js';
import { coalesceWrites } from './coalesce-writes.js';
import { clientAddressOf } from '../auth/client-address.js';
import { createContext, type ConnectionMeta, type Principal, type Services } from '../router/context.js';
import { reportError } from '../router/errors.js';
import { toIdentity } from '../router/identity.js';
import { createCaller } from '../router/index.js';
import { conversationListeners } from './conversations.js';
import {
  rooms,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js';
import { trackCustomerPresence } from './customer-presence.js';
import { startFanout, type SupportNamespace } from './fanout.js';
import { messageListeners } from './messages.js';
import { callListeners } from './calls.js';

export type SupportSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface RealtimeOptions {
  corsOrigins: '*' | string[];
  trustProxyHops: number;
  onUnexpectedError: (error: unknown) => void;
  log: Logger;
  metrics: Metrics;
  isDraining: () => boolean;
  /** The Redis streams adapter when several replicas share rooms. */
  adapter?: ServerOptions['adapter'];
  /** True with a cluster adapter: domain events are then shared with the other replicas. */
  clustered?: boolean;
}

export const MAX_SOCKET_FRAME = 64 * 1024;
const MAX_TIMER = 2 ** 31 - 1;

/** Socket.IO on namespace /support, attached to the HTTP server (never listens itself). */
export function createRealtime(httpServer: HttpServer, services: Services, options: RealtimeOptions) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
    cors: { origin: options.corsOrigins === '*' ? true : options.corsOrigins, credentials: false },
    maxHttpBufferSize: MAX_SOCKET_FRAME,
    serveClient: false,
    ...(options.adapter && { adapter: options.adapter }),
    // A browser on a site outside CORS_ORIGINS is refused at the handshake: the cors option
    // alone does not stop a WebSocket upgrade.
    allowRequest: (req, callback) => callback(null, originAllowed(req.headers.origin, options.corsOrigins)),
  });
  coalesceWrites(io);
  const nsp: SupportNamespace = io.of('/support');
  const onUnexpected = options.onUnexpectedError;
  const inFlight = { count: 0 };
  const listen = createListen({ onUnexpected, metrics: options.metrics, isDraining: options.isDraining, inFlight });
  // Built once: every socket gets the same listener functions (see createListen).
  const listeners: Listeners = [...conversationListeners(listen), ...messageListeners(listen), ...callListeners(listen)];
  const presence = trackCustomerPresence(nsp, services.db, options.log);
  // One function for every socket, as the listeners are (no closure per idle connection): the
  // procedure calls it on its context, whose connectionId names the socket.
  const follow = function (this: ConnectionMeta, conversationId: string) {
    if (this.connectionId) nsp.sockets.get(this.connectionId)?.join(rooms.conversation(conversationId));
  };
  const onDisconnect = function (this: SupportSocket, reason: string) {
    const { principal } = this.data;
    presence.left(principal);
    options.metrics.connectedSockets.dec({ type: principal.type });
    options.log.info({ reqId: this.id, ...loggedIdentity(principal), reason, ms: Date.now() - this.handshake.issued }, 'socket disconnected');
  };

  // Who is connecting: a bad token is refused here; no or unknown guest id gets a fresh one.
  nsp.use(async (socket, next) => {
    try {
      const auth = socket.handshake.auth as Record<string, unknown>;
      // Handed over as found: createContext refuses a token or guest id of the wrong type.
      const context = await createContext(services, { token: auth.token, guestId: auth.guestId }, {
        connectionId: socket.id,
        clientAddress: clientAddressOf(socket.request, options.trustProxyHops),
      });
      const identity = await createCaller(context).identity.connect();
      const principal = context.principal ?? { type: 'guest' as const, id: identity.guestId! };
      socket.data.principal = principal;
      socket.data.context = {
        ...context,
        principal,
        credentialProblem: undefined,
        // The procedure decides when: after its access check, before its catch-up read.
        follow,
      };
      next();
    } catch (error) {
      const report = reportError(error);
      if (report.unexpected) onUnexpected(error);
      const { errors } = report.body;
      next(Object.assign(new Error(report.body.message), { data: { code: report.code, status: report.status, ...(errors && { errors }) } }));
    }
  });

  nsp.on('connection', (socket) => {
    const { principal } = socket.data;
    if (principal.type === 'guest') socket.join(rooms.guest(principal.id));
    else socket.join(rooms.user(principal.id));
    if (principal.type === 'admin') socket.join(rooms.admins);

    for (const [event, listener] of listeners) socket.on(event, listener as never);
    disconnectWhenTokenExpires(socket);

    options.metrics.connectedSockets.inc({ type: principal.type });
    options.log.info({ reqId: socket.id, ...loggedIdentity(principal), transport: socket.conn.transport.name }, 'socket connected');
    socket.once('disconnect', onDisconnect);

    socket.emit('connection:success', toIdentity(principal));
  });

  const stopFanout = startFanout(nsp, services.events, services.feed, options.clustered ?? false);
  return {
    io,
    nsp,
    inFlight: () => inFlight.count,
    /** Whether a customer has a socket open on any replica (the follow-up email asks). */
    isCustomerConnected: presence.isConnected,
    close: async () => {
      stopFanout();
      await io.close();
      await presence.close();
    },
  };
}

/** Guest ids are credentials: only their type (and the socket id) is logged. */
function loggedIdentity(principal: Principal) {
  return principal.type === 'guest' ? { type: 'guest' } : { type: principal.type, userId: principal.id };
}

function originAllowed(origin: string | undefined, allowed: '*' | string[]): boolean {
  // Non-browser clients send no Origin; CORS is a browser protection.
  return allowed === '*' || origin === undefined || allowed.includes(origin);
}

function disconnectWhenTokenExpires(socket: SupportSocket): void {
  const { principal } = socket.data;
  if (principal.type === 'guest') return;
  const delay = Math.min(MAX_TIMER, Math.max(0, principal.tokenExpiresAt * 1000 - Date.now()));
  const timer = setTimeout(() => {
    socket.emit('message:error', { error: 'Token expired', event: 'connection', code: 'TOKEN_EXPIRED' });
    socket.disconnect(true);
  }, delay);
  socket.once('disconnect', () => clearTimeout(timer));
}
