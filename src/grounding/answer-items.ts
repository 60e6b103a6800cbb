/**
 * The format side shared by the dialects: the regions an answer holds (don't-care and area-less regions left
 * out, true bounds clipped to the image, reading order), their labels, and their numbers on a dialect's grid.
 */
import { boxToPoints, clipPoints, minAreaRect, orderClockwise, sortReadingOrder } from '../core/geometry.js';
import { UsageError } from '../core/errors.js';
import type { Box, ImageSize, Point, Region } from '../core/types.js';
import type { Layout } from './grids.js';
import { encodeInterval } from './numbers.js';
import type { FormatOptions } from './types.js';

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

