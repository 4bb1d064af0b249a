import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The follow-up email's Reply-To, `reply+<token>@<domain>`: the token is the conversation id
 * and a MAC of it, so only an address this server mailed out names a conversation, and
 * nothing can be made to name another. It names the conversation only: who may post through
 * it is decided when the email arrives. The key is derived from the server secret for this
 * use alone.
 *
 * Lowercase hex, because mail servers may lowercase a local part; 32 characters of id and 20
 * of MAC (80 bits) make a local part of 58, within the 64 RFC 5321 allows.
 */
export interface ReplyAddresses {
  address(conversationId: string): string;
  /** The conversation a genuine reply address names, or undefined. */
  read(address: string): string | undefined;
}

const MAC_HEX_LENGTH = 20;
const LOCAL_PART = new RegExp(`^reply\\+([0-9a-f]{32})([0-9a-f]{${MAC_HEX_LENGTH}})$`);

export function createReplyAddresses(secret: string, domain: string): ReplyAddresses {
  const key = createHmac('sha256', secret).update('email-reply-address').digest();
  const mac = (compactId: string) => createHmac('sha256', key).update(compactId).digest('hex').slice(0, MAC_HEX_LENGTH);
  const ownDomain = domain.toLowerCase();
  return {
    address(conversationId) {
      const compactId = conversationId.toLowerCase().replace(/-/g, '');
      return `reply+${compactId}${mac(compactId)}@${ownDomain}`;
    },
    read(address) {
      const at = address.lastIndexOf('@');
      if (at < 0 || address.slice(at + 1).toLowerCase() !== ownDomain) return undefined;
      const match = LOCAL_PART.exec(address.slice(0, at).toLowerCase());
      if (!match) return undefined;
      const [, compactId, given] = match as unknown as [string, string, string];
      if (!timingSafeEqual(Buffer.from(mac(compactId)), Buffer.from(given))) return undefined;
      return compactId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    },
  };
}
