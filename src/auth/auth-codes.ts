import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Six-digit onboarding codes. Only a keyed hash is ever stored, so a database dump does
 * not reveal live codes (a plain hash of six digits would fall to a million guesses).
 */
export interface AuthCodes {
  ttlSeconds: number;
  /** When set, a verification must name the code's user or guest: the stronger bound. */
  requireOwner: boolean;
  generate(): string;
  hash(code: string): string;
  matches(code: string, storedHash: string): boolean;
}

export function createAuthCodes(secret: string, ttlSeconds: number, requireOwner: boolean): AuthCodes {
  const key = createHmac('sha256', secret).update('onboarding-auth-code').digest();
  const hash = (code: string) => createHmac('sha256', key).update(code).digest('hex');
  return {
    ttlSeconds,
    requireOwner,
    generate: () => randomInt(0, 1_000_000).toString().padStart(6, '0'),
    hash,
    matches: (code, storedHash) => {
      const a = Buffer.from(hash(code), 'hex');
      const b = Buffer.from(storedHash, 'hex');
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}
