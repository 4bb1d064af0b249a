import type { Readable } from 'node:stream';

/** Where a browser sends an upload's bytes: one request, exactly as described. */
export interface UploadTarget {
  method: 'PUT';
  url: string;
  /** Headers the request must carry (a presigned URL signs them). */
  headers: Record<string, string>;
}

/**
 * Where attachment bytes live, by key (`uploads/<id>` as received, `files/<id>` once checked,
 * `thumbnails/<id>`). Two implementations: a folder on local disk and an S3-compatible bucket.
 * Nothing here knows about conversations or people: the procedures decide, the store keeps.
 */
export interface FileStore {
  readonly kind: 'disk' | 's3';
  /** The origin browsers upload to when it is not this server (a bucket), for the pages' CSP. */
  readonly uploadOrigin?: string;
  /**
   * A URL the bytes can be sent straight to (S3: presigned), or undefined when they must come
   * through the server (disk: the REST layer streams them into `receive`).
   */
  directUpload(key: string, size: number, contentType: string, expiresInSeconds: number): Promise<UploadTarget | undefined>;
  /** Streams a body into `key`, refusing it past `maxBytes`; nothing is left at `key` unless all of it arrived. */
  receive(key: string, body: Readable, maxBytes: number): Promise<number>;
  /** Stores bytes the server made (a cleaned image, a thumbnail). */
  write(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The object's size, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** A stream of the object (the first `bytes` only, when given), or undefined when there is none. */
  read(key: string, bytes?: number): Promise<Readable | undefined>;
  /** Renames within the store: a checked upload becomes a file that no upload URL can overwrite. */
  move(from: string, to: string): Promise<void>;
  /** Deletes what exists of these keys. */
  remove(keys: string[]): Promise<void>;
  /**
   * Deletes partial writes that nothing finished (a process killed mid-upload) and that have not
   * grown since `before`; answers how many. A bucket has none: a PUT is whole or absent.
   */
  removeAbandonedParts(before: Date): Promise<number>;
}

export const storageKeys = {
  upload: (id: string) => `uploads/${id}`,
  file: (id: string) => `files/${id}`,
  thumbnail: (id: string) => `thumbnails/${id}`,
};
