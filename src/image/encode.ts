/**
 * Images → compressed bytes for a model server (`data:` URLs of multimodal chat requests): the whole image,
 * or a rectangle of it (a tile), resized to an exact output size and encoded as JPEG or PNG.
 *
 * The whole-image path runs one libvips pipeline (orientation, JPEG shrink-on-load, resize, encode). Tiles
 * come from an image decoded once (`decodeImage`), so cutting nine tiles does not decode the file nine times.
 * Coordinates are pixels of the oriented original, as everywhere in ocrdet.
 */
import { readFile } from 'node:fs/promises';
import type { ImageSize } from '../core/types.js';
import { type RgbImage } from './decode.js';
import { checkInputFile, explainSharpError, openImage, sharp, type OpenImageOptions } from './sharp.js';

export type EncodedFormat = 'jpeg' | 'png';

/** A rectangle of the oriented original, in whole pixels. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface EncodeOptions extends OpenImageOptions {
  /** Output size in pixels: exactly this (the aspect ratio is the caller's business). */
  size: ImageSize;
  format: EncodedFormat;
  /** JPEG quality 1–100. Default 90: small text stays legible, files stay ~4× smaller than PNG. */
  jpegQuality?: number;
  /**
   * Send the file's own bytes when they already are what would be produced: same format, same size, upright
   * (no EXIF rotation), RGB or grey without alpha, and complete (JPEG EOI / PNG IEND present). Saves a
   * decode and an encode per image (and a generation of JPEG loss). Default false.
   */
  allowUnchanged?: boolean;
}

export interface EncodedImage {
  data: Buffer;
  mime: 'image/jpeg' | 'image/png';
  /** The size of the encoded image, which is what the model is sent. */
  size: ImageSize;
}

const DEFAULT_JPEG_QUALITY = 90;

function encodeWith(pipeline: sharp.Sharp, options: EncodeOptions): sharp.Sharp {
  const { width, height } = options.size;
  // Lanczos3 (sharp's default kernel) keeps thin strokes; fill: the caller chose the exact size.
  const resized = pipeline.resize(width, height, { fit: 'fill' });
  return options.format === 'png'
    ? resized.png({ compressionLevel: 6 })
    : resized.jpeg({ quality: options.jpegQuality ?? DEFAULT_JPEG_QUALITY, chromaSubsampling: '4:4:4' });
}

function result(data: Buffer, info: sharp.OutputInfo, format: EncodedFormat): EncodedImage {
  return { data, mime: format === 'png' ? 'image/png' : 'image/jpeg', size: { width: info.width, height: info.height } };
}

/** Whether the bytes end as a complete JPEG (EOI marker, allowing trailing padding) or PNG (IEND chunk) does. */
function looksComplete(bytes: Buffer, format: EncodedFormat): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  if (format === 'png') return tail.includes('IEND', 0, 'latin1');
  for (let i = tail.length - 2; i >= 0; i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    if (tail[i + 1] !== 0x00 && tail[i + 1] !== 0x0a && tail[i + 1] !== 0x0d && tail[i + 1] !== 0x20) return false;
  }
  return false;
}

/** The input's own bytes, when they can be sent as they are (see EncodeOptions.allowUnchanged). */
async function unchanged(input: string | Buffer, options: EncodeOptions): Promise<EncodedImage | undefined> {
  const meta = await sharp(input).metadata();
  const upright = meta.orientation === undefined || meta.orientation === 1;
  const plain = !meta.hasAlpha && (meta.space === 'srgb' || meta.space === 'b-w') && (meta.depth === undefined || meta.depth === 'uchar');
  const sameSize = meta.width === options.size.width && meta.height === options.size.height && !(meta.pages && meta.pages > 1);
  if (meta.format !== options.format || !upright || !plain || !sameSize) return undefined;
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  if (!looksComplete(bytes, options.format)) return undefined;
  return { data: bytes, mime: options.format === 'png' ? 'image/png' : 'image/jpeg', size: { width: options.size.width, height: options.size.height } };
}

/**
 * The whole image, oriented, resized to `options.size` and encoded. Throws BadImageError (empty, truncated,
 * unsupported, over the pixel limit) or NotFoundError.
 */
export async function encodeImage(input: string | Buffer, options: EncodeOptions): Promise<EncodedImage> {
  await checkInputFile(input);
  try {
    if (options.allowUnchanged) {
      const same = await unchanged(input, options);
      if (same) return same;
    }
    const { data, info } = await encodeWith(openImage(input, options), options).toBuffer({ resolveWithObject: true });
    return result(data, info, options.format);
  } catch (error) {
    throw explainSharpError(input, error);
  }
}

/** A rectangle of a decoded image, resized to `options.size` and encoded. */
export async function encodeRegion(image: RgbImage, rect: PixelRect, options: EncodeOptions): Promise<EncodedImage> {
  const source = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).extract(rect);
  const { data, info } = await encodeWith(source, options).toBuffer({ resolveWithObject: true });
  return result(data, info, options.format);
}

/** `data:image/jpeg;base64,…` */
export function toDataUrl(image: EncodedImage): string {
  return `data:${image.mime};base64,${image.data.toString('base64')}`;
}
