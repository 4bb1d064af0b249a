import { z } from 'zod';
import { exampleIds } from './examples.js';

/** Files one message may carry. */
export const MAX_FILES_PER_MESSAGE = 5;

const exampleLink = (kind: string) => `/api/support/attachments/${exampleIds.attachment}/${kind}?expires=1764581400&signature=q1w2e3r4t5y6u7i8o9p0`;

/** A file as every message payload carries it. Links are signed, short-lived, and work only with the owner’s or an admin’s credentials. */
export const AttachmentSchema = z
  .object({
    id: z.uuid().describe('Attachment id'),
    name: z.string().describe('The file name, sanitised; show it as text'),
    size: z.number().int().describe('Bytes'),
    contentType: z.string().describe('The type read from the bytes (never the one the uploader declared)'),
    width: z.number().int().optional().describe('Images: width in pixels'),
    height: z.number().int().optional().describe('Images: height in pixels'),
    thumbnailUrl: z.string().optional().describe('Images: a WebP thumbnail of at most 320×320; a signed link like url'),
    url: z.string().describe('The file: a signed link that works for minutes, fetched with the owner’s or an admin’s credentials (X-Guest-Id or Authorization); path-absolute unless PUBLIC_URL is set'),
  })
  .meta({
    id: 'Attachment',
    description: 'A file in a message',
    examples: [{ id: exampleIds.attachment, name: 'screenshot.png', size: 48213, contentType: 'image/png', width: 1280, height: 720, thumbnailUrl: exampleLink('thumbnail'), url: exampleLink('content') }],
  });
export type Attachment = z.infer<typeof AttachmentSchema>;

export const CreateAttachmentInput = z
  .object({
    conversationId: z.uuid().describe('An open or pending conversation you can see'),
    name: z.string().min(1, 'File name cannot be empty').max(1000).describe('The file’s name; folders, control characters and quotes are removed, and it is cut to 200 characters'),
    size: z.number().int().min(1, 'The file is empty').describe('Its size in bytes; larger than ATTACHMENT_MAX_BYTES is refused before anything is sent'),
    contentType: z.string().max(200).default('').describe('The type the browser gives (File.type); may be empty. The bytes decide.'),
  })
  .meta({ description: 'A file you are about to upload', examples: [{ conversationId: exampleIds.conversation, name: 'screenshot.png', size: 48213, contentType: 'image/png' }] });

export const PendingUploadSchema = z
  .object({
    attachmentId: z.uuid().describe('Send it in message:send’s attachmentIds once uploaded and completed'),
    upload: z
      .object({
        method: z.literal('PUT').describe('Always PUT'),
        url: z.string().describe('Where to send the bytes: a presigned bucket URL (S3), or this server (local disk)'),
        headers: z.record(z.string(), z.string()).describe('Headers the request must carry, exactly'),
        expiresAt: z.iso.datetime().describe('The URL works until then'),
      })
      .describe('One request with the file as its body'),
    maxBytes: z.number().int().describe('The largest file accepted'),
  })
  .meta({
    id: 'PendingUpload',
    description: 'Where to upload a file, then complete it',
    examples: [{ attachmentId: exampleIds.attachment, upload: { method: 'PUT', url: exampleLink('upload'), headers: { 'Content-Type': 'image/png' }, expiresAt: '2026-12-01T09:45:00.000Z' }, maxBytes: 10485760 }],
  });

const attachmentId = z.uuid().meta({ description: 'The attachment', examples: [exampleIds.attachment] });
export const AttachmentIdInput = z.object({ attachmentId }).meta({ description: 'One attachment', examples: [{ attachmentId: exampleIds.attachment }] });

/** What a signed link carries. */
export const SignedLinkInput = z.object({
  attachmentId,
  expires: z.number().int().min(0).describe('From the link'),
  signature: z.string().min(1).max(200).describe('From the link'),
});
export const OpenAttachmentInput = SignedLinkInput.extend({ variant: z.enum(['file', 'thumbnail']).describe('The file or its thumbnail') });

export const CancelledSchema = z.object({ attachmentId: z.uuid().describe('The attachment'), deleted: z.literal(true).describe('Always true') }).meta({ description: 'The upload and its bytes are gone', examples: [{ attachmentId: exampleIds.attachment, deleted: true }] });
