/**
 * Images → compressed bytes for a model server (`data:` URLs of multimodal chat requests): the whole image,
 * or a rectangle of it (a tile), at an exact output size, as JPEG or PNG.
 *
 * `loadForEncoding` reads the file once and its header once; `encodeLoaded` then either sends the file's own
 * bytes (when they already are what would be produced: no decode, no encode, no extra JPEG loss) or runs one
 * libvips pipeline (orientation, JPEG shrink-on-load, resize, encode). Tiles come from an image decoded
 * once (`encodeRegion`), so nine tiles do not decode the file nine times. Coordinates are pixels of the
 * oriented original, as everywhere in ocrdet.
 */
import { readFile } from 'node:fs/promises';
import { BadImageError, NotFoundError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { ImageSize } from '../core/types.js';
import { type RgbImage } from './decode.js';
import { IMAGE_DEFAULTS, describeInput, explainSharpError, openImage, sharp, sharpInput, type OpenImageOptions } from './sharp.js';

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
}

export interface EncodedImage {
  data: Buffer;
  mime: 'image/jpeg' | 'image/png';
  /** The size of the encoded image, which is what the model is sent. */
  size: ImageSize;
}

/** An image read into memory, with what its header says. */
export interface LoadedImage {
  /** The input as given (for messages). */
  source: string | Buffer;
  bytes: Buffer;
  /** Size as a person sees it (after EXIF orientation). */
  size: ImageSize;
  /** sharp's format name: jpeg, png, webp, tiff, gif, heif… */
  format: string;
  /** Upright, one page, 8-bit RGB or grey without alpha, and complete: its bytes may be sent as they are. */
  sendable: boolean;
}

const DEFAULT_JPEG_QUALITY = 90;

/** Whether the bytes end as a complete JPEG (EOI marker, allowing trailing padding) or PNG (IEND chunk) does. */
function looksComplete(bytes: Buffer, format: string): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  if (format === 'png') return tail.includes('IEND', 0, 'latin1');
  if (format !== 'jpeg') return false;
  for (let i = tail.length - 2; i >= 0; i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    if (![0x00, 0x0a, 0x0d, 0x20].includes(tail[i + 1])) return false;
  }
  return false;
}

async function readInput(input: string | Buffer): Promise<Buffer> {
  if (typeof input !== 'string') return input;
  try {
    return await readFile(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new BadImageError(`${input}: is a directory, not an image`, { cause: error });
    if (code === 'ENOENT') throw new NotFoundError(`${input}: no such file`, { cause: error });
    throw new BadImageError(`${input}: cannot be read (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Reads an image and its header (no pixel decode). Throws NotFoundError, or BadImageError for empty,
 * unreadable and unsupported files and for images over `maxPixels`.
 */
export async function loadForEncoding(input: string | Buffer, options: OpenImageOptions = {}): Promise<LoadedImage> {
  const bytes = await readInput(input);
  if (bytes.length === 0) throw new BadImageError(`${describeInput(input)}: empty file (0 bytes)`);
  let meta;
  try {
    meta = await sharpInput(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw explainSharpError(input, error);
  }
  const stored = { width: meta.width ?? 0, height: meta.pageHeight && meta.pages && meta.pages > 1 ? meta.pageHeight : (meta.height ?? 0) };
  if (!stored.width || !stored.height) throw explainSharpError(input, new Error('image header has no size'));
  const maxPixels = options.maxPixels ?? IMAGE_DEFAULTS.maxPixels;
  if (stored.width * stored.height > maxPixels) {
    throw new BadImageError(`${describeInput(input)}: ${stored.width}×${stored.height} is larger than the pixel limit (${maxPixels}); raise ${optionName('maxPixels')} if the image is genuine`, {
      details: optionDetails('maxPixels'),
    });
  }
  const upright = meta.orientation === undefined || meta.orientation === 1;
  const turned = (meta.orientation ?? 1) >= 5;
  const plain = !meta.hasAlpha && (meta.space === 'srgb' || meta.space === 'b-w') && (meta.depth === undefined || meta.depth === 'uchar');
  const format = meta.format ?? 'unknown';
  return {
    source: input,
    bytes,
    size: turned ? { width: stored.height, height: stored.width } : stored,
    format,
    sendable: upright && plain && !(meta.pages && meta.pages > 1) && looksComplete(bytes, format),
  };
}

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

/**
 * The whole image at `options.size` in `options.format`: the file's own bytes when they already are exactly
 * that (see LoadedImage.sendable), else oriented, resized and encoded. Throws BadImageError (truncated,
 * corrupt) naming the input.
 */
export async function encodeLoaded(image: LoadedImage, options: EncodeOptions): Promise<EncodedImage> {
  const same = image.size.width === options.size.width && image.size.height === options.size.height;
  if (image.sendable && same && image.format === options.format) {
    return { data: image.bytes, mime: options.format === 'png' ? 'image/png' : 'image/jpeg', size: { ...image.size } };
  }
  try {
    const { data, info } = await encodeWith(openImage(image.bytes, options), options).toBuffer({ resolveWithObject: true });
    return result(data, info, options.format);
  } catch (error) {
    throw explainSharpError(image.source, error);
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
