/**
 * Merging the regions of overlapping frames (tiles, and the overview of the whole image) into one list:
 * the same text seen by two frames becomes one region.
 *
 * Two regions from DIFFERENT frames are the same when their boxes agree — IoU at least `minIoU`, or the
 * smaller one lies mostly inside the larger (`minContainment`: a line cut by a tile border is a fragment of
 * the overview's whole line) — and their texts agree (equal after normalising case and spacing, one inside
 * the other, or close in edit distance). Regions without text merge on geometry alone, with the IoU rule
 * only. Larger regions are taken first so a whole line absorbs its fragments; the merged region's box is the
 * union of the members', its text the longest member's. Regions of one frame never merge with each other
 * (the dialect's parse has already dropped a frame's own repeats).
 */
import { boxArea, boxToPoints, sortReadingOrder } from '../../core/geometry.js';
import type { Box, Region } from '../../core/types.js';

export interface MergeOptions {
  /** Default 0.5. */
  minIoU?: number;
  /** Intersection over the smaller box's area. Default 0.7. */
  minContainment?: number;
  /** 1 − edit distance / longer length. Default 0.8. */
  minTextSimilarity?: number;
}

const MERGE_DEFAULTS = { minIoU: 0.5, minContainment: 0.7, minTextSimilarity: 0.8 };

function intersection(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Case, spacing and width-variant insensitive form of a text. */
export function normaliseText(text: string | undefined): string {
  return (text ?? '').normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export function textsAgree(a: string | undefined, b: string | undefined, minSimilarity = MERGE_DEFAULTS.minTextSimilarity): boolean {
  const x = normaliseText(a);
  const y = normaliseText(b);
  if (x === y) return true;
  if (x === '' || y === '') return false;
  if (x.includes(y) || y.includes(x)) return true;
  return 1 - editDistance(x, y) / Math.max(x.length, y.length) >= minSimilarity;
}

interface Member {
  region: Region;
  frame: number;
}

interface Cluster {
  /** The first (largest) member, returned unchanged when nothing merged into it (keeps quads). */
  first: Region;
  box: Box;
  text: string | undefined;
  frames: Set<number>;
  score?: number;
}

function sameRegion(cluster: Cluster, member: Member, options: Required<MergeOptions>): boolean {
  if (cluster.frames.has(member.frame)) return false;
  const a = cluster.box;
  const b = member.region.box;
  const inter = intersection(a, b);
  if (inter === 0) return false;
  const iou = inter / (boxArea(a) + boxArea(b) - inter);
  const hasText = cluster.text !== undefined || member.region.text !== undefined;
  if (!hasText) return iou >= options.minIoU;
  const containment = inter / Math.max(1e-9, Math.min(boxArea(a), boxArea(b)));
  return (iou >= options.minIoU || containment >= options.minContainment) && textsAgree(cluster.text, member.region.text, options.minTextSimilarity);
}

function absorb(cluster: Cluster, member: Member): void {
  const b = member.region.box;
  cluster.box = [Math.min(cluster.box[0], b[0]), Math.min(cluster.box[1], b[1]), Math.max(cluster.box[2], b[2]), Math.max(cluster.box[3], b[3])];
  const text = member.region.text;
  if (text !== undefined && normaliseText(text).length > normaliseText(cluster.text).length) cluster.text = text;
  cluster.frames.add(member.frame);
  if (member.region.score !== undefined) cluster.score = Math.max(cluster.score ?? 0, member.region.score);
}

/**
 * One region list from several frames' regions (all in original-image pixels), in reading order.
 * `perFrame[i]` are the regions frame i found.
 */
export function mergeFrameRegions(perFrame: readonly (readonly Region[])[], options: MergeOptions = {}): Region[] {
  const settings = { ...MERGE_DEFAULTS, ...options };
  const members: Member[] = perFrame.flatMap((regions, frame) => regions.map((region) => ({ region, frame })));
  members.sort((m, n) => boxArea(n.region.box) - boxArea(m.region.box));
  const clusters: Cluster[] = [];
  for (const member of members) {
    const cluster = clusters.find((c) => sameRegion(c, member, settings));
    if (cluster) absorb(cluster, member);
    else clusters.push({ first: member.region, box: [...member.region.box], text: member.region.text, frames: new Set([member.frame]), score: member.region.score });
  }
  const regions = clusters.map((c): Region => {
    if (c.frames.size === 1) return c.first;
    const region: Region = { points: boxToPoints(c.box), box: c.box };
    if (c.text !== undefined) region.text = c.text;
    if (c.score !== undefined) region.score = c.score;
    return region;
  });
  return sortReadingOrder(regions);
}
