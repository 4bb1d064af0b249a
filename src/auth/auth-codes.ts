import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Six-digit onboarding codes. Only a keyed hash is ever stored, so a database dump does
 * not reveal live codes (a plain hash of six digits would fall to a million guesses).
 * For the owner's history the digits are also kept sealed (AES-256-GCM under a key of
 * their own): a dump without the server secret reveals nothing either way.
 */
export interface AuthCodes {
  ttlSeconds: number;
  /** When set, a verification must name the code's user or guest: the stronger bound. */
  requireOwner: boolean;
  generate(): string;
  hash(code: string): string;
  matches(code: string, storedHash: string): boolean;
  /** The digits encrypted and bound to their hash (a sealed value copied to another row does not open). */
  seal(code: string, codeHash: string): string;
  /** The digits, or undefined when the value was tampered with, moved, or sealed under another key. */
  open(sealed: string, codeHash: string): string | undefined;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createAuthCodes(secret: string, ttlSeconds: number, requireOwner: boolean): AuthCodes {
  const key = createHmac('sha256', secret).update('onboarding-auth-code').digest();
  // A separate key for sealing: the hash key never doubles as an encryption key.
  const sealKey = Buffer.from(hkdfSync('sha256', secret, 'support-chat', 'onboarding-auth-code-seal', 32));
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
    seal(code, codeHash) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv).setAAD(Buffer.from(codeHash));
      const body = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, codeHash) {
      const bytes = Buffer.from(sealed, 'base64');
      if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', sealKey, bytes.subarray(0, IV_BYTES))
          .setAAD(Buffer.from(codeHash))
          .setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
