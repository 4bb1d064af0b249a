import type { EmailTokens } from '../auth/email-tokens.js';

/**
 * What every email we send automatically carries: a one-click unsubscribe link for its
 * address (RFC 8058: `List-Unsubscribe` and `List-Unsubscribe-Post`), signed so it works
 * without signing in, and `Auto-Submitted` (RFC 3834), so out-of-office responders skip it.
 */
export function unsubscribeLink(publicUrl: string, tokens: EmailTokens, address: string): { url: string; headers: Record<string, string> } {
  const url = `${publicUrl}/api/support/email/unsubscribe?token=${encodeURIComponent(tokens.issue(address))}`;
  return {
    url,
    headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Auto-Submitted': 'auto-generated' },
  };
}
