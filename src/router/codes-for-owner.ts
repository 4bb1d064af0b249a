import { findAuthCodesOfMessages, type AuthCodeState } from '../db/auth-codes.js';
import type { ConversationRow } from '../db/schema.js';
import type { Context, Principal } from './context.js';
import type { Message } from './messages.schema.js';
import { isConversationOwner } from './trpc.js';

/** What the owner reads in place of the placeholder once a code can no longer be used. */
const SPENT_TEXT: Record<Exclude<AuthCodeState, 'live'>, string> = {
  used: 'This verification code has been used.',
  expired: 'This verification code has expired.',
  burnt: 'This verification code is no longer valid.',
};

/**
 * Every read path the owner has (history, sync, details, SSE) passes its messages through
 * here: an `auth_code` message shows its owner the digits while the code is live, and what
 * became of it after. Anyone else, agents included, keeps the stored placeholder. Pages
 * without an `auth_code` message (nearly all) cost nothing.
 */
export async function withCodesForOwner(
  ctx: Pick<Context, 'db' | 'authCodes'> & { principal: Principal },
  conversation: Pick<ConversationRow, 'user_id' | 'guest_id'>,
  messages: Message[],
): Promise<Message[]> {
  const announcements = messages.filter((m) => m.messageType === 'auth_code').map((m) => m.id);
  if (announcements.length === 0 || !isConversationOwner(ctx.principal, conversation)) return messages;
  const codes = new Map((await findAuthCodesOfMessages(ctx.db, announcements)).map((c) => [c.message_id, c]));
  return messages.map((m) => {
    const code = m.messageType === 'auth_code' ? codes.get(m.id) : undefined;
    if (!code) return m;
    if (code.state !== 'live') return { ...m, message: SPENT_TEXT[code.state] };
    const digits = code.code_sealed === null ? undefined : ctx.authCodes.open(code.code_sealed, code.code_hash);
    return digits === undefined ? m : { ...m, message: digits };
  });
}
