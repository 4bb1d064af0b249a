import { fileTypeFromBuffer } from 'file-type';
import { extensionOf, extensionsOf, isUnspecifiedType, normaliseType } from './file-types.js';

/** Legacy Office files are all one container format; their names say which they are. */
const compoundDocumentTypes: Record<string, string> = { doc: 'application/msword', xls: 'application/vnd.ms-excel', ppt: 'application/vnd.ms-powerpoint' };

/**
 * How much of a file is read to tell what it is: enough for file-type to look into an office
 * document's zip entries; of a file without a signature, the first 64 KiB must be text.
 */
export const SNIFF_BYTES = 256 * 1024;
const TEXT_SNIFF_BYTES = 64 * 1024;

export type Verdict = { ok: true; contentType: string } | { ok: false; reason: string };

/** What file-type reads from the start of the bytes (undefined: no known signature, maybe text). */
export async function signatureOf(head: Uint8Array): Promise<string | undefined> {
  return (await fileTypeFromBuffer(head))?.mime;
}

const markup = /<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|link|style)\b/i;

/** Text we can show as text: UTF-8, no NUL bytes, no markup a browser would run, no script header. */
function isPlainText(sample: Buffer): boolean {
  const head = sample.subarray(0, TEXT_SNIFF_BYTES);
  if (head.includes(0)) return false;
  try {
    // `stream`: a character cut at the end of the sample is not an error.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return !markup.test(text) && !/^\uFEFF?#!/.test(text);
  } catch {
    return false;
  }
}

/**
 * Decides what an upload is: the type read from its bytes, which must be allowed, agree with
 * the declared type (unless the browser declared none) and with the name's extension. Lies
 * are refused, not corrected: a PNG called `.pdf` is someone's mistake or someone's trick.
 */
export function judge(input: { signature: string | undefined; head: Buffer; name: string; declared: string; allowed: ReadonlySet<string> }): Verdict {
  const { name, allowed } = input;
  const declared = normaliseType(input.declared);
  const extension = extensionOf(name);
  let actual = input.signature;
  if (actual === 'application/x-cfb' && extension && compoundDocumentTypes[extension]) actual = compoundDocumentTypes[extension];
  if (actual === undefined) {
    if (input.head.length === 0) return { ok: false, reason: 'The file is empty' };
    if (!isPlainText(input.head)) return { ok: false, reason: 'This type of file is not allowed' };
    actual = declared === 'text/csv' || extension === 'csv' ? 'text/csv' : 'text/plain';
  }
  if (!allowed.has(actual)) return { ok: false, reason: 'This type of file is not allowed' };
  const text = actual.startsWith('text/');
  const declaredMatches = isUnspecifiedType(declared) || declared === actual || (text && declared.startsWith('text/')) || (actual === 'text/csv' && declared === 'application/vnd.ms-excel');
  const names = extensionsOf[actual] ?? [];
  const nameMatches = extension === undefined || names.includes(extension) || (text && ['txt', 'csv', 'log', 'md', 'text'].includes(extension));
  if (!declaredMatches || !nameMatches) return { ok: false, reason: `The file’s content does not match its ${nameMatches ? 'type' : 'name'}` };
  return { ok: true, contentType: actual };
}
