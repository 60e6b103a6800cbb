/**
 * The parse side shared by the dialects: boxes found in an answer (candidates) become regions in original-image
 * pixels, with one warning per problem — wrong count, out of range, reversed corners, repeats.
 */
import { boxIoU, boxToPoints, makeRegion, polygonArea } from '../core/geometry.js';
import type { Box, ImageSize, Point, Region } from '../core/types.js';
import type { Layout } from './grids.js';
import { axisCodec, clamp, roundPixels, type AxisCodec } from './numbers.js';
import type { ParseResult } from './types.js';

/** One box (or quad) as found in an answer, before any checking. */
export interface Candidate {
  /** 1-based position among the answer's boxes: the "where" of warnings. */
  index: number;
  /** Character offset in the answer. */
  at: number;
  numbers: number[];
  text?: string;
  /** The box as written, shortened, for warnings. */
  snippet: string;
  /** The answer ended inside this box (max tokens reached). */
  truncated?: boolean;
  /** 'quad' for four corners (8 numbers); default 'box'. */
  shape?: 'box' | 'quad';
}

export function snippetOf(text: string, maxChars = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

/** The layout with another full-scale value (ParseOptions.coordinateScale), or unchanged. */
export function withScale(layout: Layout, scale: number | undefined): Layout {
  if (!(scale && scale > 0)) return layout;
  const rescale = (c: AxisCodec) => axisCodec({ scale, max: Math.max(c.max, scale), rounding: c.rounding, binCentre: c.binCentre });
  return { ...layout, x: rescale(layout.x), y: rescale(layout.y) };
}

/** Values within this fraction of the scale outside the range are clamped; further out, the box is dropped. */
const CLAMP_MARGIN = 0.1;

function checkValue(value: number, codec: AxisCodec, where: string, warnings: string[]): number | undefined {
  if (value >= 0 && value <= codec.scale) return value;
  const limit = CLAMP_MARGIN * codec.scale;
  if (value >= -limit && value <= codec.scale + limit) {
    const clamped = clamp(value, 0, codec.scale);
    warnings.push(`${where}: ${value} is outside 0–${codec.scale}, clamped to ${clamped}`);
    return clamped;
  }
  warnings.push(`${where}: ${value} is outside 0–${codec.scale}, box dropped`);
  return undefined;
}

/**
 * The region a candidate stands for, in original-image pixels, or undefined (with a warning saying why).
 * Repairs what can be repaired: values slightly out of range are clamped, corners given in reverse
 * order are swapped.
 */
export function candidateToRegion(c: Candidate, layout: Layout, size: ImageSize, warnings: string[]): Region | undefined {
  const where = `box ${c.index}`;
  const expected = c.shape === 'quad' ? 8 : 4;
  if (c.numbers.length !== expected) {
    const ending = c.truncated ? ', the answer ends there' : '';
    const count = `${c.numbers.length} number${c.numbers.length === 1 ? '' : 's'}`;
    warnings.push(`${where}: ${count}, expected ${expected} ("${c.snippet}"${ending})`);
    return undefined;
  }
  const points: Point[] = [];
  for (let i = 0; i < c.numbers.length; i += 2) {
    const [first, second] = [c.numbers[i], c.numbers[i + 1]];
    const [rawX, rawY] = layout.yFirst ? [second, first] : [first, second];
    const x = checkValue(rawX, layout.x, where, warnings);
    const y = checkValue(rawY, layout.y, where, warnings);
    if (x === undefined || y === undefined) return undefined;
    points.push([
      roundPixels(clamp(layout.x.decode(x, size.width), 0, size.width)),
      roundPixels(clamp(layout.y.decode(y, size.height), 0, size.height)),
    ]);
  }
  const text = c.text?.trim() ? c.text.trim() : undefined;
  const extra = text === undefined ? {} : { text };
  if (c.shape === 'quad') {
    if (polygonArea(points) === 0) warnings.push(`${where}: the quadrilateral has no area ("${c.snippet}")`);
    return makeRegion(points, extra);
  }
  let [[x1, y1], [x2, y2]] = points;
  if (x1 > x2 || y1 > y2) {
    warnings.push(`${where}: corners in reverse order ("${c.snippet}"), swapped`);
    [x1, x2] = [Math.min(x1, x2), Math.max(x1, x2)];
    [y1, y2] = [Math.min(y1, y2), Math.max(y1, y2)];
  }
  if (x1 === x2 && y1 === y2) {
    warnings.push(`${where}: a point, not a box ("${c.snippet}"), dropped`);
    return undefined;
  }
  if (x1 === x2 || y1 === y2) warnings.push(`${where}: zero ${x1 === x2 ? 'width' : 'height'} ("${c.snippet}")`);
  const box: Box = [x1, y1, x2, y2];
  return { points: boxToPoints(box), box, ...extra };
}

/** "3, 5–9, 12" */
function ranges(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j > i ? `${indices[i]}–${indices[j]}` : `${indices[i]}`);
    i = j;
  }
  return parts.join(', ');
}

/**
 * Keeps the first of regions that repeat (same text, boxes overlapping at least `minIoU`): a degenerate
 * loop writes the same line dozens of times. One warning per repeated region.
 */
export function dropRepeats(found: readonly { index: number; region: Region }[], minIoU: number, warnings: string[]): Region[] {
  const kept: { index: number; region: Region; repeats: number[] }[] = [];
  const byText = new Map<string, typeof kept>();
  for (const item of found) {
    const key = item.region.text ?? '\u0000';
    const sameText = byText.get(key) ?? [];
    const original = sameText.find((k) => boxIoU(k.region.box, item.region.box) >= minIoU);
    if (original) {
      original.repeats.push(item.index);
      continue;
    }
    const entry = { ...item, repeats: [] as number[] };
    kept.push(entry);
    sameText.push(entry);
    byText.set(key, sameText);
  }
  for (const k of kept) {
    if (k.repeats.length > 0) {
      const times = k.repeats.length === 1 ? 'once' : `${k.repeats.length} times`;
      warnings.push(`box ${k.index}: repeated ${times} (box ${ranges(k.repeats)}), repeats dropped`);
    }
  }
  return kept.map((k) => k.region);
}

/** Candidates → checked regions without repeats: the common tail of every dialect's parse. */
export function finishParse(
  candidates: readonly Candidate[],
  layout: Layout,
  size: ImageSize,
  warnings: string[],
  duplicateIoU = 0.9,
): ParseResult {
  const found: { index: number; region: Region }[] = [];
  for (const c of candidates) {
    const region = candidateToRegion(c, layout, size, warnings);
    if (region) found.push({ index: c.index, region });
  }
  return { regions: dropRepeats(found, duplicateIoU, warnings), warnings };
}

/** Parse's guard for a size it cannot map to: no regions, one warning (parse never throws). */
export function unusableSize(size: ImageSize): ParseResult | undefined {
  if (size?.width > 0 && size?.height > 0 && Number.isFinite(size.width) && Number.isFinite(size.height)) return undefined;
  return { regions: [], warnings: [`image size ${size?.width}×${size?.height} is unusable: no coordinates can be mapped`] };
}

/** Renumbers candidates 1..n in answer order (after merging several scans). */
export function renumber(candidates: Candidate[]): Candidate[] {
  return candidates.sort((a, b) => a.at - b.at).map((c, i) => ({ ...c, index: i + 1 }));
}
