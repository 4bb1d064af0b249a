import { LinkExpiredError } from '../src/uploads.js';
import type { PendingUpload } from '../src/wire.js';

/**
 * Browser adapters the widget and the console share (outside the package's core, which has no
 * DOM). The two browser requests every app makes the same way, whatever its transport: the bytes'
 * PUT (XMLHttpRequest, the one browser API that reports upload progress) and a download with
 * this side's credentials. They need a browser (or anything with XMLHttpRequest and fetch).
 */
export function putBytes(target: PendingUpload['upload'], file: Blob, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(failureText(xhr.responseText, xhr.status))));
    xhr.onerror = () => reject(new Error('The upload failed. Check your connection.'));
    xhr.onabort = () => reject(new Error('Upload stopped'));
    if (signal.aborted) return reject(new Error('Upload stopped'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** A download with the caller's headers (X-Guest-Id or Authorization): a link alone opens nothing. */
export async function fetchFile(url: string, headers: Record<string, string>): Promise<Blob> {
  const response = await fetch(url, { headers, credentials: 'omit' });
  if (response.ok) return response.blob();
  const text = await response.text().catch(() => '');
  const message = failureText(text, response.status);
  if (response.status === 403 && /expired/i.test(message)) throw new LinkExpiredError(message);
  throw new Error(message);
}

/** The envelope's message, an S3 error's, or the status. */
function failureText(body: string, status: number): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    const s3 = /<Message>([^<]{1,200})<\/Message>/.exec(body);
    if (s3) return s3[1]!;
  }
  return status === 413 ? 'The file is too large' : `The request failed (${status})`;
}
