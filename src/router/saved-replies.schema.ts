import { z } from 'zod';
import type { SavedReplyRow } from '../db/schema.js';
import { MAX_MESSAGE_LENGTH } from './messages.schema.js';

/** One of the team's canned responses, inserted from the reply box with `/`. */
export const SavedReplySchema = z.object({
  id: z.uuid(),
  title: z.string(),
  text: z.string(),
  createdBy: z.uuid(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export function toSavedReply(row: SavedReplyRow): z.infer<typeof SavedReplySchema> {
  return {
    id: row.id,
    title: row.title,
    text: row.text,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const Title = z.string().trim().min(1, 'Title cannot be empty').max(100, 'Title is longer than 100 characters');
const Text = z.string().trim().min(1, 'Text cannot be empty').max(MAX_MESSAGE_LENGTH, `Text is longer than ${MAX_MESSAGE_LENGTH} characters`);

export const CreateSavedReplyInput = z.object({ title: Title, text: Text });
export const UpdateSavedReplyInput = z.object({ id: z.uuid(), title: Title, text: Text });
export const DeleteSavedReplyInput = z.object({ id: z.uuid() });
export const SavedReplyListSchema = z.object({ savedReplies: z.array(SavedReplySchema) });
