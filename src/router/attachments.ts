import { TRPCError } from '@trpc/server';
import type { Readable } from 'node:stream';
import {
  claimCheck,
  deleteUnattached,
  findAttachment,
  forgetFileRemovals,
  insertAttachment,
  markAttachmentReady,
  releaseCheck,
  takeFileRemovals,
  takeUnattachedBefore,
  type AttachmentWithOwner,
} from '../db/attachments.js';
import type { AttachmentRow } from '../db/schema.js';
import type { AttachmentFiles } from '../files/attachment-files.js';
import { hasDangerousExtension, isUnspecifiedType, normaliseType, sanitiseFileName } from '../files/file-types.js';
import { cleanImage, isCleanableImage, UnreadableImageError } from '../files/images.js';
import { judge, signatureOf, SNIFF_BYTES } from '../files/inspect.js';
import { storageKeys } from '../files/store.js';
import type { Context, Principal } from './context.js';
import {
  AttachmentIdInput,
  CreateAttachmentInput,
  OpenAttachmentInput,
  SignedLinkInput,
  type Attachment,
} from './attachments.schema.js';
import { diskUploadUrl, toAttachment } from './attachment-links.js';
import { authedProcedure, canSee, conversationAccess, identityKey, publicProcedure, router } from './trpc.js';

const attachmentNotFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Attachment not found' });
const typeRefused = (reason = 'This type of file is not allowed') => new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: reason });
const mebibytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
export const fileTooLarge = (maxBytes: number) => new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `File is larger than ${mebibytes(maxBytes)}` });

const isUploader = (principal: Principal, row: AttachmentRow) => row.uploader_type === principal.type && row.uploader_id === principal.id;

/**
 * Who may see an attachment: its uploader from the start; once it is sent, whoever may see
 * its conversation (the owner and admins). Anyone else is told it does not exist.
 */
async function visibleAttachment(ctx: Pick<Context, 'db'> & { principal: Principal }, id: string): Promise<AttachmentWithOwner> {
  const row = await findAttachment(ctx.db, id);
  if (!row) throw attachmentNotFound();
  const seen = isUploader(ctx.principal, row) || (row.message_id !== null && canSee(ctx.principal, { user_id: row.owner_user_id, guest_id: row.owner_guest_id }));
  if (!seen) throw attachmentNotFound();
  return row;
}

function checkLink(files: AttachmentFiles, purpose: 'file' | 'thumbnail' | 'upload', input: { attachmentId: string; expires: number; signature: string }) {
  const state = files.links.verify(purpose, input.attachmentId, input, files.now());
  if (state === 'invalid') throw new TRPCError({ code: 'FORBIDDEN', message: 'Invalid link' });
  if (state === 'expired') throw new TRPCError({ code: 'FORBIDDEN', message: 'This link has expired' });
}

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A removal that fails is tried again after this, doubling each time, up to six hours. */
const REMOVAL_RETRY = { firstRetrySeconds: 5 * 60, maxRetrySeconds: 6 * 3600 };
/** Attachments (three keys each) removed per take. */
const REMOVALS_PER_TAKE = 100;

/**
 * Removes the bytes of deleted attachments: every delete queues them (file_removals, in its
 * own statement), and this is the one place they leave the store. Right after a delete it is
 * called with those ids; the sweep calls it for every one due, which retries those a failing
 * store kept. A failure leaves the rest queued and throws. Answers how many were removed.
 */
async function removeQueuedFiles(services: Pick<Context, 'db' | 'files'>, attachmentIds?: readonly string[]): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await takeFileRemovals(services.db, { attachmentIds, limit: REMOVALS_PER_TAKE, ...REMOVAL_RETRY });
    if (ids.length === 0) return removed;
    await services.files.store.remove(ids.flatMap((id) => [storageKeys.upload(id), storageKeys.file(id), storageKeys.thumbnail(id)]));
    await forgetFileRemovals(services.db, ids);
    removed += ids.length;
  }
}

/**
 * The bytes of attachments just deleted go now; if the store fails, the caller's answer does
 * not change: the removal is queued, and the sweep tries again.
 */
export async function removeFilesSoon(services: Pick<Context, 'db' | 'files'>, attachmentIds: readonly string[]): Promise<void> {
  await removeQueuedFiles(services, attachmentIds).catch(() => undefined);
}

/** Long enough for the largest image; a replica that dies mid-check frees the file after it. */
const CHECK_CLAIM_SECONDS = 120;
/** How long a `complete` waits for another one checking the same file (a double click). */
const WAIT_FOR_OTHER_CHECK_MS = 30_000;

/**
 * Checks an upload's bytes and makes it a file; the caller holds the check's claim. The bytes
 * are first moved out of reach of the upload URL (which works for minutes more), then read:
 * the type from the bytes must be allowed and agree with the declared type and the name;
 * images are re-encoded clean, with a thumbnail. What fails is deleted at once.
 */
async function checkUpload(ctx: Pick<Context, 'db' | 'files'>, row: AttachmentRow): Promise<Pick<AttachmentRow, 'content_type' | 'size' | 'width' | 'height' | 'has_thumbnail'>> {
  const { files } = ctx;
  const { store, settings } = files;
  const key = storageKeys.file(row.id);
  const uploaded = await store.size(storageKeys.upload(row.id));
  // Nothing at the upload key but bytes at the file key: a check that died after the move
  // (its claim ran out); its size was measured before it moved them.
  const moved = uploaded === undefined ? await store.size(key) : undefined;
  const size = uploaded ?? moved;
  if (size === undefined) throw new TRPCError({ code: 'CONFLICT', message: 'The file has not been uploaded yet' });
  const refuse = async (error: TRPCError): Promise<never> => {
    await deleteUnattached(ctx.db, row.id);
    await removeFilesSoon(ctx, [row.id]);
    throw error;
  };
  if (size > settings.maxBytes) return refuse(fileTooLarge(settings.maxBytes));
  if (uploaded !== undefined) {
    if (uploaded !== row.declared_size) return refuse(new TRPCError({ code: 'BAD_REQUEST', message: `The upload has ${uploaded} bytes, not the ${row.declared_size} announced` }));
    await store.move(storageKeys.upload(row.id), key);
  }
  const head = size === 0 ? Buffer.alloc(0) : await readAll(await store.read(key, SNIFF_BYTES));
  const verdict = judge({ signature: await signatureOf(head), head, name: row.name, declared: row.declared_type, allowed: settings.allowedTypes });
  if (!verdict.ok) return refuse(typeRefused(verdict.reason));
  if (!isCleanableImage(verdict.contentType)) return { content_type: verdict.contentType, size, width: null, height: null, has_thumbnail: false };
  try {
    const image = await cleanImage(await readAll(await store.read(key)), verdict.contentType);
    await store.write(key, image.bytes, verdict.contentType);
    await store.write(storageKeys.thumbnail(row.id), image.thumbnail, 'image/webp');
    return { content_type: verdict.contentType, size: image.bytes.length, width: image.width, height: image.height, has_thumbnail: true };
  } catch (error) {
    if (error instanceof UnreadableImageError) return refuse(typeRefused('The image could not be read'));
    throw error;
  }
}

/** Checks an upload under its claim; a failure with no verdict gives the claim back for a retry. */
async function checkClaimed(ctx: Pick<Context, 'db' | 'files'>, row: AttachmentRow): Promise<AttachmentRow | undefined> {
  try {
    const found = await checkUpload(ctx, row);
    return (await markAttachmentReady(ctx.db, row.id, found)) ?? (await findAttachment(ctx.db, row.id));
  } catch (error) {
    await releaseCheck(ctx.db, row.id).catch(() => undefined);
    throw error;
  }
}

/**
 * Deletes uploads that no message took within their lifetime, the part files a crash left on
 * disk, and the bytes of deleted attachments whose removal is due (a retry after the store
 * failed); every replica may run it, each row goes once. Answers how many uploads it deleted.
 */
export async function sweepAttachments(services: Pick<Context, 'db' | 'files'>, now = services.files.now()): Promise<number> {
  const before = new Date(now - services.files.settings.unattachedLifetimeSeconds * 1000);
  // What a crash cut mid-upload: no upload URL outlives its lifetime, so no write can resume.
  await services.files.store.removeAbandonedParts(new Date(now - services.files.settings.uploadTtlSeconds * 1000));
  let swept = 0;
  for (;;) {
    const rows = await takeUnattachedBefore(services.db, before);
    if (rows.length === 0) break;
    swept += rows.length;
  }
  await removeQueuedFiles(services);
  return swept;
}

/**
 * Attachments, in three steps for every transport: `create` (what is coming: refused at once
 * if too big or of a refused kind) answers where to upload; the bytes go there (the bucket
 * directly, or this server on local disk); `complete` checks them. Then `message:send` with
 * `messageType: "file"` and the ids.
 */
export const attachmentsRouter = router({
  create: authedProcedure.input(CreateAttachmentInput).mutation(async ({ ctx, input }) => {
    const { settings, store } = ctx.files;
    const access = await conversationAccess(ctx, input.conversationId);
    if (access.status === 'closed') throw new TRPCError({ code: 'CONFLICT', message: 'Conversation is closed' });
    if (input.size > settings.maxBytes) throw fileTooLarge(settings.maxBytes);
    const name = sanitiseFileName(input.name);
    const declared = normaliseType(input.contentType);
    if (hasDangerousExtension(name) || (!isUnspecifiedType(declared) && !settings.allowedTypes.has(declared))) throw typeRefused();
    await ctx.limits.consume('ATTACHMENTS_PER_IDENTITY', identityKey(ctx.principal));
    const row = await insertAttachment(ctx.db, {
      conversation_id: access.id,
      uploader_type: ctx.principal.type,
      uploader_id: ctx.principal.id,
      name,
      declared_type: declared,
      declared_size: input.size,
    });
    const contentType = isUnspecifiedType(declared) ? 'application/octet-stream' : declared;
    const direct = await store.directUpload(storageKeys.upload(row.id), input.size, contentType, settings.uploadTtlSeconds);
    const target = direct
      ? { ...direct, expiresAt: new Date(ctx.files.now() + settings.uploadTtlSeconds * 1000).toISOString() }
      : (() => {
          const { url, expires } = diskUploadUrl(row.id, ctx.files);
          return { method: 'PUT' as const, url, headers: { 'Content-Type': contentType }, expiresAt: new Date(expires * 1000).toISOString() };
        })();
    return { attachmentId: row.id, upload: target, maxBytes: Math.min(settings.maxBytes, input.size) };
  }),

  /**
   * After the upload: the bytes are checked; a file that passes is ready to send. Repeating it
   * answers the same; a second call while the first is checking (a double click) waits for it.
   */
  complete: authedProcedure.input(AttachmentIdInput).mutation(async ({ ctx, input }): Promise<Attachment> => {
    for (let waited = 0; ; waited += 50) {
      const row = await findAttachment(ctx.db, input.attachmentId);
      if (!row || !isUploader(ctx.principal, row)) throw attachmentNotFound();
      if (row.status === 'ready') return toAttachment(row, ctx.files);
      if (await claimCheck(ctx.db, row.id, CHECK_CLAIM_SECONDS)) {
        const ready = await checkClaimed(ctx, row);
        if (!ready) throw attachmentNotFound();
        return toAttachment(ready, ctx.files);
      }
      if (waited >= WAIT_FOR_OTHER_CHECK_MS) throw new TRPCError({ code: 'CONFLICT', message: 'The file is still being checked, try again' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }),

  /** Fresh links for an attachment (links last minutes; a page open longer asks again). */
  get: authedProcedure.input(AttachmentIdInput).query(async ({ ctx, input }): Promise<Attachment> => {
    const row = await visibleAttachment(ctx, input.attachmentId);
    if (row.status !== 'ready') throw new TRPCError({ code: 'CONFLICT', message: 'The file has not been uploaded yet' });
    return toAttachment(row, ctx.files);
  }),

  /** The uploader takes back a file not sent yet (the cancel button); its bytes are deleted. */
  cancel: authedProcedure.input(AttachmentIdInput).mutation(async ({ ctx, input }) => {
    const row = await findAttachment(ctx.db, input.attachmentId);
    if (!row || !isUploader(ctx.principal, row)) throw attachmentNotFound();
    if (row.message_id !== null) throw new TRPCError({ code: 'CONFLICT', message: 'The file was already sent' });
    if (!(await deleteUnattached(ctx.db, row.id))) throw new TRPCError({ code: 'CONFLICT', message: 'The file was already sent' });
    await removeFilesSoon(ctx, [row.id]);
    return { attachmentId: row.id, deleted: true as const };
  }),

  /**
   * A download: the link must be this server's, unexpired, for this file, and the caller must
   * be one who may see it. Answers what the transport streams (bytes never pass through tRPC).
   */
  open: authedProcedure.input(OpenAttachmentInput).query(async ({ ctx, input }) => {
    checkLink(ctx.files, input.variant, input);
    const row = await visibleAttachment(ctx, input.attachmentId);
    if (row.status !== 'ready') throw attachmentNotFound();
    const thumbnail = input.variant === 'thumbnail';
    if (thumbnail && !row.has_thumbnail) throw attachmentNotFound();
    const contentType = thumbnail ? 'image/webp' : row.content_type!;
    return {
      key: thumbnail ? storageKeys.thumbnail(row.id) : storageKeys.file(row.id),
      name: thumbnail ? `${row.name.replace(/\.[^.]*$/, '')}-thumbnail.webp` : row.name,
      contentType,
      // Only raster images may show in the page; everything else is saved.
      inline: thumbnail || isCleanableImage(contentType),
    };
  }),

  /**
   * The local-disk store's upload: the signed upload URL is the credential, as a presigned
   * bucket URL is. Answers where the transport may stream the body and how much of it.
   */
  receive: publicProcedure.input(SignedLinkInput).mutation(async ({ ctx, input }) => {
    checkLink(ctx.files, 'upload', input);
    const row = await findAttachment(ctx.db, input.attachmentId);
    if (!row) throw attachmentNotFound();
    if (row.status !== 'pending') throw new TRPCError({ code: 'CONFLICT', message: 'The file was already uploaded' });
    return { key: storageKeys.upload(row.id), maxBytes: Math.min(row.declared_size, ctx.files.settings.maxBytes) };
  }),
});
