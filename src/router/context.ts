import type { TokenVerifier } from '../auth/jwt.js';
import { InvalidTokenError } from '../auth/jwt.js';
import type { AuthCodes } from '../auth/auth-codes.js';
import type { GuestIds } from '../auth/guest-id.js';
import type { Db } from '../db/connect.js';
import { upsertProfile } from '../db/users.js';
import type { DomainEvents } from './events.js';
import type { Limits } from './limits.js';
import { TRPCError } from '@trpc/server';

/** Who is calling, as proved by a verified JWT or a server-issued guest id. */
export type Principal =
  | { type: 'user'; id: string; tokenExpiresAt: number }
  | { type: 'admin'; id: string; tokenExpiresAt: number }
  | { type: 'guest'; id: string };

/** Long-lived things every procedure may use, built once per process. */
export interface Services {
  db: Db;
  /** Events this process caused, emitted after commit: the sockets' fan-out listens here. */
  events: DomainEvents;
  /** Every replica's events (this one's and, with Redis, the others'): SSE subscriptions listen here. */
  feed: DomainEvents;
  guestIds: GuestIds;
  verifyToken: TokenVerifier;
  limits: Limits;
  authCodes: AuthCodes;
}

export interface Context extends Services {
  principal: Principal | null;
  /** Why the presented credentials did not make a principal (a guest id we never issued). */
  credentialProblem?: string;
  /** The transport connection making the call (a socket id), for fan-out decisions. */
  connectionId?: string;
  /** The client's network address, as far as configured proxies can be trusted. */
  clientAddress?: string;
}

export type ConnectionMeta = Pick<Context, 'connectionId' | 'clientAddress'>;

export interface Credentials {
  token?: string | undefined;
  guestId?: string | undefined;
}

/** Transport-free: tests and the socket layer build contexts with a known principal. */
export function createContextInner(services: Services, principal: Principal | null, extra: Partial<Context> = {}): Context {
  return { ...services, ...extra, principal };
}

/**
 * Resolves credentials into a context. A present token must verify: a bad one is refused,
 * never downgraded to a guest. Verified profiles are upserted here, once per request or
 * socket connection, not once per message.
 */
export async function createContext(services: Services, credentials: Credentials, meta: ConnectionMeta = {}): Promise<Context> {
  if (credentials.token !== undefined) {
    const token = await services.verifyToken(credentials.token).catch((error: unknown) => {
      if (error instanceof InvalidTokenError) throw new TRPCError({ code: 'UNAUTHORIZED', message: error.message });
      throw error;
    });
    await upsertProfile(services.db, {
      id: token.sub,
      role: token.role,
      email: token.email,
      firstName: token.firstName,
      lastName: token.lastName,
    });
    return createContextInner(services, { type: token.role, id: token.sub, tokenExpiresAt: token.exp }, meta);
  }
  if (credentials.guestId !== undefined) {
    if (services.guestIds.verify(credentials.guestId)) {
      return createContextInner(services, { type: 'guest', id: credentials.guestId }, meta);
    }
    return createContextInner(services, null, { ...meta, credentialProblem: 'Unknown guest id' });
  }
  return createContextInner(services, null, meta);
}
