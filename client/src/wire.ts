/**
 * The wire shapes, taken from the server's zod schemas so they are written once. `#server/*`
 * is the server's source inside this repository and its built declarations inside the package.
 */
import type { z } from 'zod';
import type { Message } from '#server/router/messages.schema.js';
import type { Attachment, PendingUploadSchema } from '#server/router/attachments.schema.js';

export type { Attachment, Message };
export type PendingUpload = z.infer<typeof PendingUploadSchema>;
export type SenderType = Message['senderType'];

/**
 * A page of history or of catch-up. The server's pages carry more pagination fields; these are
 * the ones the core reads, so any transport's page fits.
 */
export interface Page {
  messages: readonly Message[];
  pagination: { hasMore: boolean };
}

export type { Call, CallConnection, Signal } from '#server/router/calls.schema.js';
