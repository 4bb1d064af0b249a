import type { TokenVerifier } from '../auth/jwt.js';
import { InvalidTokenError } from '../auth/jwt.js';
import type { AuthCodes } from '../auth/auth-codes.js';
import type { EmailTokens } from '../auth/email-tokens.js';
import type { GuestIds } from '../auth/guest-id.js';
import type { Db } from '../db/connect.js';
import type { AttachmentFiles } from '../files/attachment-files.js';
import { ownerAddressOf } from '../db/email-follow-ups.js';
import { isErasedGuestPrepared } from '../db/prepared.js';
import { upsertProfile } from '../db/users.js';
import type { CallSettings } from '../net/ice-servers.js';
import type { DomainEvents } from './events.js';
import type { Limits } from './limits.js';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';

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
  /** Attachment bytes, links and the numbers of their rules. */
  files: AttachmentFiles;
  /** Which webhook URLs may be registered: private addresses only in development. */
  webhookTargets: { allowPrivate: boolean };
  /** Signs and reads the follow-up email's unsubscribe links. */
  unsubscribeTokens: EmailTokens;
  /** How calls connect (ICE servers, TURN credentials) and how long a ring or a lost side may wait. */
  calls: CallSettings;
  /** Whether SMTP is configured: emails to customers and agents go out only then. */
  emailEnabled: boolean;
}

export interface Context extends Services {
  principal: Principal | null;
  /** Why the presented credentials did not make a principal (a guest id we never issued). */
  credentialProblem?: string;
  /** The transport connection making the call (a socket id), for fan-out decisions. */
  connectionId?: string;
  /** The client's network address, as far as configured proxies can be trusted. */
  clientAddress?: string;
  /**
   * Puts this connection on a conversation's live stream (a socket joins its room), for the
   * transports that have one. A procedure calls it only after the access check, and before
   * reading what must meet the stream with nothing between the two (a join's catch-up page).
   */
  follow?: (conversationId: string) => void | Promise<void>;
}

export type ConnectionMeta = Pick<Context, 'connectionId' | 'clientAddress'>;

/**
 * Credentials as a transport found them (a socket's `auth`, a REST body's `guestId`), checked
 * here once for every transport. One of the wrong type is a 400 naming it: a guest id sent as
 * a number must not quietly become a new guest who has lost their conversation. `null` is
 * taken as absent, as `localStorage.getItem` answers for a first visit.
 */
export const CredentialsInput = z.object({
  token: z.string({ error: 'token must be a string' }).nullish(),
  guestId: z.string({ error: 'guestId must be a string' }).nullish(),
});
/** What a transport hands over, unchecked: CredentialsInput decides. */
export type PresentedCredentials = { [K in keyof z.input<typeof CredentialsInput>]?: unknown };

/** Transport-free: tests and the socket layer build contexts with a known principal. */
export function createContextInner(services: Services, principal: Principal | null, extra: Partial<Context> = {}): Context {
  return { ...services, ...extra, principal };
}

/**
 * Resolves credentials into a context. A present token must verify: a bad one is refused,
 * never downgraded to a guest. Verified profiles are upserted here, once per request or
 * socket connection, not once per message.
 */
export async function createContext(services: Services, presented: PresentedCredentials, meta: ConnectionMeta = {}): Promise<Context> {
  const parsed = CredentialsInput.safeParse(presented);
  if (!parsed.success) throw Object.assign(new TRPCError({ code: 'BAD_REQUEST', message: 'Validation failed' }), { issues: parsed.error.issues });
  const credentials = parsed.data;
  if (credentials.token != null) {
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
  if (credentials.guestId != null) {
    // A guest erased by a data request is refused like one we never issued.
    if (services.guestIds.verify(credentials.guestId) && !(await isErasedGuestPrepared(services.db, credentials.guestId))) {
      return createContextInner(services, { type: 'guest', id: credentials.guestId }, meta);
    }
    return createContextInner(services, null, { ...meta, credentialProblem: 'Unknown guest id' });
  }
  return createContextInner(services, null, meta);
}

/**
 * A customer replying by email. The reply address proved only which conversation (a token
 * the listener checked); the speaker is its owner, and only when the email is From the
 * address the owner has now, so a forwarded email does not post as them. An erased owner
 * has no address, and is refused like a stranger.
 */
export async function createEmailReplyContext(services: Services, conversationId: string, from: string | undefined): Promise<Context> {
  const owner = await ownerAddressOf(services.db, conversationId);
  // The email is a credential for this one call: nothing outlives it to expire.
  const principal: Principal | undefined = owner?.userId
    ? { type: 'user', id: owner.userId, tokenExpiresAt: Math.ceil(Date.now() / 1000) + 60 }
    : owner?.guestId
      ? { type: 'guest', id: owner.guestId }
      : undefined;
  if (!principal || !owner?.address || !from || owner.address.toLowerCase() !== from.toLowerCase()) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This sender may not reply to this conversation' });
  }
  return createContextInner(services, principal);
}
