import type { z } from 'zod';
import { listMessagesBySeq } from '../db/messages.js';
import type { ConversationRow, MessageRow } from '../db/schema.js';
import type { Context, Principal } from './context.js';
import { MAX_SEQ, toMessage, type ListMessagesInput } from './messages.schema.js';
import { presentMessages } from './present-messages.js';

/**
 * Seq is gap-free, so every page is a seq range. A catch-up page (`after`) is not cut at the
 * conversation row's `last_seq`: a join reads the row before its connection follows the live
 * stream and the page after, and a message committed in between must be in the page. So it
 * reads one message past the page, which also says whether there is more.
 */
export async function pageOfMessages(
  ctx: Pick<Context, 'db' | 'authCodes' | 'files'> & { principal: Principal; conversation: ConversationRow },
  input: z.output<typeof ListMessagesInput>,
) {
  const { limit } = input;
  let total = ctx.conversation.last_seq;
  let rows: MessageRow[];
  let hasMore: boolean;
  if (input.after !== undefined) {
    const from = input.after + 1;
    const to = Math.min(MAX_SEQ, input.after + limit + 1);
    rows = from <= to ? await listMessagesBySeq(ctx.db, ctx.conversation.id, from, to) : [];
    total = Math.max(total, rows.at(-1)?.seq ?? 0);
    hasMore = rows.length > limit;
    if (hasMore) rows = rows.slice(0, limit);
  } else {
    const to = input.before !== undefined ? Math.min(total, input.before - 1) : total - limit * ((input.page ?? 1) - 1);
    const from = Math.max(1, to - limit + 1);
    rows = to >= from ? await listMessagesBySeq(ctx.db, ctx.conversation.id, from, to) : [];
    hasMore = from > 1 && to >= from;
  }
  return {
    messages: await presentMessages(ctx, ctx.conversation, rows.map(toMessage)),
    pagination: { total, page: input.page ?? 1, limit, totalPages: Math.ceil(total / limit), hasMore },
  };
}
