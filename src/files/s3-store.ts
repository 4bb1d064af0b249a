import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { FileStore, UploadTarget } from './store.js';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** MinIO, R2, a local test server: anything but AWS itself. Path-style addressing then. */
  endpoint?: string;
  /** Tests pass keys; in production the SDK's usual chain finds them (env, profile, IRSA). */
  credentials?: S3ClientConfig['credentials'];
}

const missing = (error: unknown) =>
  error instanceof NoSuchKey || error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/**
 * Attachments in an S3-compatible bucket. Browsers upload straight to it with a presigned PUT
 * whose signature covers the length and type, so the server never carries an upload's bytes.
 */
export class S3Store implements FileStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Where the presigned URLs point, for the pages' CSP. */
  readonly uploadOrigin: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.endpoint !== undefined,
      credentials: options.credentials,
      // Checksums only where S3 requires them: stores other than AWS (and presigned browser
      // uploads) do not all speak the SDK's default trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The SDK waits forever by default: a store that stops answering would hold a
      // `complete` (and the connection behind it) open for good.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    });
    // Asked of the SDK's own rules, not rebuilt here: on AWS a bucket is virtual-hosted
    // (`bucket.s3.region…`) unless its name has dots, which cannot be a host under the
    // certificate, and then the presigner writes path-style URLs on `s3.region…`.
    const { url } = this.client.config.endpointProvider({ Bucket: options.bucket, Region: options.region, Endpoint: options.endpoint, ForcePathStyle: options.endpoint !== undefined });
    this.uploadOrigin = url.origin;
  }

  async directUpload(key: string, size: number, contentType: string, expiresInSeconds: number): Promise<UploadTarget> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentLength: size, ContentType: contentType });
    const url = await getSignedUrl(this.client, command, { expiresIn: expiresInSeconds, signableHeaders: new Set(['content-type', 'content-length']) });
    // Browsers set Content-Length themselves (and refuse to be told it).
    return { method: 'PUT', url, headers: { 'Content-Type': contentType } };
  }

  async receive(key: string, body: Readable): Promise<number> {
    // Never called: uploads go to the bucket directly. Kept honest rather than silently buffering.
    body.destroy();
    throw new Error(`S3 uploads go to the bucket directly, not through the server (${key})`);
  }

  async write(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }));
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength;
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async read(key: string, bytes?: number): Promise<Readable | undefined> {
    try {
      const range = bytes === undefined ? undefined : `bytes=0-${Math.max(0, bytes - 1)}`;
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      return object.Body as Readable;
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async move(from: string, to: string): Promise<void> {
    await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${from}` }));
    await this.remove([from]);
  }

  async remove(keys: string[]): Promise<void> {
    // One request per key: DeleteObjects needs a body checksum that not every S3-compatible store takes.
    // Every request settles before the answer: a failure must not leave the other deletes
    // retrying after the caller was told the removal failed.
    const results = await Promise.allSettled(keys.map((Key) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async removeAbandonedParts(): Promise<number> {
    return 0;
  }

  destroy(): void {
    this.client.destroy();
  }
}
