/**
 * Quad snapping: a multimodal model's axis-aligned box → the quadrilateral of the text inside it, read off
 * the embedded det model's probability map of the same image (src/detectors/ppocr/text-map.ts).
 *
 * Multimodal models answer axis-aligned boxes. On rotated or slanted text the box holds the line plus the
 * background around it, and its IoU with the line's true quadrilateral falls below what evaluation counts as
 * found. The det model knows which pixels are text. For each box:
 *
 *   the text pixels (probability > binaryThreshold) in the box, and the 8-connected components they belong
 *   to, wherever those reach → the components that lie mostly inside the box, taken one by one (largest part
 *   inside first) while each brings the quad's bounds closer to the box (the words of a line join; a
 *   neighbouring line that reaches into the box does not) → the minimum-area rectangle around them → grown
 *   back as DB post-processing grows its shrunk text kernels (area × unclipRatio / perimeter) → its
 *   minimum-area rectangle, in original pixels.
 *
 * There is no fixed margin around the box: a component is followed wherever it reaches and judged by the share of
 * it inside the box, so a line the box cuts a little short is taken whole and a long line the box only crosses is
 * not taken at all. A version that looked for text only in the box grown by a margin scored as well on seed-test
 * (0.920 with the greedy rule; 0.900 without it), but judged a component by its part in that window, so it took
 * the start of a long word that merely begins in the box for the box's text (test/vlm-snap.test.ts).
 *
 * minInsideShare and minBoundsIoU (0.5 each) were set before measuring, not tuned on seed-test, the one set
 * measured: with exact ground-truth boxes there, minInsideShare 0.3–0.7 gives hmean 0.920–0.922, minBoundsIoU
 * 0.6 gives 0.922 and 0.4 gives 0.902 (more wrong snaps accepted); bench/snap.bench.js measures the defaults.
 *
 * The box is kept as it was (`snapped: false`) when no text is found, when the text found is too faint (mean
 * probability under boxScoreThreshold, as DB drops such candidates), or when the quad's bounds disagree with
 * the box (IoU under minBoundsIoU: the text found is not the text the model meant). Pure functions over the
 * map: no I/O, no onnxruntime.
 */
import { boundsOf, boxIoU, convexHull, makeRegion, minAreaRect } from '../../core/geometry.js';
import type { Box, ImageSize, Point, Region } from '../../core/types.js';
import { boxScoreFast, mapToOriginal, unclip, type ProbabilityMap } from '../ppocr/db-postprocess.js';

export interface SnapOptions {
  /** Text pixels: probability above this. PaddleOCR's det_db_thresh (0.3), as DB post-processing uses. */
  binaryThreshold: number;
  /** Least mean probability inside the text found. PaddleOCR's det_db_box_thresh (0.6). */
  boxScoreThreshold: number;
  /** How far the text kernel is grown back: area × ratio / perimeter. PaddleOCR's det_db_unclip_ratio (1.5). */
  unclipRatio: number;
  /** Share of a component's pixels that must lie inside the box for it to be the box's text. */
  minInsideShare: number;
  /** Least IoU between the snapped quad's bounds and the box; below it the box is kept. */
  minBoundsIoU: number;
}

export const SNAP_DEFAULTS: Readonly<SnapOptions> = Object.freeze({
  binaryThreshold: 0.3,
  boxScoreThreshold: 0.6,
  unclipRatio: 1.5,
  minInsideShare: 0.5,
  minBoundsIoU: 0.5,
});

/** A region of a model's answer after snapping: `snapped` says whether its points are the text's quad or its box. */
export type SnappedRegion = Region & { snapped: boolean };

/** The part of a text map snapping reads: the probability map and the original size it covers. */
export interface SnapSource {
  map: ProbabilityMap;
  original: ImageSize;
}

/** A window of the map, in map pixels: columns x0..x1 and rows y0..y1, inclusive. */
interface Window {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The original box → the map pixels it covers, or undefined when none. */
function windowOf(box: Box, source: SnapSource): Window | undefined {
  const sx = source.map.width / source.original.width;
  const sy = source.map.height / source.original.height;
  const x0 = Math.max(0, Math.floor(box[0] * sx));
  const y0 = Math.max(0, Math.floor(box[1] * sy));
  const x1 = Math.min(source.map.width - 1, Math.ceil(box[2] * sx) - 1);
  const y1 = Math.min(source.map.height - 1, Math.ceil(box[3] * sy) - 1);
  return x1 >= x0 && y1 >= y0 ? { x0, y0, x1, y1 } : undefined;
}

/** A connected component of text pixels: the convex hull of its pixels, and how many of them lie inside the box. */
interface Blob {
  hull: Point[];
  inside: number;
}

/**
 * Per map, which pixels the current box's search has visited: one stamp per pixel, a new stamp value per box,
 * so the array is made once per image however many boxes it has.
 */
const visits = new WeakMap<ProbabilityMap, { stamps: Uint32Array; stamp: number }>();

/** The map's stamps, and a stamp value no pixel has yet. */
function nextStamp(map: ProbabilityMap): { stamps: Uint32Array; stamp: number } {
  let entry = visits.get(map);
  if (!entry) {
    entry = { stamps: new Uint32Array(map.width * map.height), stamp: 0 };
    visits.set(map, entry);
  }
  entry.stamp++;
  return entry;
}

/**
 * The 8-connected components of text pixels that have pixels in `box` (map pixels) and lie mostly inside it,
 * largest part inside first. A component is followed wherever it goes, until it has more pixels than could
 * be mostly inside the box: from then on it only has its pixels inside the box marked as seen, and is dropped.
 */
function textBlobs(map: ProbabilityMap, box: Window, options: SnapOptions): Blob[] {
  const { stamps, stamp } = nextStamp(map);
  const { data, width, height } = map;
  const threshold = options.binaryThreshold;
  const within = (x: number, y: number) => x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
  const maxPixels = ((box.x1 - box.x0 + 1) * (box.y1 - box.y0 + 1)) / options.minInsideShare;
  const blobs: Blob[] = [];
  const stack: number[] = [];
  for (let sy = box.y0; sy <= box.y1; sy++) {
    for (let sx = box.x0; sx <= box.x1; sx++) {
      const seed = sy * width + sx;
      if (data[seed] <= threshold || stamps[seed] === stamp) continue;
      const pixels: Point[] = [];
      let inside = 0;
      let tooLarge = false;
      stamps[seed] = stamp;
      stack.push(seed);
      while (stack.length > 0) {
        const i = stack.pop()!;
        const x = i % width;
        const y = (i - x) / width;
        if (!tooLarge) {
          pixels.push([x, y]);
          if (within(x, y)) inside++;
          tooLarge = pixels.length > maxPixels;
        }
        for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
          for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
            const j = ny * width + nx;
            if (data[j] <= threshold || stamps[j] === stamp || (tooLarge && !within(nx, ny))) continue;
            stamps[j] = stamp;
            stack.push(j);
          }
        }
      }
      if (!tooLarge && inside >= options.minInsideShare * pixels.length) blobs.push({ hull: convexHull(pixels), inside });
    }
  }
  return blobs.sort((a, b) => b.inside - a.inside);
}

/** The text quad around some text kernels, as DB post-processing grows one (map pixels → original pixels), or undefined. */
function quadAround(hulls: readonly Point[][], source: SnapSource, options: SnapOptions): { quad: Point[]; kernel: Point[] } | undefined {
  const kernel = minAreaRect(hulls.flat());
  if (kernel.points.length !== 4) return undefined;
  const grown = unclip(kernel.points, options.unclipRatio);
  if (grown.length < 3) return undefined;
  const rect = minAreaRect(grown);
  if (rect.points.length !== 4) return undefined;
  return { quad: mapToOriginal(rect.points, source.map, source.original), kernel: kernel.points };
}

/**
 * The text quad inside `box` (original pixels, clockwise from the top-left), or undefined when there is none to
 * trust. The components are taken greedily, largest part inside the box first, each one kept only when it
 * brings the quad's bounds closer to the box: the words of one line join, a neighbouring line that reaches
 * into the box does not.
 */
export function snapBox(box: Box, source: SnapSource, options: SnapOptions = SNAP_DEFAULTS): Point[] | undefined {
  if (!(box[2] > box[0] && box[3] > box[1])) return undefined;
  const inner = windowOf(box, source);
  if (!inner) return undefined;
  const taken: Point[][] = [];
  let best: { quad: Point[]; kernel: Point[]; iou: number } | undefined;
  for (const blob of textBlobs(source.map, inner, options)) {
    const found = quadAround([...taken, blob.hull], source, options);
    if (!found) continue;
    const iou = boxIoU(boundsOf(found.quad), box);
    if (best && iou <= best.iou) continue;
    taken.push(blob.hull);
    best = { ...found, iou };
  }
  if (!best || best.iou < options.minBoundsIoU) return undefined;
  return boxScoreFast(source.map, best.kernel) >= options.boxScoreThreshold ? best.quad : undefined;
}

/** Each region snapped to the text's quad where one is found (`snapped: true`), else kept as it was (`snapped: false`). */
export function snapRegions(regions: readonly Region[], source: SnapSource, options: SnapOptions = SNAP_DEFAULTS): SnappedRegion[] {
  return regions.map((region) => {
    const quad = snapBox(region.box, source, options);
    if (!quad) return { ...region, snapped: false };
    const { points: _points, box: _box, ...rest } = region;
    return { ...makeRegion(quad, rest), snapped: true };
  });
}
