/**
 * Overlays: an image with its regions drawn, as a PNG. Used by the batch's `overlayDir` and reusable for
 * previews of ground truth (`ocrdet data preview`).
 *
 * Drawing: an SVG (polygon outlines and index labels) composited over the decoded image by libvips.
 * Readable on any background: each outline is a bright colour over a wider dark halo, and each index sits on
 * a label filled with the region's colour and edged in black. Digits are drawn as stroked seven-segment
 * paths rather than font text, so labels look the same on machines without fonts.
 */
import type { ImageSize, Point, Region } from '../core/types.js';
import { decodeImage } from './decode.js';
import { sharp } from './sharp.js';

/** Distinct bright colours, all readable with black digits on top; regions cycle through them. */
export const OVERLAY_PALETTE: readonly string[] = Object.freeze([
  '#00e5ff', '#ffea00', '#76ff03', '#ff4081', '#ff9100', '#e040fb', '#64ffda', '#ffffff',
]);
/** "Don't care" ground-truth regions: grey and dashed. */
const IGNORE_COLOR = '#bdbdbd';

export type OverlayRegion = Pick<Region, 'points'> & Partial<Pick<Region, 'ignore'>>;

export interface OverlayOptions {
  /** Draw each region's index in `regions` (0-based) at its first point. Default true. */
  labels?: boolean;
  /** Outline width in output pixels. Default: from the image size (2 px per 1000 px of the longer side, 2–8). */
  lineWidthPx?: number;
  /** Height of the index labels in output pixels. Default: from the image size (16–48). */
  labelHeightPx?: number;
  /** Shrink the output so its longer side is at most this (previews). Default: the image's own size. */
  maxSidePx?: number;
  /** Pixel limit when decoding the image (src/image/sharp.ts IMAGE_DEFAULTS). */
  maxPixels?: number;
}

/**
 * Seven-segment digits on a 1 × 2 cell: which segments each digit lights
 * (a top, b top-right, c bottom-right, d bottom, e bottom-left, f top-left, g middle, h the flag of "1":
 * a bare bar inside a rounded label read as "0" on the overlays we looked at).
 */
const SEGMENTS: Record<string, readonly [Point, Point]> = {
  a: [[0, 0], [1, 0]],
  b: [[1, 0], [1, 1]],
  c: [[1, 1], [1, 2]],
  d: [[0, 2], [1, 2]],
  e: [[0, 1], [0, 2]],
  f: [[0, 0], [0, 1]],
  g: [[0, 1], [1, 1]],
  h: [[0.35, 0.45], [1, 0]],
};
const DIGIT_SEGMENTS = ['abcdef', 'bch', 'abged', 'abgcd', 'fgbc', 'afgcd', 'afgedc', 'abc', 'abcdefg', 'abcdfg'];

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** SVG path data for a number whose digits are `digitHeightPx` tall, top-left at (x, y). */
export function digitsPath(value: number, x: number, y: number, digitHeightPx: number): string {
  const cell = digitHeightPx / 2;
  const advance = cell * 1.7;
  const parts: string[] = [];
  [...String(value)].forEach((char, i) => {
    const segments = DIGIT_SEGMENTS[Number(char)] ?? '';
    // A lone right-hand bar reads as a misplaced stroke; "1" is drawn centred in its cell instead.
    const shift = char === '1' ? -0.5 : 0;
    for (const name of segments) {
      const [[x1, y1], [x2, y2]] = SEGMENTS[name];
      const ox = x + (i + shift / 1.7) * advance;
      parts.push(`M${fmt(ox + x1 * cell)} ${fmt(y + y1 * cell)}L${fmt(ox + x2 * cell)} ${fmt(y + y2 * cell)}`);
    }
  });
  return parts.join('');
}

/** Width of `digitsPath` for a number of `count` digits. */
function digitsWidth(count: number, digitHeightPx: number): number {
  const cell = digitHeightPx / 2;
  return cell + (count - 1) * cell * 1.7;
}

interface Style {
  lineWidthPx: number;
  haloPx: number;
  labelHeightPx: number;
}

function styleFor(size: ImageSize, options: OverlayOptions): Style {
  const longer = Math.max(size.width, size.height);
  const lineWidthPx = options.lineWidthPx ?? Math.min(8, Math.max(2, Math.round(longer / 500)));
  const labelHeightPx = options.labelHeightPx ?? Math.min(48, Math.max(16, Math.round(longer / 45)));
  return { lineWidthPx, haloPx: Math.max(1.5, lineWidthPx * 0.75), labelHeightPx };
}

/**
 * The label of region `index`: a filled box just left of its first point, top-aligned with it, so it covers
 * neither this line's text nor the line above; at the left edge it moves inside, and it always stays inside
 * the image.
 */
function labelSvg(index: number, anchor: Point, color: string, size: ImageSize, style: Style): string {
  const digitH = style.labelHeightPx * 0.62;
  const pad = (style.labelHeightPx - digitH) / 2;
  const stroke = Math.max(1.2, digitH / 7);
  const width = digitsWidth(String(index).length, digitH) + 2 * pad;
  const height = style.labelHeightPx;
  const left = anchor[0] - style.haloPx - width;
  const x = Math.min(Math.max(0, left), Math.max(0, size.width - width));
  const y = Math.min(Math.max(0, anchor[1] - style.haloPx), Math.max(0, size.height - height));
  return (
    `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(width)}" height="${fmt(height)}" rx="${fmt(height / 6)}" ` +
    `fill="${color}" stroke="#000" stroke-width="${fmt(Math.max(1, stroke / 2))}"/>` +
    `<path d="${digitsPath(index, x + pad, y + pad, digitH)}" fill="none" stroke="#000" stroke-width="${fmt(stroke)}" ` +
    'stroke-linecap="round"/>'
  );
}

/** The SVG drawn over an image of `size`: outlines (halo, then colour), then every label on top. */
export function overlaySvg(regions: readonly OverlayRegion[], size: ImageSize, options: OverlayOptions = {}): string {
  const style = styleFor(size, options);
  const outlines: string[] = [];
  const labels: string[] = [];
  regions.forEach((region, index) => {
    if (region.points.length < 2) return;
    const color = region.ignore ? IGNORE_COLOR : OVERLAY_PALETTE[index % OVERLAY_PALETTE.length];
    const points = region.points.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ');
    const dash = region.ignore ? ` stroke-dasharray="${fmt(style.lineWidthPx * 3)} ${fmt(style.lineWidthPx * 2)}"` : '';
    outlines.push(
      `<polygon points="${points}" fill="none" stroke="#000" stroke-opacity="0.7" stroke-linejoin="round" ` +
        `stroke-width="${fmt(style.lineWidthPx + 2 * style.haloPx)}"/>` +
        `<polygon points="${points}" fill="none" stroke="${color}" stroke-linejoin="round" stroke-width="${fmt(style.lineWidthPx)}"${dash}/>`,
    );
    if (options.labels !== false) labels.push(labelSvg(index, region.points[0], color, size, style));
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}">` +
    `${outlines.join('')}${labels.join('')}</svg>`
  );
}

/**
 * Draws `regions` (points in original-image pixels, after EXIF orientation) over the image and returns a
 * PNG. The PNG has the oriented image's size, or is shrunk to `maxSidePx`. Throws BadImageError /
 * NotFoundError for images that cannot be read.
 */
export async function drawOverlay(image: string | Buffer, regions: readonly OverlayRegion[], options: OverlayOptions = {}): Promise<Buffer> {
  const decoded = await decodeImage(image, options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels });
  const longer = Math.max(decoded.width, decoded.height);
  const scale = options.maxSidePx && longer > options.maxSidePx ? options.maxSidePx / longer : 1;
  const size = { width: Math.max(1, Math.round(decoded.width * scale)), height: Math.max(1, Math.round(decoded.height * scale)) };
  const scaled = scale === 1 ? regions : regions.map((r) => ({ ...r, points: r.points.map(([x, y]): Point => [x * scale, y * scale]) }));
  let pipeline = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } });
  if (scale !== 1) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  return pipeline
    .composite([{ input: Buffer.from(overlaySvg(scaled, size, options)), left: 0, top: 0 }])
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}
