import { z } from 'zod';
import type { AuditLogRow } from '../db/schema.js';
import { AttachmentSchema } from './attachments.schema.js';
import { CallSchema } from './calls.schema.js';
import { ConversationSchema } from './conversations.schema.js';
import { exampleConversation, exampleIds, exampleMessage, exampleNote } from './examples.js';
import { MessageSchema } from './messages.schema.js';

const exampleGuestId = exampleIds.guest;

/** Whose data: a signed-in customer by user id, or a guest by their guest id. Exactly one. */
export const DataSubjectInput = z
  .object({
    userId: z.uuid().optional().meta({ description: 'A signed-in customer (not an agent)', examples: [exampleIds.user] }),
    guestId: z.string().min(1).max(200).optional().meta({ description: 'A guest, by the id the server issued', examples: [exampleGuestId] }),
  })
  .refine((s) => (s.userId === undefined) !== (s.guestId === undefined), { message: 'Give exactly one of userId and guestId', path: ['userId'] });

export const EraseInput = DataSubjectInput.and(
  z.object({ confirm: z.literal(true, 'confirm must be true: erasure cannot be undone').meta({ description: 'Must be true: erasure cannot be undone' }) }),
);

export const AuditLogInput = z
  .object({
    userId: z.uuid().optional().meta({ description: 'Only entries about this user' }),
    guestId: z.string().min(1).max(200).optional().meta({ description: 'Only entries about this guest' }),
    limit: z.number().int().min(1).max(200).default(50).describe('At most this many, newest first'),
  })
  .default({ limit: 50 });

const ExportedNoteSchema = z.object({
  id: z.uuid().describe('Note id'),
  authorId: z.uuid().describe('The agent who wrote it'),
  text: z.string().describe('The note'),
  createdAt: z.iso.datetime().describe('When it was written'),
  updatedAt: z.iso.datetime().describe('When it was last edited'),
});

const exampleExport = {
  exportedAt: '2026-12-01T10:00:00.000Z',
  subject: { type: 'guest', id: exampleGuestId },
  profile: { id: exampleGuestId, email: null, firstName: null, lastName: null, createdAt: '2026-12-01T09:00:00.000Z', erasedAt: null },
  conversations: [
    {
      ...exampleConversation,
      messages: [exampleMessage],
      notes: [{ id: exampleNote.id, authorId: exampleIds.admin, text: exampleNote.text, createdAt: exampleNote.createdAt, updatedAt: exampleNote.updatedAt }],
      attachments: [],
      calls: [],
    },
  ],
};

export const DataExportSchema = z
  .object({
    exportedAt: z.iso.datetime().describe('When this document was made'),
    subject: z.object({ type: z.enum(['user', 'guest']).describe('A user or a guest'), id: z.string().describe('Their id') }).describe('Whose data'),
    profile: z
      .object({
        id: z.string().describe('The user id or guest id'),
        email: z.string().nullable().describe('From the token’s claims'),
        firstName: z.string().nullable().describe('From the token’s claims'),
        lastName: z.string().nullable().describe('From the token’s claims'),
        createdAt: z.iso.datetime().describe('First seen'),
        erasedAt: z.iso.datetime().nullable().describe('When their data was erased, if it was'),
      })
      .describe('The profile'),
    conversations: z
      .array(
        ConversationSchema.extend({
          messages: z.array(MessageSchema).describe('Every message, both sides, by seq'),
          notes: z.array(ExportedNoteSchema).describe('The agents’ private notes on it'),
          attachments: z.array(AttachmentSchema).describe('Every file, with links valid for minutes'),
          calls: z.array(CallSchema).describe('Every call request and call in it, oldest first'),
        }),
      )
      .describe('Their conversations, oldest first'),
  })
  .meta({ id: 'DataExport', description: 'Everything held about one customer', examples: [exampleExport] });

export const ErasureSchema = z
  .object({
    subject: z.object({ type: z.enum(['user', 'guest']).describe('A user or a guest'), id: z.string().describe('Their id') }).describe('Whose data'),
    conversations: z.number().int().describe('Conversations emptied (their rows, seq and counts stay)'),
    files: z.number().int().describe('Files deleted'),
  })
  .meta({ id: 'Erasure', description: 'What was erased', examples: [{ subject: { type: 'guest', id: exampleGuestId }, conversations: 1, files: 0 }] });

export const AuditEntrySchema = z
  .object({
    id: z.uuid().describe('Entry id'),
    actorId: z.uuid().describe('The admin who made the request'),
    action: z.enum(['data.exported', 'data.erased']).describe('What was done'),
    subjectType: z.enum(['user', 'guest']).describe('A user or a guest'),
    subjectId: z.string().describe('Their id'),
    details: z.unknown().describe('Counts of what was erased'),
    createdAt: z.iso.datetime().describe('When'),
  })
  .meta({
    id: 'AuditEntry',
    description: 'One data request',
    examples: [{ id: exampleIds.note, actorId: exampleIds.admin, action: 'data.erased', subjectType: 'guest', subjectId: exampleGuestId, details: { conversations: 1, files: 0 }, createdAt: '2026-12-01T10:00:00.000Z' }],
  });
export const AuditLogSchema = z.object({ entries: z.array(AuditEntrySchema).describe('Newest first') }).describe('Data requests: who exported or erased whose data');

export function toAuditEntry(row: AuditLogRow): z.infer<typeof AuditEntrySchema> {
  return {
    id: row.id,
    actorId: row.actor_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: row.details,
    createdAt: row.created_at.toISOString(),
  };
}
