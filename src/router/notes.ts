import { TRPCError } from '@trpc/server';
import { deleteNote, findNote, insertNote, listNotes, updateNote } from '../db/notes.js';
import type { Context } from './context.js';
import type { NoteChangeKind } from './events.js';
import { CreateNoteInput, DeleteNoteInput, toNote, UpdateNoteInput, type Note } from './notes.schema.js';
import { adminConversationProcedure, adminProcedure, identityKey, rateLimited, router } from './trpc.js';

const noteNotFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Note not found' });
const agentWrites = rateLimited('AGENT_WRITES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined));

function tell(ctx: Pick<Context, 'events' | 'connectionId'>, note: Note, change: NoteChangeKind): void {
  ctx.events.emit('note.changed', { note, change, origin: ctx.connectionId });
}

/**
 * A note the caller may change: their own. Another agent's note answers 403 (agents see every
 * note, so its existence is no secret among them); a missing one 404.
 */
async function ownNote(ctx: Pick<Context, 'db'> & { principal: { id: string } }, noteId: string) {
  const note = await findNote(ctx.db, noteId);
  if (!note) throw noteNotFound();
  if (note.author_id !== ctx.principal.id) throw new TRPCError({ code: 'FORBIDDEN', message: 'Only its author can change a note' });
  return note;
}

/**
 * Private notes: agents talk about a conversation beside it. A note is not a message: it has
 * no seq and lives in its own table, so it cannot reach the customer or leave a gap in what
 * they see. Agents hear of notes live (socket `note:changed` to the admins room, SSE).
 */
export const notesRouter = router({
  list: adminConversationProcedure.query(async ({ ctx }) => ({ notes: (await listNotes(ctx.db, ctx.conversation.id)).map(toNote) })),

  create: adminConversationProcedure
    .use(agentWrites)
    .input(CreateNoteInput)
    .mutation(async ({ ctx, input }) => {
      const id = await insertNote(ctx.db, { conversationId: ctx.conversation.id, authorId: ctx.principal.id, text: input.text });
      const note = toNote((await findNote(ctx.db, id))!);
      tell(ctx, note, 'created');
      return note;
    }),

  update: adminProcedure
    .use(agentWrites)
    .input(UpdateNoteInput)
    .mutation(async ({ ctx, input }) => {
      await ownNote(ctx, input.noteId);
      if (!(await updateNote(ctx.db, input.noteId, ctx.principal.id, input.text))) throw noteNotFound();
      const note = toNote((await findNote(ctx.db, input.noteId))!);
      tell(ctx, note, 'updated');
      return note;
    }),

  delete: adminProcedure
    .use(agentWrites)
    .input(DeleteNoteInput)
    .mutation(async ({ ctx, input }) => {
      const note = toNote(await ownNote(ctx, input.noteId));
      if (!(await deleteNote(ctx.db, input.noteId, ctx.principal.id))) throw noteNotFound();
      tell(ctx, note, 'deleted');
      return { noteId: note.id, deleted: true as const };
    }),
});
