/**
 * Small JPEG copies of images for pages a person reads (the evaluation report): upright (EXIF orientation
 * applied, as ocrdet's coordinates are), shrunk so the longer side is at most `maxSidePx`, never enlarged.
 * The original's size comes back too, so regions in original pixels can be drawn over the copy.
 */
import type { ImageSize } from '../core/types.js';
import { loadForEncoding } from './encode.js';
import { explainSharpError, openImage } from './sharp.js';

export const THUMBNAIL_DEFAULTS = Object.freeze({
  /** Longer side, px: small text stays legible when the picture is opened full size. */
  maxSidePx: 800,
  /**
   * JPEG quality with 4:2:0 chroma: ~55 KB per seed-test photo at 800 px (quality 80: ~60 KB; WebP at 70:
   * ~35 KB but 4–5× slower to encode, bench/eval-report.bench.js).
   */
  jpegQuality: 70,
});

export interface ThumbnailOptions {
  maxSidePx?: number;
  jpegQuality?: number;
  /** Pixel limit when reading (src/image/sharp.ts IMAGE_DEFAULTS). */
  maxPixels?: number;
}

export interface Thumbnail {
  data: Buffer;
  /** The original's size as a person sees it (after EXIF orientation). */
  size: ImageSize;
  /** The copy's size. */
  thumbnailSize: ImageSize;
}

/** Throws NotFoundError or BadImageError (naming the file) for images that cannot be read. */
export async function makeThumbnail(input: string | Buffer, options: ThumbnailOptions = {}): Promise<Thumbnail> {
  const { maxSidePx, jpegQuality } = { ...THUMBNAIL_DEFAULTS, ...options };
  const loaded = await loadForEncoding(input, options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels });
  try {
    const { data, info } = await openImage(loaded.bytes, options)
      .resize(maxSidePx, maxSidePx, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: jpegQuality })
      .toBuffer({ resolveWithObject: true });
    return { data, size: loaded.size, thumbnailSize: { width: info.width, height: info.height } };
  } catch (error) {
    throw explainSharpError(input, error);
  }
}
