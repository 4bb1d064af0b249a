import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'file' | 'thumbnail' | 'upload';

export interface SignedLink {
  expires: number;
  signature: string;
}

/**
 * Short-lived signed links for attachments: an HMAC of (purpose, id, expiry) under a key of
 * their own, derived from the server secret. A link proves the server issued it recently; the
 * download still checks who is asking (see attachments.open).
 */
export class LinkSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'support-chat', 'attachment-links', 32));
  }

  sign(purpose: LinkPurpose, id: string, expires: number): SignedLink {
    return { expires, signature: this.mac(purpose, id, expires) };
  }

  /** True for an unexpired link this server signed for exactly this purpose and id. */
  verify(purpose: LinkPurpose, id: string, link: SignedLink, now = Date.now()): 'valid' | 'expired' | 'invalid' {
    const expected = Buffer.from(this.mac(purpose, id, link.expires));
    const given = Buffer.from(link.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return link.expires * 1000 < now ? 'expired' : 'valid';
  }

  private mac(purpose: LinkPurpose, id: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${id.toLowerCase()}\n${expires}`).digest('base64url');
  }
}
