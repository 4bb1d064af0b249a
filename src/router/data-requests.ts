import { TRPCError } from '@trpc/server';
import { dataHeldAbout, eraseCustomer, recentAudit, recordAudit, type DataSubject } from '../db/data-requests.js';
import { toAttachment } from './attachment-links.js';
import { removeFilesSoon } from './attachments.js';
import { toCall } from './calls.schema.js';
import { findCall } from '../db/calls.js';
import { toConversation } from './conversations.schema.js';
import { AuditLogInput, DataSubjectInput, EraseInput, toAuditEntry } from './data-requests.schema.js';
import { toMessage } from './messages.schema.js';
import { adminProcedure, identityKey, rateLimited, router } from './trpc.js';

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'No customer with that id' });
const writing = adminProcedure.use(rateLimited('AGENT_WRITES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)));

const subjectOf = (input: { userId?: string; guestId?: string }): DataSubject =>
  input.userId !== undefined ? { type: 'user', id: input.userId } : { type: 'guest', id: input.guestId! };

/**
 * "Give me my data" and "delete my data", for admins. Each request is written to the audit
 * log with who made it. Agents are not customers: their ids are not found here.
 */
export const dataRequestsRouter = router({
  export: writing.input(DataSubjectInput).mutation(async ({ ctx, input }) => {
    const subject = subjectOf(input);
    const held = await dataHeldAbout(ctx.db, subject);
    if (!held) throw notFound();
    await recordAudit(ctx.db, { actorId: ctx.principal.id, action: 'data.exported', subject });
    const { profile } = held;
    return {
      exportedAt: new Date().toISOString(),
      subject,
      profile: {
        id: profile.id,
        email: profile.email,
        firstName: profile.first_name,
        lastName: profile.last_name,
        createdAt: profile.created_at.toISOString(),
        erasedAt: profile.erased_at?.toISOString() ?? null,
      },
      conversations: held.conversations.map((c) => ({
        ...toConversation(c),
        messages: held.messages.filter((m) => m.conversation_id === c.id).map(toMessage),
        notes: held.notes
          .filter((n) => n.conversation_id === c.id)
          .map((n) => ({ id: n.id, authorId: n.author_id, text: n.text, createdAt: n.created_at.toISOString(), updatedAt: n.updated_at.toISOString() })),
        attachments: held.attachments.filter((a) => a.conversation_id === c.id && a.status === 'ready').map((a) => toAttachment(a, ctx.files)),
        calls: held.calls.filter((call) => call.conversation_id === c.id).map(toCall),
      })),
    };
  }),

  erase: writing.input(EraseInput).mutation(async ({ ctx, input }) => {
    const subject = subjectOf(input);
    const erased = await eraseCustomer(ctx.db, subject, ctx.principal.id);
    if (!erased) throw notFound();
    // The rows went with the commit, which queued their bytes: they go now, or, with the store
    // failing, at the sweep's retry. Unreachable meanwhile (no row, no link).
    await removeFilesSoon(ctx, erased.attachmentIds);
    const owner = { userId: subject.type === 'user' ? subject.id : null, guestId: subject.type === 'guest' ? subject.id : null };
    ctx.events.emit('customer.erased', { owner });
    // An agent in a call with them hears it end (their side's sockets are closed).
    for (const id of erased.endedCallIds) {
      const call = await findCall(ctx.db, id);
      if (call) ctx.events.emit('call.updated', { call: toCall(call), owner });
    }
    return { subject, conversations: erased.conversations, files: erased.attachmentIds.length };
  }),

  auditLog: adminProcedure.input(AuditLogInput).query(async ({ ctx, input }) => {
    const subject = input.userId !== undefined || input.guestId !== undefined ? subjectOf(input) : undefined;
    return { entries: (await recentAudit(ctx.db, { limit: input.limit, subject })).map(toAuditEntry) };
  }),
});
