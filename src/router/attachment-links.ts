import type { AttachmentRow } from '../db/schema.js';
import type { AttachmentFiles } from '../files/attachment-files.js';
import type { Attachment } from './attachments.schema.js';

const linkPath = (id: string, kind: 'content' | 'thumbnail' | 'upload', link: { expires: number; signature: string }, files: AttachmentFiles) =>
  `${files.settings.publicUrl ?? ''}/api/support/attachments/${id}/${kind}?expires=${link.expires}&signature=${link.signature}`;

const expiryIn = (files: AttachmentFiles, seconds: number) => Math.floor(files.now() / 1000) + seconds;

/** A ready attachment with fresh signed links. */
export function toAttachment(row: AttachmentRow, files: AttachmentFiles): Attachment {
  const expires = expiryIn(files, files.settings.linkTtlSeconds);
  const attachment: Attachment = {
    id: row.id,
    name: row.name,
    size: row.size ?? row.declared_size,
    contentType: row.content_type ?? row.declared_type,
    url: linkPath(row.id, 'content', files.links.sign('file', row.id, expires), files),
  };
  if (row.width !== null && row.height !== null) Object.assign(attachment, { width: row.width, height: row.height });
  if (row.has_thumbnail) attachment.thumbnailUrl = linkPath(row.id, 'thumbnail', files.links.sign('thumbnail', row.id, expires), files);
  return attachment;
}

/** The upload URL of the local-disk store: this server, signed like a presigned URL. */
export function diskUploadUrl(id: string, files: AttachmentFiles): { url: string; expires: number } {
  const expires = expiryIn(files, files.settings.uploadTtlSeconds);
  return { url: linkPath(id, 'upload', files.links.sign('upload', id, expires), files), expires };
}
