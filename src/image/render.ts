/**
 * Vector to raster through the one door to sharp: SVG (charts, overlays drawn as SVG) → PNG.
 * librsvg renders the SVG; `densityDpi` 144 draws it at twice its nominal size, so text stays crisp.
 */
import { BadImageError } from '../core/errors.js';
import { sharp } from './sharp.js';

export interface SvgToPngOptions {
  /** Rendering density; 72 is the SVG's nominal size. Default 144 (2×). */
  densityDpi?: number;
}

export async function svgToPng(svg: string, options: SvgToPngOptions = {}): Promise<Buffer> {
  try {
    return await sharp(Buffer.from(svg, 'utf8'), { density: options.densityDpi ?? 144 }).png().toBuffer();
  } catch (error) {
    throw new BadImageError(`cannot render SVG to PNG: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}
