/**
 * The one door to sharp (libvips). Every image read in ocrdet goes through `openImage`, which applies the
 * same safe defaults everywhere: a pixel limit against decompression bombs, the first frame only of
 * animated images, fail on truncated files, EXIF orientation applied (coordinates always refer to the
 * image as a person sees it), and RGB output whatever the input colour model.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { BadImageError, NotFoundError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';

export { sharp };

export const IMAGE_DEFAULTS = Object.freeze({
  /** Largest image accepted, in pixels (width × height as stored). 100 MP: well above any photo, far below a bomb. */
  maxPixels: 100_000_000,
});

export interface OpenImageOptions {
  /** Largest image accepted, in pixels. Default IMAGE_DEFAULTS.maxPixels. */
  maxPixels?: number;
  /** Page (0-based) of a multi-page file (TIFF, GIF, WebP). Default 0: the first. */
  page?: number;
}

/** Names given to in-memory images (uploads, requests), so their errors say which image they are about. */
const bufferNames = new WeakMap<Buffer, string>();

/** Decoded pixels handed over as a Buffer (a rendered PDF page, a TIFF page): their geometry, for libvips. */
const rawGeometry = new WeakMap<Buffer, { width: number; height: number; channels: 3 }>();

/**
 * Marks decoded packed-RGB pixels (a rendered PDF page, a page of a multi-page TIFF) as an input every
 * image function reads like a file, without encoding them: detectors take `string | Buffer`, and this
 * Buffer is read as raw pixels wherever an image is opened (`sharpInput`).
 */
export function rawImageInput(image: { data: Buffer; width: number; height: number }): Buffer {
  if (image.data.length !== image.width * image.height * 3) throw new RangeError(`raw image: ${image.data.length} bytes is not ${image.width}×${image.height}×3`);
  rawGeometry.set(image.data, { width: image.width, height: image.height, channels: 3 });
  return image.data;
}

/** The size of decoded pixels marked by `rawImageInput` (to mark them again on the far side of a worker boundary). */
export function rawImageSize(input: string | Buffer): { width: number; height: number } | undefined {
  const raw = typeof input === 'string' ? undefined : rawGeometry.get(input);
  return raw ? { width: raw.width, height: raw.height } : undefined;
}

/** Whether `input` is decoded pixels marked by `rawImageInput`. */
export function isRawImageInput(input: string | Buffer): boolean {
  return typeof input !== 'string' && rawGeometry.has(input);
}

/** A sharp instance over a path, encoded bytes, or raw pixels marked by `rawImageInput`. */
export function sharpInput(input: string | Buffer, options: sharp.SharpOptions = {}): Sharp {
  const raw = typeof input === 'string' ? undefined : rawGeometry.get(input);
  if (!raw) return sharp(input, options);
  const { limitInputPixels } = options;
  return sharp(input, { raw, ...(limitInputPixels === undefined ? {} : { limitInputPixels }) });
}

/** Gives an in-memory image the name its error messages should use (e.g. the upload's file name). */
export function nameInput(input: string | Buffer, name: string | undefined): void {
  if (typeof input !== 'string' && name) bufferNames.set(input, name);
}

/** A readable name for an input in messages: the path, the name given with `nameInput`, or the buffer's size. */
export function describeInput(input: string | Buffer): string {
  return typeof input === 'string' ? input : (bufferNames.get(input) ?? `<buffer of ${input.length} bytes>`);
}

/** Rejects missing and empty files with a clear error before libvips sees them. */
export async function checkInputFile(input: string | Buffer): Promise<void> {
  if (typeof input !== 'string') {
    if (input.length === 0) throw new BadImageError(`${describeInput(input)}: empty buffer`);
    return;
  }
  let info;
  try {
    info = await stat(input);
  } catch (error) {
    throw new NotFoundError(`${input}: no such file`, { cause: error });
  }
  if (info.isDirectory()) throw new BadImageError(`${input}: is a directory, not an image`);
  if (info.size === 0) throw new BadImageError(`${input}: empty file (0 bytes)`);
}

/**
 * Opens an image as a sharp pipeline: oriented, first frame, RGB 8-bit, alpha flattened on white
 * (text drawn on transparent backgrounds stays readable). Nothing is decoded until the pipeline runs.
 */
export function openImage(input: string | Buffer, options: OpenImageOptions = {}): Sharp {
  const maxPixels = options.maxPixels ?? IMAGE_DEFAULTS.maxPixels;
  return sharpInput(input, { limitInputPixels: maxPixels, failOn: 'truncated', pages: 1, page: options.page ?? 0 })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb');
}

/**
 * Turns a libvips message into a one-line reason a person understands.
 *
 * libvips keeps its last error message in one buffer for the whole process: when several images fail at once
 * (a batch of bad files), a decoder's message can be cleared before sharp reads it ("Unknown error") or be
 * another image's (a truncated JPEG said "pngload: end of stream"): measured, 99 of 400 truncated JPEGs
 * decoded 8 at a time. So the commonest cause, a file cut short, is read from the file's own bytes first: a
 * JPEG that does not end with its end-of-image marker, a PNG without its IEND chunk.
 */
export function explainSharpError(input: string | Buffer, error: unknown): BadImageError {
  const raw = error instanceof Error ? error.message : String(error);
  const first = raw.split('\n')[0] ?? raw;
  let reason: string;
  const overLimit = /pixel limit/i.test(raw);
  const cut = overLimit ? undefined : cutShort(input);
  if (overLimit) reason = `larger than the pixel limit (${first}); raise ${optionName('maxPixels')} if the image is genuine`;
  else if (/unsupported image format/i.test(raw)) reason = 'not an image sharp can read (unsupported or unrecognised format)';
  else if (cut) reason = `truncated or corrupt file (${cut})`;
  else if (/premature end|truncated|unexpected end|end of stream|not enough data|short read|read error/i.test(raw)) reason = `truncated or corrupt file (${first})`;
  else if (raw === 'Unknown error') reason = 'corrupt file (the decoder failed; its message was lost while other images failed at the same time)';
  else reason = first;
  return new BadImageError(`${describeInput(input)}: ${reason}`, { cause: error, ...(overLimit ? { details: optionDetails('maxPixels') } : {}) });
}

/** How a JPEG or PNG input is cut short, or undefined when it ends as it should (or is neither). */
function cutShort(input: string | Buffer): string | undefined {
  const ends = fileEnds(input);
  if (!ends) return undefined;
  const [head, tail] = ends;
  // A JPEG may carry a few bytes of padding after its marker; a PNG ends with IEND and its CRC.
  if (head[0] === 0xff && head[1] === 0xd8 && !tail.includes(JPEG_END)) return 'the JPEG ends before its end-of-image marker';
  if (head.equals(PNG_SIGNATURE) && !tail.subarray(-8, -4).equals(PNG_END)) return 'the PNG ends before its IEND chunk';
  return undefined;
}

const JPEG_END = Buffer.from([0xff, 0xd9]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_END = Buffer.from('IEND', 'latin1');

/** The first 8 and the last 32 bytes of an input, or undefined when the file cannot be read. */
function fileEnds(input: string | Buffer): [Buffer, Buffer] | undefined {
  if (typeof input !== 'string') return [input.subarray(0, 8), input.subarray(-32)];
  let fd: number | undefined;
  try {
    fd = openSync(input, 'r');
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(8, size));
    const tail = Buffer.alloc(Math.min(32, size));
    readSync(fd, head, 0, head.length, 0);
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return [head, tail];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
