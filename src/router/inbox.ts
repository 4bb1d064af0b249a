import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { findConversation } from '../db/conversations.js';
import { changeConversation, databaseNow, stepReadPosition, inboxCounts, listInbox, type ConversationChange, type InboxCursor, type InboxRow } from '../db/inbox.js';
import type { ConversationRow } from '../db/schema.js';
import { findProfiles } from '../db/users.js';
import type { Context } from './context.js';
import { toConversation } from './conversations.schema.js';
import { invalidInput } from './errors.js';
import type { ConversationChangeKind } from './events.js';
import { AssignInput, InboxListInput, SetPriorityInput, SetStatusInput, UnassignInput, type InboxItem } from './inbox.schema.js';
import { postServerMessage } from './messages.js';
import { withAttachments } from './present-messages.js';
import { adminConversationProcedure, adminProcedure, conversationNotFound, router } from './trpc.js';

const Cursor = z.object({ asOf: z.iso.datetime(), at: z.iso.datetime().nullable(), id: z.uuid() });

function encodeCursor(asOf: Date, row: InboxRow): string {
  return Buffer.from(JSON.stringify({ asOf: asOf.toISOString(), at: row.at?.toISOString() ?? null, id: row.id })).toString('base64url');
}

function decodeCursor(text: string): InboxCursor {
  try {
    const c = Cursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { asOf: new Date(c.asOf), at: c.at === null ? null : new Date(c.at), id: c.id };
  } catch {
    throw invalidInput('cursor', 'Invalid cursor');
  }
}

function toInboxItem(row: InboxRow): InboxItem {
  const name = [row.first_name, row.last_name].filter(Boolean).join(' ') || null;
  return {
    ...toConversation({ ...row, customer_read_seq: 0 }),
    customer: row.user_id
      ? { type: 'user', id: row.user_id, name, email: row.email }
      : { type: 'guest', id: row.guest_id!, name: null, email: null },
    lastMessage: row.last_message_id
      ? {
          id: row.last_message_id,
          message: row.last_message!,
          messageType: row.last_message_type!,
          senderType: row.last_sender_type!,
          createdAt: row.last_message_created_at!.toISOString(),
        }
      : null,
    lastNote:
      row.last_note_id && row.last_note_text !== null && row.last_note_author_id && row.last_note_created_at
        ? { id: row.last_note_id, text: row.last_note_text, authorId: row.last_note_author_id, createdAt: row.last_note_created_at.toISOString() }
        : null,
    unreadCount: Math.max(0, row.last_seq - row.agent_read_seq),
  };
}

/**
 * Applies a change; when something really changed, writes a `system` message saying so and
 * tells the room and every agent. Returns the conversation as it is now.
 */
async function applyChange(ctx: Context, conversation: ConversationRow, change: ConversationChange, kind: ConversationChangeKind, note: string) {
  let before;
  try {
    before = await changeConversation(ctx.db, conversation.id, change);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new TRPCError({ code: 'CONFLICT', message: 'The customer already has an open conversation of this type' });
    }
    throw error;
  }
  if (!before) throw conversationNotFound();
  const changed =
    (change.adminId !== undefined && change.adminId !== before.admin_id) ||
    (change.status !== undefined && change.status !== before.status) ||
    (change.priority !== undefined && change.priority !== before.priority);
  if (changed) {
    const posted = await postServerMessage(ctx, { ...conversation, status: change.status ?? before.status }, 'system', note);
    // The agents made this change: it is nothing they have left to read (what came before it
    // and is still unread stays so).
    await stepReadPosition(ctx.db, conversation.id, 'agent', posted.seq);
  }
  const now = (await findConversation(ctx.db, conversation.id))!;
  if (changed) {
    ctx.events.emit('conversation.updated', {
      conversation: toConversation(now),
      change: kind,
      owner: { userId: now.user_id, guestId: now.guest_id },
      origin: ctx.connectionId,
    });
  }
  return toConversation(now);
}

async function adminName(ctx: Context, adminId: string): Promise<string> {
  const [profile] = await findProfiles(ctx.db, [adminId]);
  if (!profile || profile.role !== 'admin') throw invalidInput('adminId', 'No admin with that id');
  return [profile.first_name, profile.last_name].filter(Boolean).join(' ') || profile.email || 'an agent';
}

/** The agents' side: find, assign, prioritise and close conversations. Admins only. */
export const inboxRouter = router({
  list: adminProcedure.input(InboxListInput).query(async ({ ctx, input }) => {
    const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
    const asOf = cursor?.asOf ?? (await databaseNow(ctx.db));
    const assignee = input.assignee === 'me' ? ctx.principal.id : input.assignee;
    const rows = await listInbox(ctx.db, { ...input, assignee }, cursor, input.limit + 1, asOf);
    const page = rows.slice(0, input.limit).map(toInboxItem);
    const previews = new Map((await withAttachments(ctx, page.flatMap((c) => (c.lastMessage ? [c.lastMessage] : [])))).map((m) => [m.id, m]));
    return {
      conversations: page.map((c) => (c.lastMessage ? { ...c, lastMessage: previews.get(c.lastMessage.id)! } : c)),
      nextCursor: rows.length > input.limit ? encodeCursor(asOf, rows[input.limit - 1]!) : null,
    };
  }),

  counts: adminProcedure.query(async ({ ctx }) => {
    const rows = await inboxCounts(ctx.db, ctx.principal.id);
    const of = (status: string) => rows.find((r) => r.status === status) ?? { total: 0, mine: 0, unassigned: 0, unread_for_me: 0 };
    const active = [of('open'), of('pending')];
    return {
      byStatus: { open: of('open').total, pending: of('pending').total, closed: of('closed').total },
      active: {
        mine: active.reduce((n, r) => n + r.mine, 0),
        unassigned: active.reduce((n, r) => n + r.unassigned, 0),
        all: active.reduce((n, r) => n + r.total, 0),
        unreadForMe: active.reduce((n, r) => n + r.unread_for_me, 0),
      },
    };
  }),

  assign: adminConversationProcedure.input(AssignInput).mutation(async ({ ctx, input }) => {
    const adminId = input.adminId ?? ctx.principal.id;
    const name = await adminName(ctx, adminId);
    return applyChange(ctx, ctx.conversation, { adminId }, 'assigned', `Assigned to ${name}`);
  }),

  unassign: adminConversationProcedure.input(UnassignInput).mutation(({ ctx }) =>
    applyChange(ctx, ctx.conversation, { adminId: null }, 'unassigned', 'Unassigned'),
  ),

  setStatus: adminConversationProcedure.input(SetStatusInput).mutation(({ ctx, input }) =>
    applyChange(ctx, ctx.conversation, { status: input.status }, 'status', `Status changed to ${input.status}`),
  ),

  setPriority: adminConversationProcedure.input(SetPriorityInput).mutation(({ ctx, input }) =>
    applyChange(ctx, ctx.conversation, { priority: input.priority }, 'priority', `Priority set to ${input.priority}`),
  ),
});
