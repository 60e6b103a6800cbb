/**
 * Shared by the dialects: preparing regions for an answer (format) and turning the boxes found in an
 * answer back into regions with warnings (parse): count, range, order and duplicate checks.
 */
import { boxIoU, boxToPoints, clipPoints, makeRegion, minAreaRect, orderClockwise, polygonArea, sortReadingOrder } from '../core/geometry.js';
import { UsageError } from '../core/errors.js';
import type { Box, ImageSize, Point, Region } from '../core/types.js';
import { axisCodec, clamp, encodeInterval, roundPixels, type AxisCodec } from './numbers.js';
import type { FormatOptions, ParseResult } from './types.js';

// ---------------------------------------------------------------------------------------------------------
// format side
// ---------------------------------------------------------------------------------------------------------

/** A region as an answer writes it: its label and true bounds, in pixels. */
export interface AnswerItem {
  label: string;
  box: Box;
}

/** An item of a dialect that writes quadrilaterals (Florence-2). */
export interface QuadAnswerItem extends AnswerItem {
  /** Four corners clockwise from the top-left, clipped to the image. */
  quad: Point[];
}

export function assertUsableSize(size: ImageSize, dialect: string): void {
  if (!(size?.width > 0 && size?.height > 0 && Number.isFinite(size.width) && Number.isFinite(size.height))) {
    throw new UsageError(`${dialect}: format needs the image size in pixels; got ${size?.width}×${size?.height}`);
  }
}

/** Whitespace runs (newlines included) become one space, the dialect's own tags are removed: a label cannot break the syntax. */
export function cleanLabel(text: string, forbidden: readonly string[] = []): string {
  let label = text;
  // Guarded: this runs for every region of every answer a converter writes (tens of thousands a second).
  for (const token of forbidden) if (label.includes(token)) label = label.split(token).join('');
  return /\s/.test(label) ? label.replace(/\s+/g, ' ').trim() : label;
}

/**
 * The bounds of a polygon clipped to the image — boundsOf(clipPoints(points, size)) without building the
 * clipped copy (this runs for every region of every answer a converter writes) — or undefined when it has
 * fewer than 3 points, a non-finite coordinate, or no width or no height inside the image.
 */
function clippedBounds(points: readonly Point[], size: ImageSize): Box | undefined {
  if (points.length < 3) return undefined;
  for (const p of points) if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return undefined;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const p of points) {
    // The same clamp as clipPoints, point by point, so the bounds are exactly the same numbers.
    const x = p[0] < 0 ? 0 : p[0] > size.width ? size.width : p[0];
    const y = p[1] < 0 ? 0 : p[1] > size.height ? size.height : p[1];
    if (x < x1) x1 = x;
    if (x > x2) x2 = x;
    if (y < y1) y1 = y;
    if (y > y2) y2 = y;
  }
  return x2 <= x1 || y2 <= y1 ? undefined : [x1, y1, x2, y2];
}

function collectItems(regions: readonly Region[], size: ImageSize, options: FormatOptions, forbidden: readonly string[], withQuads: boolean): AnswerItem[] {
  const boxLabel = options.boxLabel ?? 'text';
  const items: AnswerItem[] = [];
  for (const region of regions) {
    if (region.ignore) continue;
    const source = region.points?.length >= 3 ? region.points : region.box ? boxToPoints(region.box) : [];
    const box = clippedBounds(source, size);
    // No width or no height inside the image: nothing a model could be taught to box (a converter reports these).
    if (!box) continue;
    const label = options.task === 'boxes' ? boxLabel : cleanLabel(region.text ?? '', forbidden) || boxLabel;
    if (!withQuads) {
      items.push({ label, box });
      continue;
    }
    const clipped = clipPoints(source, size);
    const quad = clipped.length === 4 ? orderClockwise(clipped) : minAreaRect(clipped).points.map((p) => clipPoints([p], size)[0]);
    items.push({ label, box, quad } as QuadAnswerItem);
  }
  return sortReadingOrder(items);
}

/**
 * The regions an answer holds, in reading order: don't-care regions are left out, a box is the true bounds
 * of the polygon (never two of its corners), clipped to the image, and regions without points, or without
 * width or height inside the image, are skipped. The label is the transcription (task 'text'/'objects') or `boxLabel` (task 'boxes').
 */
export function answerItems(
  regions: readonly Region[],
  size: ImageSize,
  options: FormatOptions,
  forbidden: readonly string[] = [],
): AnswerItem[] {
  return collectItems(regions, size, options, forbidden, false);
}

/** `answerItems` with each region's quadrilateral as well (its corners, or its minimum-area rectangle's, clipped). */
export function quadAnswerItems(
  regions: readonly Region[],
  size: ImageSize,
  options: FormatOptions,
  forbidden: readonly string[] = [],
): QuadAnswerItem[] {
  return collectItems(regions, size, options, forbidden, true) as QuadAnswerItem[];
}

/** Items with the same label gathered under the first one's position (one <ref> with several boxes). */
export function groupByLabel<T extends AnswerItem>(items: readonly T[]): { label: string; items: T[] }[] {
  const groups: { label: string; items: T[] }[] = [];
  const byLabel = new Map<string, T[]>();
  for (const item of items) {
    const members = byLabel.get(item.label);
    if (members) {
      members.push(item);
    } else {
      const group = { label: item.label, items: [item] };
      byLabel.set(item.label, group.items);
      groups.push(group);
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------------------
// parse side
// ---------------------------------------------------------------------------------------------------------

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

/** How a dialect's numbers map to pixels. */
export interface Layout {
  x: AxisCodec;
  y: AxisCodec;
  /** PaliGemma writes y before x. */
  yFirst?: boolean;
}

/** A box's bounds on the grid: [x1, y1, x2, y2] integers, each end within one unit, never degenerate. */
export function gridBox(box: Box, layout: Layout, size: ImageSize): [number, number, number, number] {
  const [x1, x2] = encodeInterval(layout.x, box[0], box[2], size.width);
  const [y1, y2] = encodeInterval(layout.y, box[1], box[3], size.height);
  return [x1, y1, x2, y2];
}

/** A point on the grid. */
export function gridPoint(point: Point, layout: Layout, size: ImageSize): [number, number] {
  return [layout.x.encode(point[0], size.width), layout.y.encode(point[1], size.height)];
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
