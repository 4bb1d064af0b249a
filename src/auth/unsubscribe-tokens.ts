import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one-click unsubscribe link's token: the address and an HMAC of it, so the link works
 * without signing in and nobody can unsubscribe an address they were not mailed at. The key
 * is derived from the server secret for this use alone.
 */
export interface UnsubscribeTokens {
  issue(address: string): string;
  /** The address a genuine token names, or undefined. */
  read(token: unknown): string | undefined;
}

export function createUnsubscribeTokens(secret: string): UnsubscribeTokens {
  const key = createHmac('sha256', secret).update('email-unsubscribe').digest();
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    issue(address) {
      const body = Buffer.from(address.toLowerCase()).toString('base64url');
      return `${body}.${mac(body)}`;
    },
    read(token) {
      if (typeof token !== 'string' || token.length > 1000) return undefined;
      const [body, signature, extra] = token.split('.');
      if (!body || !signature || extra !== undefined) return undefined;
      const expected = Buffer.from(mac(body));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      return Buffer.from(body, 'base64url').toString('utf8');
    },
  };
}
