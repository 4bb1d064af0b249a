import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Guest ids have the documented shape `guest_<unix ms>_<suffix>`. The suffix is 80 random
 * bits followed by a 128-bit HMAC of everything before it, so an id proves by itself that
 * this server issued it: nobody without GUEST_SECRET can make one, and no table lookup is
 * needed to check it.
 */
const RANDOM_HEX = 20;
const MAC_HEX = 32;
const SHAPE = new RegExp(`^guest_(\\d{13})_([0-9a-f]{${RANDOM_HEX}})([0-9a-f]{${MAC_HEX}})$`);

export interface GuestIds {
  mint(now?: number): string;
  /** True only for ids this server issued, compared in constant time. */
  verify(candidate: unknown): candidate is string;
}

export function createGuestIds(secret: string): GuestIds {
  const mac = (body: string) => createHmac('sha256', secret).update(body).digest('hex').slice(0, MAC_HEX);
  return {
    mint(now = Date.now()) {
      const body = `guest_${now}_${randomBytes(RANDOM_HEX / 2).toString('hex')}`;
      return body + mac(body);
    },
    verify(candidate): candidate is string {
      if (typeof candidate !== 'string') return false;
      const match = SHAPE.exec(candidate);
      if (!match) return false;
      const body = candidate.slice(0, candidate.length - MAC_HEX);
      return timingSafeEqual(Buffer.from(mac(body)), Buffer.from(match[3]!));
    },
  };
}
