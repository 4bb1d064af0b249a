/**
 * What may be attached, by the type read from the bytes: raster images, PDF, plain text and
 * CSV, office documents, zip. Anything a browser could run (HTML, SVG, scripts) or a computer
 * could execute is outside it, whatever its name or declared type says.
 */
export const defaultAllowedTypes = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/zip',
] as const;

/** The names each type goes by. A file whose name says another type is refused. */
export const extensionsOf: Record<string, readonly string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jfif'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'log', 'md', 'text'],
  'text/csv': ['csv'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
  'application/msword': ['doc'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/zip': ['zip'],
};

/** Raster images: re-encoded without metadata, given a thumbnail, and shown inline. */
export const rasterImageTypes: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Names nobody should be handed in a support chat, refused before any byte is sent. */
const dangerousExtensions = new Set(
  'html htm xhtml shtml svg svgz xml xsl js mjs cjs jsx ts vbs vbe wsf wsh hta ps1 psm1 bat cmd com exe msi msp scr dll cpl jar apk app dmg pkg deb rpm sh bash zsh csh ksh php phtml py pl rb cgi swf lnk reg scf iso img'.split(' '),
);

/** What browsers and systems call the same types by other names. */
const aliases: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/x-zip-compressed': 'application/zip',
  'application/x-pdf': 'application/pdf',
  'text/x-csv': 'text/csv',
  'application/csv': 'text/csv',
  'text/markdown': 'text/plain',
  'text/x-log': 'text/plain',
};

/** A declared type in its plain form: lower case, no parameters, aliases resolved. */
export function normaliseType(declared: string): string {
  const plain = declared.split(';')[0]!.trim().toLowerCase();
  return aliases[plain] ?? plain;
}

/** Declared types that say nothing (a browser that does not know the extension sends ''). */
export const isUnspecifiedType = (type: string) => type === '' || type === 'application/octet-stream';

export function extensionOf(name: string): string | undefined {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return match?.[1]!.toLowerCase();
}

export const hasDangerousExtension = (name: string) => {
  const extension = extensionOf(name);
  return extension !== undefined && dangerousExtensions.has(extension);
};

/**
 * A name fit for storage, headers and display: no folders, no control or bidi-override
 * characters, no quotes or backslashes, at most 200 characters with its extension kept.
 */
export function sanitiseFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  let clean = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069"]/g, '')
    .replace(/^[\s.]+/, '')
    .trim();
  if (clean.length > 200) {
    const extension = extensionOf(clean);
    const tail = extension ? `.${extension}` : '';
    // A cut between the halves of a surrogate pair (an emoji) would store U+FFFD: drop the half.
    clean = clean.slice(0, 200 - tail.length).replace(/[\uD800-\uDBFF]$/, '').trimEnd() + tail;
  }
  return clean || 'file';
}
