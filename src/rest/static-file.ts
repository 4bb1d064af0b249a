import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Context } from 'koa';

export interface LoadedFile {
  body: Buffer;
  etag: string;
}

/**
 * A built file read from disk, re-read only when it changes (a rebuild while the server runs),
 * with an ETag for revalidation. Answers undefined while the file is not built.
 */
export function builtFile(path: string, transform: (body: Buffer) => Buffer = (body) => body): () => Promise<LoadedFile | undefined> {
  let cached: (LoadedFile & { mtimeMs: number; size: number }) | undefined;
  return async () => {
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined;
    }
    if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      const body = transform(await readFile(path));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      cached = { mtimeMs: info.mtimeMs, size: info.size, body, etag };
    }
    return cached;
  };
}

/** The policy of the pages this server serves itself: its own scripts only, no inline script. */
export function pagePolicy(styleSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "connect-src 'self'",
    `style-src ${styleSrc}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The answer while a file is not built yet (a checkout before its first build). */
export function notBuilt(ctx: Context, what: string, command: string): void {
  ctx.status = 503;
  ctx.type = 'text/plain';
  ctx.body = `${what} is not built: run \`${command}\`.\n`;
}
