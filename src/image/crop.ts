/**
 * Writing parts of an image to files, upright: the crops of an over-budget training image, and upright
 * copies of images whose EXIF orientation a trainer would ignore (ms-swift's and InternVL's loaders open
 * images with PIL without applying EXIF orientation, while ocrdet's coordinates refer to the image as a
 * person sees it). The rectangle is in pixels of the oriented image; the output carries no orientation tag.
 * JPEG sources are written as JPEG (quality 95, 4:4:4 chroma so thin strokes keep their colour edges), any
 * other as PNG (lossless).
 */
import { dirname } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import type { Box } from '../core/types.js';
import { checkInputFile, explainSharpError, openImage, type OpenImageOptions } from './sharp.js';

export interface ImagePart {
  /** x1, y1, x2, y2 in pixels of the oriented image (integers); absent: the whole image. */
  rect?: Box;
  /** Output file; its extension is chosen by `imagePartExtension`. */
  path: string;
}

/** The extension a part of `source` is written with: `.jpg` for JPEG sources, `.png` otherwise. */
export function imagePartExtension(source: string): '.jpg' | '.png' {
  return /\.jpe?g$/i.test(source) ? '.jpg' : '.png';
}

/**
 * Writes each part of `source` (decoded once per part by libvips, which reads only the rows it needs for a
 * JPEG crop). Throws BadImageError / NotFoundError when the source cannot be read.
 */
export async function writeImageParts(source: string, parts: readonly ImagePart[], options: OpenImageOptions = {}): Promise<void> {
  await checkInputFile(source);
  const jpeg = imagePartExtension(source) === '.jpg';
  for (const part of parts) {
    makeDirectory(dirname(part.path));
    let pipeline = openImage(source, options);
    if (part.rect) {
      const [x1, y1, x2, y2] = part.rect.map((v) => Math.round(v));
      pipeline = pipeline.extract({ left: x1, top: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1) });
    }
    try {
      await (jpeg ? pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }) : pipeline.png()).toFile(part.path);
    } catch (error) {
      throw explainSharpError(source, error);
    }
  }
}
