import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Context } from 'koa';

const gzipped = promisify(gzip);

export interface Asset {
  body: Buffer;
  etag: string;
  /** Kept for large text files, so each request costs no compression. */
  gzipped?: Buffer;
}

export async function asset(body: Buffer, compress = false): Promise<Asset> {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, etag, ...(compress && { gzipped: await gzipped(body, { level: 9 }) }) };
}

/** A file read once and again only when it changes; undefined while it does not exist. */
export function fileAsset(file: string, compress = false): () => Promise<Asset | undefined> {
  let cached: { mtimeMs: number; size: number; asset: Asset } | undefined;
  return async () => {
    let info;
    try {
      info = await stat(file);
    } catch {
      return undefined;
    }
    if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      cached = { mtimeMs: info.mtimeMs, size: info.size, asset: await asset(await readFile(file), compress) };
    }
    return cached.asset;
  };
}

/** Sends an asset with cache headers; revalidates by ETag, and sends it gzipped when it can. */
export function sendAsset(ctx: Context, file: Asset, type: string): void {
  const gzip = file.gzipped !== undefined && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
  ctx.status = 200;
  ctx.type = type;
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
  // Each encoding is its own representation, with its own ETag.
  ctx.set('ETag', gzip ? file.etag.replace(/"$/, '-gz"') : file.etag);
  if (file.gzipped) ctx.vary('Accept-Encoding');
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  if (gzip) ctx.set('Content-Encoding', 'gzip');
  ctx.body = gzip ? file.gzipped : file.body;
}

/**
 * The policy of the pages this server shows (the widget demo, the API docs): scripts and
 * styles from this origin only, never inline; no plugins, frames, forms or base URL. A page
 * names its own style sources: a nonce for the demo's one style element. Images may be blob:
 * object URLs (attachments are fetched with credentials, then shown from memory).
 */
export function setPagePolicy(ctx: Context, styleSrc: string, connectTo: readonly string[] = []): void {
  ctx.set(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "script-src 'self'",
      // Plus where uploads go when that is not this server (an S3 bucket).
      ['connect-src', "'self'", ...connectTo].join(' '),
      `style-src ${styleSrc}`,
      // blob: the page's own object URLs (attachments fetched with the caller's credentials).
      "img-src 'self' data: blob:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  );
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.type = 'text/html; charset=utf-8';
}
