import Router from '@koa/router';
import { TRPCError } from '@trpc/server';
import type { AttachmentFiles } from '../files/attachment-files.js';
import { UploadTooLargeError } from '../files/disk-store.js';
import { AttachmentIdInput, AttachmentSchema, CancelledSchema, CreateAttachmentInput, PendingUploadSchema } from '../router/attachments.schema.js';
import { fileTooLarge } from '../router/attachments.js';
import { exampleIds } from '../router/examples.js';
import { failureResponses } from './openapi.js';
import type { RestRoute, RestState } from './route.js';

const attachmentId = { id: 'attachmentId' };
const flow =
  'The flow: `POST /attachments` (what is coming) → `PUT` the bytes to `upload.url` with `upload.headers` → `POST /attachments/{id}/complete` (the bytes are checked) → socket `message:send` with `messageType: "file"` and `attachmentIds`.';

/** The JSON half of attachments: the same procedures as tRPC. */
export const attachmentRoutes: RestRoute[] = [
  {
    method: 'post',
    path: '/attachments',
    tag: 'Attachments',
    summary: 'Announce a file to upload into a conversation; answers where to upload it',
    description: `${flow} Too large (ATTACHMENT_MAX_BYTES) answers 413 and a name or type that is never allowed 415, before any byte is sent. Counts against ATTACHMENTS_PER_IDENTITY.`,
    access: 'signed-in',
    input: CreateAttachmentInput,
    output: PendingUploadSchema,
    status: 201,
    call: (caller, input) => caller.attachments.create(input),
  },
  {
    method: 'post',
    path: '/attachments/:id/complete',
    tag: 'Attachments',
    summary: 'Check an uploaded file; a file that passes is ready to send',
    description:
      'The type is read from the bytes and must be allowed and agree with the declared type and the name (415 otherwise, and the upload is deleted). Images are re-encoded without their metadata and get a thumbnail. Only the uploader may call it; calling it again answers the same.',
    access: 'signed-in',
    params: attachmentId,
    output: AttachmentSchema,
    call: (caller, input) => caller.attachments.complete(input),
  },
  {
    method: 'get',
    path: '/attachments/:id',
    tag: 'Attachments',
    summary: 'An attachment with fresh links',
    description: 'Links last minutes (ATTACHMENT_LINK_TTL_SECONDS); a page open longer asks here again. The uploader sees it from the start, the conversation’s owner and admins once it is sent; anyone else gets 404.',
    access: 'owner or admin',
    input: AttachmentIdInput,
    params: attachmentId,
    output: AttachmentSchema,
    call: (caller, input) => caller.attachments.get(input),
  },
  {
    method: 'delete',
    path: '/attachments/:id',
    tag: 'Attachments',
    summary: 'Take back a file not sent yet; its bytes are deleted',
    description: 'Only the uploader, only before it is sent (409 after). Uploads never sent are deleted anyway after 24 hours.',
    access: 'signed-in',
    input: AttachmentIdInput,
    params: attachmentId,
    output: CancelledSchema,
    call: (caller, input) => caller.attachments.cancel(input),
  },
];

const signedLinkParameters = [
  { name: 'id', in: 'path', required: true, description: 'The attachment', schema: { type: 'string', format: 'uuid' } },
  { name: 'expires', in: 'query', required: true, description: 'From the link: when it stops working (Unix seconds)', schema: { type: 'integer', minimum: 0 } },
  { name: 'signature', in: 'query', required: true, description: 'From the link: the server’s signature', schema: { type: 'string' } },
];
const download = (what: string, types: string) => ({
  tags: ['Attachments'],
  summary: `Download ${what} by its signed link`,
  description: `Needs the link (it works for minutes) and the credentials of the conversation’s owner or an admin: a link alone opens nothing, so a page fetches it with its header and shows a blob. Served with \`X-Content-Type-Options: nosniff\`, a sandboxing Content-Security-Policy, and \`Content-Disposition: attachment\` except for raster images (inline). 403 for a link that is not this server’s or has expired (then GET /attachments/{id} for fresh links).`,
  security: [{ bearer: [] }, { guestId: [] }],
  parameters: signedLinkParameters,
  responses: { '200': { description: `The bytes (${types})`, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...failureResponses([401, 403, 404, 429, 503]) },
});

/** The OpenAPI entries of the streaming routes (the table above documents itself). */
export const attachmentTransferPaths = {
  '/api/support/attachments/{id}/upload': {
    put: {
      tags: ['Attachments'],
      summary: 'Upload a file’s bytes (local-disk storage; with S3 the URL is the bucket’s)',
      description:
        'The `upload.url` that POST /attachments answered, with its `upload.headers`: the signed URL is the credential, as a presigned bucket URL is. Streamed to disk, never held in memory; more bytes than announced answer 413 and nothing is kept. Then POST /attachments/{id}/complete.',
      operationId: 'putAttachmentsIdUpload',
      security: [{}],
      parameters: signedLinkParameters,
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: {
        '200': {
          description: 'Every byte arrived',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                description: 'The success envelope',
                properties: {
                  success: { const: true, description: 'Always true here' },
                  data: { type: 'object', description: 'What arrived', properties: { attachmentId: { type: 'string', format: 'uuid', description: 'The attachment' }, size: { type: 'integer', description: 'Bytes received' } } },
                },
              },
              example: { success: true, data: { attachmentId: exampleIds.attachment, size: 48213 } },
            },
          },
        },
        ...failureResponses([400, 403, 404, 409, 413, 429, 503]),
      },
    },
  },
  '/api/support/attachments/{id}/content': { get: { ...download('a file', 'its type read from the bytes'), operationId: 'getAttachmentsIdContent' } },
  '/api/support/attachments/{id}/thumbnail': { get: { ...download('an image’s thumbnail', 'image/webp, at most 320×320'), operationId: 'getAttachmentsIdThumbnail' } },
};

/** A query value as the link carries it: digits become a number, for the schema to check. */
const linkQuery = (query: Record<string, unknown>) => ({
  expires: typeof query.expires === 'string' && /^\d{1,12}$/.test(query.expires) ? Number(query.expires) : query.expires,
  signature: query.signature,
});

const cutOff = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ECONNABORTED';
};

/**
 * The bytes' half: uploads into the local-disk store and downloads from either store. The
 * procedures decide (signed link, who asks, what may be read); this layer only streams, and
 * sets the headers that keep a file from acting as a page.
 */
export function createAttachmentTransfers(files: AttachmentFiles): Router<RestState> {
  const router = new Router<RestState>({ prefix: '/api/support' });

  router.put('/attachments/:id/upload', async (ctx) => {
    const target = await ctx.state.caller.attachments.receive({ attachmentId: ctx.params.id, ...linkQuery(ctx.query) } as never);
    const announced = Number(ctx.get('Content-Length') || NaN);
    const tooLarge = () =>
      target.maxBytes < files.settings.maxBytes
        ? new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: 'The upload is larger than the size announced' })
        : fileTooLarge(files.settings.maxBytes);
    // Refused before a byte is stored when the length says so; counted as it streams otherwise.
    if (announced > target.maxBytes) throw tooLarge();
    let size: number;
    try {
      size = await files.store.receive(target.key, ctx.req, target.maxBytes);
    } catch (error) {
      if (error instanceof UploadTooLargeError) throw tooLarge();
      if (cutOff(error)) throw new TRPCError({ code: 'BAD_REQUEST', message: 'The upload was cut off' });
      throw error;
    }
    ctx.state.result = { attachmentId: ctx.params.id, size };
  });

  for (const [path, variant] of [['content', 'file'], ['thumbnail', 'thumbnail']] as const) {
    router.get(`/attachments/:id/${path}`, async (ctx) => {
      const opened = await ctx.state.caller.attachments.open({ attachmentId: ctx.params.id, variant, ...linkQuery(ctx.query) } as never);
      const body = await files.store.read(opened.key);
      if (!body) throw new TRPCError({ code: 'NOT_FOUND', message: 'Attachment not found' });
      ctx.attachment(opened.name, { type: opened.inline ? 'inline' : 'attachment' });
      ctx.type = opened.contentType.startsWith('text/') ? `${opened.contentType}; charset=utf-8` : opened.contentType;
      ctx.set('X-Content-Type-Options', 'nosniff');
      // Opened directly, a file still cannot run script or reach anything.
      ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
      ctx.set('Cache-Control', 'private, max-age=60');
      ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
      ctx.body = body;
    });
  }
  return router;
}
