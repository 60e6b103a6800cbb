/**
 * Full decode to packed RGB bytes, oriented as a person sees the image. Detectors that resize first should
 * use `openImage` and resize in the same libvips pipeline instead (cheaper than decode-then-resize).
 */
import { IMAGE_DEFAULTS, checkInputFile, explainSharpError, openImage, type OpenImageOptions } from './sharp.js';

export interface RgbImage {
  /** Packed RGB, 3 bytes per pixel, row by row. */
  data: Buffer;
  width: number;
  height: number;
}

export type DecodeOptions = OpenImageOptions;
export { IMAGE_DEFAULTS };

/**
 * Decodes any image sharp reads (JPEG, PNG, WebP, TIFF, GIF first frame, AVIF/HEIF where built in) to
 * 8-bit RGB: EXIF orientation applied, CMYK/16-bit/grey converted, alpha flattened on white.
 * Throws BadImageError (empty, truncated, unsupported, over the pixel limit) or NotFoundError.
 */
export async function decodeImage(input: string | Buffer, options: DecodeOptions = {}): Promise<RgbImage> {
  await checkInputFile(input);
  try {
    const { data, info } = await openImage(input, options)
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw explainSharpError(input, error);
  }
}
