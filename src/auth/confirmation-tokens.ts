import { createHash, randomBytes } from 'node:crypto';

/**
 * The guest-email confirmation link's token: random, so it says nothing of the guest (whose
 * id is their credential) or the address; the database keeps only its hash and finds the
 * guest by it. Whoever opens the link confirms: that is its whole power.
 */
export const hashConfirmationToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function newConfirmationToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: hashConfirmationToken(token) };
}
