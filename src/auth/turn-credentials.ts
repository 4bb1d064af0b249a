import { createHmac } from 'node:crypto';

/** A TURN username and password that stop working at `expiresAt` (coturn's `use-auth-secret`). */
export interface TurnCredentials {
  username: string;
  credential: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * The TURN REST API scheme (draft-uberti-behave-turn-rest, what coturn's `use-auth-secret`
 * checks): the username is `<expiry unix seconds>:<who>`, the password the base64 HMAC-SHA1
 * of that username under the secret both sides share. The server never keeps a TURN
 * password, and a browser never sees the secret: what it gets is useless after the expiry.
 */
export function mintTurnCredentials(secret: string, who: string, ttlSeconds: number, nowMs = Date.now()): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${who}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}
