/**
 * Image size and orientation from the file header only (no pixel decode): what dataset readers need to
 * know the oriented width/height and to move annotation coordinates into the oriented frame.
 */
import type { ImageSize } from '../core/types.js';
import { checkInputFile, explainSharpError, sharpInput } from './sharp.js';

export interface ImageProbe extends ImageSize {
  /** Size as stored in the file, before EXIF orientation. */
  storedWidth: number;
  storedHeight: number;
  /** EXIF orientation tag, 1 (none) to 8. */
  orientation: number;
  /** sharp's format name: jpeg, png, webp, tiff, gif, heif, … */
  format: string;
}

/** Reads width/height/orientation from the header. Throws BadImageError / NotFoundError with the reason. */
export async function probeImage(input: string | Buffer): Promise<ImageProbe> {
  await checkInputFile(input);
  let meta;
  try {
    meta = await sharpInput(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw explainSharpError(input, error);
  }
  const storedWidth = meta.width ?? 0;
  const storedHeight = meta.pageHeight && meta.pages && meta.pages > 1 ? meta.pageHeight : (meta.height ?? 0);
  if (!storedWidth || !storedHeight) throw explainSharpError(input, new Error('image header has no size'));
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const swap = orientation >= 5;
  return {
    width: swap ? storedHeight : storedWidth,
    height: swap ? storedWidth : storedHeight,
    storedWidth,
    storedHeight,
    orientation,
    format: meta.format ?? 'unknown',
  };
}
