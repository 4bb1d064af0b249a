import { TRPCError } from '@trpc/server';
import { deleteSavedReply, insertSavedReply, listSavedReplies, updateSavedReply } from '../db/saved-replies.js';
import { CreateSavedReplyInput, DeleteSavedReplyInput, toSavedReply, UpdateSavedReplyInput } from './saved-replies.schema.js';
import { adminProcedure, identityKey, rateLimited, router } from './trpc.js';

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Saved reply not found' });
const writing = adminProcedure.use(rateLimited('AGENT_WRITES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)));

/** The team's saved replies: any agent may add, edit or delete one; customers never see the list. */
export const savedRepliesRouter = router({
  list: adminProcedure.query(async ({ ctx }) => ({ savedReplies: (await listSavedReplies(ctx.db)).map(toSavedReply) })),

  create: writing
    .input(CreateSavedReplyInput)
    .mutation(async ({ ctx, input }) => toSavedReply(await insertSavedReply(ctx.db, { ...input, createdBy: ctx.principal.id }))),

  update: writing.input(UpdateSavedReplyInput).mutation(async ({ ctx, input }) => {
    const row = await updateSavedReply(ctx.db, input.id, input);
    if (!row) throw notFound();
    return toSavedReply(row);
  }),

  delete: writing.input(DeleteSavedReplyInput).mutation(async ({ ctx, input }) => {
    if (!(await deleteSavedReply(ctx.db, input.id))) throw notFound();
    return { id: input.id, deleted: true as const };
  }),
});
