import type { Attachment, PendingUpload } from './wire.js';

/** What an app's connection does for files: the attachments procedures, and the bytes' own request. */
export interface FileTransport {
  /** Announces a file (attachments.create): refused at once when too big or of a refused kind. */
  createUpload(input: { conversationId: string; name: string; size: number; contentType: string }): Promise<PendingUpload>;
  /** Sends the bytes where `create` said, reporting progress (0 to 1); stops when `signal` aborts. */
  putBytes(target: PendingUpload['upload'], file: Blob, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<void>;
  /** Has the server check the bytes (attachments.complete). */
  completeUpload(attachmentId: string): Promise<Attachment>;
  /** Takes back an upload not sent (attachments.cancel). */
  cancelUpload(attachmentId: string): Promise<void>;
}

/** What reads attachments: the bytes of a link (with this side's credentials), and fresh links. */
export interface FileReader {
  /** The bytes behind a link; throws LinkExpiredError when the server says the link is stale. */
  fetchFile(url: string): Promise<Blob>;
  /** attachments.get: the same attachment with fresh links. */
  refresh(attachmentId: string): Promise<Attachment>;
}

export class LinkExpiredError extends Error {
  override name = 'LinkExpiredError';
}

/** What a user picked to send: a browser File fits. */
export interface FileToSend {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

export const MAX_FILES_PER_MESSAGE = 5;
/** The server's default ATTACHMENT_MAX_BYTES; an app that knows its server's can pass it to the session. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** "2.4 MB", "312 KB", "18 bytes": a size as people read it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
}

/**
 * Attachments as object URLs a view can put in `<img src>` or a download link: fetched once
 * each with this side's credentials (a link alone opens nothing), refreshed once when the link
 * has expired, and revoked on `dispose`.
 */
export class AttachmentFiles {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    private readonly reader: FileReader,
    private readonly objectUrls: { create(blob: Blob): string; revoke(url: string): void } = {
      create: (blob) => URL.createObjectURL(blob),
      revoke: (url) => URL.revokeObjectURL(url),
    },
  ) {}

  /** An object URL of the file or its thumbnail; the same promise for every view that asks. */
  url(attachment: Attachment, variant: 'file' | 'thumbnail' = 'file'): Promise<string> {
    const key = `${attachment.id}:${variant}`;
    let url = this.urls.get(key);
    if (!url) {
      url = this.load(attachment, variant).then((blob) => this.objectUrls.create(blob));
      // A failure is not remembered: the next view that asks tries again.
      url.catch(() => this.urls.delete(key));
      this.urls.set(key, url);
    }
    return url;
  }

  dispose(): void {
    for (const url of this.urls.values()) url.then((u) => this.objectUrls.revoke(u), () => undefined);
    this.urls.clear();
  }

  private async load(attachment: Attachment, variant: 'file' | 'thumbnail'): Promise<Blob> {
    const link = (a: Attachment) => (variant === 'thumbnail' ? (a.thumbnailUrl ?? a.url) : a.url);
    try {
      return await this.reader.fetchFile(link(attachment));
    } catch (error) {
      if (!(error instanceof LinkExpiredError)) throw error;
      return this.reader.fetchFile(link(await this.reader.refresh(attachment.id)));
    }
  }
}
