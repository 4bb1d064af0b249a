import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { clientAddressOf } from '../auth/client-address.js';
import { createContext, type Services } from '../router/context.js';
import { reportError } from '../router/errors.js';
import { toIdentity } from '../router/identity.js';
import { createCaller } from '../router/index.js';
import { registerConversationHandlers } from './conversations.js';
import {
  rooms,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js';
import { startFanout, type SupportNamespace } from './fanout.js';
import { registerMessageHandlers } from './messages.js';

export type SupportSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface RealtimeOptions {
  corsOrigins: '*' | string[];
  trustProxyHops: number;
  onUnexpectedError?: (error: unknown) => void;
}

export const MAX_SOCKET_FRAME = 64 * 1024;
const MAX_TIMER = 2 ** 31 - 1;

/** Socket.IO on namespace /support, attached to the HTTP server (never listens itself). */
export function createRealtime(httpServer: HttpServer, services: Services, options: RealtimeOptions) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
    cors: { origin: options.corsOrigins === '*' ? true : options.corsOrigins, credentials: false },
    maxHttpBufferSize: MAX_SOCKET_FRAME,
    serveClient: false,
  });
  const nsp: SupportNamespace = io.of('/support');
  const onUnexpected = options.onUnexpectedError ?? ((error) => console.error(error));

  // Who is connecting: a bad token is refused here; no or unknown guest id gets a fresh one.
  nsp.use(async (socket, next) => {
    try {
      const auth = socket.handshake.auth as Record<string, unknown>;
      // A token of the wrong type is still a present token: it fails verification, never becomes a guest.
      const credentials = {
        token: auth.token == null ? undefined : typeof auth.token === 'string' ? auth.token : '',
        guestId: typeof auth.guestId === 'string' ? auth.guestId : undefined,
      };
      const context = await createContext(services, credentials, {
        connectionId: socket.id,
        clientAddress: clientAddressOf(socket.request, options.trustProxyHops),
      });
      const identity = await createCaller(context).identity.connect();
      const principal = context.principal ?? { type: 'guest' as const, id: identity.guestId! };
      socket.data.principal = principal;
      socket.data.caller = createCaller({ ...context, principal, credentialProblem: undefined });
      next();
    } catch (error) {
      const report = reportError(error);
      if (report.unexpected) onUnexpected(error);
      next(Object.assign(new Error(report.body.message), { data: { code: report.code, status: report.status } }));
    }
  });

  nsp.on('connection', (socket) => {
    const { principal } = socket.data;
    if (principal.type === 'guest') socket.join(rooms.guest(principal.id));
    else socket.join(rooms.user(principal.id));
    if (principal.type === 'admin') socket.join(rooms.admins);

    registerConversationHandlers(socket, onUnexpected);
    registerMessageHandlers(socket, onUnexpected);
    disconnectWhenTokenExpires(socket);

    socket.emit('connection:success', toIdentity(principal));
  });

  const stopFanout = startFanout(nsp, services.events);
  return {
    io,
    nsp,
    close: async () => {
      stopFanout();
      await io.close();
    },
  };
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
