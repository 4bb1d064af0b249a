import { z } from 'zod';
import type { SavedReplyRow } from '../db/schema.js';
import { exampleIds, exampleSavedReply } from './examples.js';
import { MAX_MESSAGE_LENGTH } from './messages.schema.js';

/** One of the team's canned responses, inserted from the reply box with `/`. */
export const SavedReplySchema = z
  .object({
    id: z.uuid().describe('Saved reply id'),
    title: z.string().describe('What agents type after `/` to find it'),
    text: z.string().describe('The text inserted into the reply box'),
    createdBy: z.uuid().describe('The agent who created it'),
    createdAt: z.iso.datetime().describe('When it was created'),
    updatedAt: z.iso.datetime().describe('When it was last edited'),
  })
  .meta({ id: 'SavedReply', description: 'One of the team’s canned responses', examples: [exampleSavedReply] });

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

const Title = z
  .string()
  .trim()
  .min(1, 'Title cannot be empty')
  .max(100, 'Title is longer than 100 characters')
  .meta({ description: 'A short name, found by typing `/` and its first letters', examples: [exampleSavedReply.title] });
const Text = z
  .string()
  .trim()
  .min(1, 'Text cannot be empty')
  .max(MAX_MESSAGE_LENGTH, `Text is longer than ${MAX_MESSAGE_LENGTH} characters`)
  .meta({ description: 'The reply’s text', examples: [exampleSavedReply.text] });
const SavedReplyId = z.uuid().meta({ description: 'The saved reply', examples: [exampleIds.savedReply] });

export const CreateSavedReplyInput = z.object({ title: Title, text: Text });
export const UpdateSavedReplyInput = z.object({ id: SavedReplyId, title: Title, text: Text });
export const DeleteSavedReplyInput = z.object({ id: SavedReplyId });
export const SavedReplyListSchema = z.object({ savedReplies: z.array(SavedReplySchema).describe('By title') }).describe('The team’s saved replies');
export const SavedReplyDeletedSchema = z.object({ id: SavedReplyId, deleted: z.literal(true).describe('Always true') }).describe('The saved reply deleted');
