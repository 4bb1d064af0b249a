import path from 'node:path';
import { DiskStore } from './disk-store.js';
import { LinkSigner } from './links.js';
import { S3Store } from './s3-store.js';
import type { FileStore } from './store.js';

export type AttachmentStorage = { kind: 'disk'; dir: string } | { kind: 's3'; bucket: string; region: string; endpoint?: string };

export interface AttachmentSettings {
  storage: AttachmentStorage;
  /** Largest file, in bytes (ATTACHMENT_MAX_BYTES). */
  maxBytes: number;
  /** Types read from the bytes that may be attached (ATTACHMENT_TYPES). */
  allowedTypes: ReadonlySet<string>;
  /** How long a download link works (ATTACHMENT_LINK_TTL_SECONDS). */
  linkTtlSeconds: number;
  /** How long an upload URL works. */
  uploadTtlSeconds: number;
  /** Uploads no message took are deleted after this long. */
  unattachedLifetimeSeconds: number;
  /** The server's public origin for absolute links (PUBLIC_URL); links are path-absolute without it. */
  publicUrl?: string;
}

/** What the attachment procedures need: where bytes live, how links are signed, the rules' numbers. */
export interface AttachmentFiles {
  store: FileStore;
  links: LinkSigner;
  settings: AttachmentSettings;
  /** The clock links and lifetimes are measured by (tests move it). */
  now: () => number;
}

export function createAttachmentFiles(settings: AttachmentSettings, linkSecret: string): AttachmentFiles {
  const store: FileStore =
    settings.storage.kind === 's3'
      ? new S3Store({ bucket: settings.storage.bucket, region: settings.storage.region, endpoint: settings.storage.endpoint })
      : new DiskStore(path.resolve(settings.storage.dir));
  return { store, links: new LinkSigner(linkSecret), settings, now: Date.now };
}
