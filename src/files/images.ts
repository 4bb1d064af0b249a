import sharp from 'sharp';

/** A decoded image bigger than this is refused: what bounds a decompression bomb. */
const MAX_PIXELS = 50_000_000;
const THUMBNAIL_SIZE = 320;

const outputFormat = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' } as const;

export interface CleanImage {
  bytes: Buffer;
  width: number;
  height: number;
  thumbnail: Buffer;
}

export class UnreadableImageError extends Error {}

/**
 * Re-encodes an image in its own format: metadata (EXIF with GPS, comments, anything appended
 * after the image data) is gone, orientation is applied to the pixels, and a polyglot keeps
 * only what decodes as an image. PNG and GIF keep every pixel; JPEG and WebP are
 * re-encoded at high quality. libvips works on libuv's thread pool, off the event loop.
 * It takes the bytes, not a stream: sharp gathers a piped stream into one buffer anyway, and a
 * source that fails half way (a store's connection reset) would be an unhandled error on the
 * sharp instance, which ends the process.
 */
export async function cleanImage(source: Buffer, contentType: keyof typeof outputFormat): Promise<CleanImage> {
  const animated = contentType === 'image/gif' || contentType === 'image/webp';
  try {
    const encoder = sharp(source, { limitInputPixels: MAX_PIXELS, failOn: 'error', animated }).rotate();
    const format = outputFormat[contentType];
    const { data, info } = await (format === 'jpeg'
      ? encoder.jpeg({ quality: 92, mozjpeg: true })
      : format === 'png'
        ? encoder.png({ compressionLevel: 9 })
        : format === 'webp'
          ? encoder.webp({ quality: 90 })
          : encoder.gif()
    ).toBuffer({ resolveWithObject: true });
    const thumbnail = await sharp(data, { limitInputPixels: MAX_PIXELS })
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { bytes: data, width: info.width, height: info.pageHeight ?? info.height, thumbnail };
  } catch (error) {
    throw new UnreadableImageError((error as Error).message);
  }
}

export const isCleanableImage = (type: string): type is keyof typeof outputFormat => Object.hasOwn(outputFormat, type);
