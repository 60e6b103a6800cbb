/**
 * Images of text rendered by the tests themselves (sharp's SVG text rendering: librsvg + Pango with the
 * system's DejaVu fonts), with the ground truth known: each line's ink box is measured by rendering that
 * line alone, upright, and finding its dark pixels; rotated lines get that box turned by the same angle.
 */
import sharp from 'sharp';
import { orderClockwise } from '../../src/core/geometry.js';
import type { Point } from '../../src/core/types.js';

export interface TextLine {
  text: string;
  /** Left end of the baseline, px. */
  x: number;
  y: number;
  fontSizePx: number;
  /** Clockwise rotation on screen, degrees, about (x, y). */
  angleDeg?: number;
  fontFamily?: string;
}

export interface RenderedText {
  /** The whole image, PNG-encoded. */
  png: Buffer;
  /** Per line, its ink quad in image pixels, clockwise from the top-left. */
  quads: Point[][];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function textElement(line: TextLine, withRotation: boolean): string {
  const rotate = withRotation && line.angleDeg ? ` transform="rotate(${line.angleDeg} ${line.x} ${line.y})"` : '';
  const family = line.fontFamily ?? 'DejaVu Sans';
  return `<text x="${line.x}" y="${line.y}" font-family="${family}" font-size="${line.fontSizePx}" fill="#111111"${rotate}>${escapeXml(line.text)}</text>`;
}

function svg(width: number, height: number, body: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f4f1ea"/>${body}</svg>`,
  );
}

/** Bounds [x1, y1, x2 + 1, y2 + 1] of pixels darker than 128 (pixel edges, not centres). */
async function inkBounds(png: Buffer): Promise<[number, number, number, number]> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[y * info.width + x] >= 128) continue;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
    }
  }
  if (!Number.isFinite(x1)) throw new Error('rendered line has no ink (is the font installed?)');
  return [x1, y1, x2, y2];
}

function rotateAbout([x, y]: Point, cx: number, cy: number, degrees: number): Point {
  const a = (degrees * Math.PI) / 180;
  const dx = x - cx;
  const dy = y - cy;
  return [cx + dx * Math.cos(a) - dy * Math.sin(a), cy + dx * Math.sin(a) + dy * Math.cos(a)];
}

/** Renders the lines on a `width × height` canvas and measures each line's ink quad. */
export async function renderTextLines(width: number, height: number, lines: readonly TextLine[], format: 'png' | 'jpeg' = 'png'): Promise<RenderedText> {
  const quads: Point[][] = [];
  for (const line of lines) {
    // Measured upright, alone, on the same canvas (the line must fit upright), then turned as the full render turns it.
    const [x1, y1, x2, y2] = await inkBounds(await sharp(svg(width, height, textElement(line, false))).png().toBuffer());
    if (x1 === 0 || y1 === 0 || x2 === width || y2 === height) throw new Error(`line "${line.text}" does not fit the canvas upright`);
    const corners: Point[] = [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
    quads.push(line.angleDeg ? orderClockwise(corners.map((p) => rotateAbout(p, line.x, line.y, line.angleDeg!))) : corners);
  }
  const image = sharp(svg(width, height, lines.map((l) => textElement(l, true)).join('')));
  const png = format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 92 }).toBuffer();
  return { png, quads };
}
