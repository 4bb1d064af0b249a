import { attachmentsOfMessages } from '../db/attachments.js';
import type { ConversationRow } from '../db/schema.js';
import { toAttachment } from './attachment-links.js';
import type { Attachment } from './attachments.schema.js';
import { withCodesForOwner } from './codes-for-owner.js';
import type { Context, Principal } from './context.js';
import type { Message } from './messages.schema.js';

/**
 * File messages get their files, with fresh signed links. One query for a page, and none for
 * a page without a file message (nearly all). A message that already carries its files (one
 * just sent, told live) is left as it is.
 */
export async function withAttachments<M extends Pick<Message, 'id' | 'messageType' | 'attachments'>>(ctx: Pick<Context, 'db' | 'files'>, messages: M[]): Promise<M[]> {
  const ids = messages.filter((m) => m.messageType === 'file' && !m.attachments).map((m) => m.id);
  if (ids.length === 0) return messages;
  const byMessage = new Map<string, Attachment[]>();
  for (const row of await attachmentsOfMessages(ctx.db, ids)) {
    const list = byMessage.get(row.message_id!) ?? [];
    list.push(toAttachment(row, ctx.files));
    byMessage.set(row.message_id!, list);
  }
  return messages.map((m) => (m.messageType === 'file' && !m.attachments ? { ...m, attachments: byMessage.get(m.id) ?? [] } : m));
}

/** Every read path's messages, as the caller may see them: codes for their owner, files with links. */
export async function presentMessages(
  ctx: Pick<Context, 'db' | 'authCodes' | 'files'> & { principal: Principal },
  conversation: Pick<ConversationRow, 'user_id' | 'guest_id'>,
  messages: Message[],
): Promise<Message[]> {
  return withAttachments(ctx, await withCodesForOwner(ctx, conversation, messages));
}
