import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A link in an email that works without signing in: its token is what it names (the address
 * to unsubscribe) and an HMAC of it, so nobody can make one for an address they were not
 * mailed at. Each use has its own key, derived from the server secret.
 */
export interface EmailTokens {
  issue(subject: string): string;
  /** What a genuine token names (lowercased), or undefined. */
  read(token: unknown): string | undefined;
}

export function createEmailTokens(secret: string, use: 'email-unsubscribe'): EmailTokens {
  const key = createHmac('sha256', secret).update(use).digest();
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    issue(subject) {
      const body = Buffer.from(subject.toLowerCase()).toString('base64url');
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
