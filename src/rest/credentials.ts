import type { IncomingHttpHeaders } from 'node:http';
import { TRPCError } from '@trpc/server';
import type { PresentedCredentials } from '../router/context.js';

/**
 * Users and admins send `Authorization: Bearer <jwt>`; guests send `X-Guest-Id` (or
 * `guestId` in a JSON body). An Authorization header that is not a bearer token is
 * refused rather than ignored.
 */
export function credentialsFrom(headers: IncomingHttpHeaders, body?: unknown): PresentedCredentials {
  const authorization = headers.authorization;
  let token: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authorization must be "Bearer <token>"' });
    token = match[1];
  }
  const header = headers['x-guest-id'];
  // Handed over as found: createContext refuses a body guestId of the wrong type.
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) && Object.hasOwn(body, 'guestId') ? (body as { guestId: unknown }).guestId : undefined;
  return { token, guestId: typeof header === 'string' ? header : fromBody };
}

