/**
 * Blocks and reading order: text lines grouped into blocks (paragraphs, column runs, groups of vertical
 * columns), the blocks put in reading order by a recursive XY cut, and the lines of each block in order.
 *
 * - A line is *vertical* when its box is at least 1.5× taller than wide (PaddleOCR's rule for turning a
 *   crop: tools/infer/utility.py get_rotate_crop_image), as CJK columns are; otherwise horizontal.
 * - Two horizontal lines share a block when they are stacked closely (vertical gap ≤ 0.9× the smaller line
 *   height), overlap horizontally (by ≥ 30 % of the narrower) and have similar heights (≤ 1.6×); or when
 *   they sit on the same line a small gap apart (≤ 1 line height). Vertical lines likewise, axes swapped.
 * - Blocks are ordered by a recursive XY cut over their boxes (Nagy & Seth 1984): for horizontal text a
 *   page is first cut into columns at vertical gutters no block crosses (left to right), else into bands at
 *   horizontal gaps (top to bottom), consecutive bands being merged back when together they still have a
 *   gutter (so paragraph gaps that happen to line up across two columns do not interleave the columns).
 *   Vertical text (traditional CJK) is cut into bands first, then into columns read right to left.
 * - Lines of a horizontal block: top to bottom, left to right on one line; of a vertical block: columns
 *   right to left, top to bottom.
 *
 * Pure functions over boxes; image coordinates (x right, y down) of the upright page.
 */
import { EPS, boundsOf } from './polygon.js';
import { sortReadingOrder } from './reading-order.js';
import type { Block, Box, Point } from './types.js';

/** Height / width at which a line counts as vertical (PaddleOCR turns such crops by 90°). */
const VERTICAL_ASPECT = 1.5;
/** Largest gap between stacked lines of one block, in line thicknesses. */
const MAX_LINE_GAP = 0.9;
/** Smallest overlap across the reading direction for stacked lines, as a share of the shorter line. */
const MIN_STACK_OVERLAP = 0.3;
/** Largest ratio of two lines' thicknesses in one block. */
const MAX_SIZE_RATIO = 1.6;
/** Largest gap between two pieces of one line (same baseline), in line thicknesses. */
const MAX_SAME_LINE_GAP = 1;
/** Narrowest gutter or gap the XY cut cuts at, in median line thicknesses. */
const MIN_CUT_GAP = 0.3;

interface Line {
  index: number;
  box: Box;
  vertical: boolean;
  /** Thickness across the reading direction: the height of a horizontal line, the width of a vertical one. */
  size: number;
}

/** Overlap of [a1, a2] and [b1, b2] (negative: the gap between them). */
function overlap(a1: number, a2: number, b1: number, b2: number): number {
  return Math.min(a2, b2) - Math.max(a1, b1);
}

/** Whether two lines of the same direction belong to one block (see the rules at the top). */
function sameBlock(a: Line, b: Line): boolean {
  if (a.vertical !== b.vertical) return false;
  const small = Math.max(Math.min(a.size, b.size), EPS);
  if (Math.max(a.size, b.size) > MAX_SIZE_RATIO * small) return false;
  // Across: the axis lines are stacked along (y for horizontal text); along: the reading axis.
  const [across, along] = a.vertical ? [0, 1] : [1, 0];
  const acrossOverlap = overlap(a.box[across], a.box[across + 2], b.box[across], b.box[across + 2]);
  const alongOverlap = overlap(a.box[along], a.box[along + 2], b.box[along], b.box[along + 2]);
  if (acrossOverlap >= 0.5 * small) return -alongOverlap <= MAX_SAME_LINE_GAP * small; // pieces of one line
  const shorter = Math.max(Math.min(a.box[along + 2] - a.box[along], b.box[along + 2] - b.box[along]), EPS);
  return -acrossOverlap <= MAX_LINE_GAP * small && alongOverlap >= MIN_STACK_OVERLAP * shorter;
}

/** Connected groups of lines under `sameBlock` (union-find). */
function groupLines(lines: readonly Line[]): Line[][] {
  const parent = lines.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      if (sameBlock(lines[i], lines[j])) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, Line[]>();
  lines.forEach((line, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), line]);
  });
  return [...groups.values()];
}

interface Group {
  box: Box;
  vertical: boolean;
  lines: Line[];
}

function boxOfBoxes(boxes: readonly Box[]): Box {
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}

/**
 * Splits groups where no group crosses a line on `axis` (0: cut at x gutters, 1: at y gaps) at least
 * `minGap` wide; the parts in ascending order along the axis.
 */
function splitAt(groups: readonly Group[], axis: 0 | 1, minGap: number): Group[][] {
  const sorted = [...groups].sort((a, b) => a.box[axis] - b.box[axis]);
  const parts: Group[][] = [];
  let end = -Infinity;
  for (const group of sorted) {
    if (parts.length === 0 || group.box[axis] - end >= minGap) parts.push([group]);
    else parts[parts.length - 1].push(group);
    end = Math.max(end, group.box[axis + 2]);
  }
  return parts;
}

/** The recursive XY cut: groups in reading order. */
function orderGroups(groups: readonly Group[], vertical: boolean, minGap: number): Group[] {
  if (groups.length <= 1) return [...groups];
  if (!vertical) {
    const columns = splitAt(groups, 0, minGap);
    if (columns.length > 1) return columns.flatMap((column) => orderGroups(column, vertical, minGap));
  }
  let bands = splitAt(groups, 1, minGap);
  if (!vertical && bands.length > 1) {
    // Bands that together still have a gutter are parts of the same columns: keep them together.
    const merged: Group[][] = [];
    for (const band of bands) {
      const last = merged[merged.length - 1];
      if (last && splitAt([...last, ...band], 0, minGap).length > 1 && splitAt(last, 0, minGap).length > 1 && splitAt(band, 0, minGap).length > 1) last.push(...band);
      else merged.push([...band]);
    }
    bands = merged;
  }
  if (bands.length > 1) return bands.flatMap((band) => orderGroups(band, vertical, minGap));
  if (vertical) {
    const columns = splitAt(groups, 0, minGap).reverse();
    if (columns.length > 1) return columns.flatMap((column) => orderGroups(column, vertical, minGap));
  }
  // Nothing to cut at (overlapping blocks): top to bottom, then across.
  return [...groups].sort((a, b) => a.box[1] - b.box[1] || (vertical ? b.box[2] - a.box[2] : a.box[0] - b.box[0]));
}

/** Lines of one block in reading order (see the rules at the top). */
function orderLines(group: Group): number[] {
  if (!group.vertical) return sortReadingOrder(group.lines).map((line) => line.index);
  return [...group.lines].sort((a, b) => b.box[2] + b.box[0] - (a.box[2] + a.box[0]) || a.box[1] - b.box[1]).map((line) => line.index);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
}

/** Whether a line box is vertical text (see VERTICAL_ASPECT). */
export function isVerticalBox(box: Box): boolean {
  return box[3] - box[1] >= VERTICAL_ASPECT * (box[2] - box[0]);
}

/**
 * Groups regions (text lines) into blocks in reading order. Every region is in exactly one block; each
 * block lists the indices of its lines in reading order. Empty for no regions.
 */
export function groupBlocks(regions: readonly { box: Box }[]): Block[] {
  const lines: Line[] = regions.map((region, index) => {
    const vertical = isVerticalBox(region.box);
    const size = vertical ? region.box[2] - region.box[0] : region.box[3] - region.box[1];
    return { index, box: region.box, vertical, size };
  });
  if (lines.length === 0) return [];
  const groups: Group[] = groupLines(lines).map((members) => ({
    box: boxOfBoxes(members.map((m) => m.box)),
    vertical: members.filter((m) => m.vertical).length * 2 > members.length,
    lines: members,
  }));
  const verticalLines = lines.filter((l) => l.vertical).length;
  const vertical = verticalLines * 2 > lines.length;
  const minGap = Math.max(EPS, MIN_CUT_GAP * median(lines.map((l) => l.size)));
  return orderGroups(groups, vertical, minGap).map((group) => ({ box: group.box, lines: orderLines(group) }));
}

/** A block's box recomputed from its lines' points (after the lines were mapped to another frame). */
export function blockBox(points: readonly (readonly Point[])[]): Box {
  return boundsOf(points.flat());
}
