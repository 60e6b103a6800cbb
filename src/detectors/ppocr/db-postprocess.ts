/**
 * DB (Differentiable Binarization) post-processing: the det model's probability map → text quads in
 * original-image pixels. Our own implementation of the semantics of PaddlePaddle/PaddleOCR
 * ppocr/postprocess/db_postprocess.py (`DBPostProcess.boxes_from_bitmap`, quad mode, score_mode "fast")
 * and tools/infer/predict_det.py (`filter_tag_det_res`):
 *
 *   binarise (p > binaryThreshold, optional 2×2 dilation) → 8-connected components → for each of the first
 *   maxCandidates: min-area rectangle (skip if its short side < minSide) → mean probability inside it
 *   (skip if < boxScoreThreshold) → grow it by area × unclipRatio / perimeter (round-joined polygon offset,
 *   clipper-lib) → min-area rectangle again (skip if short side < minSide + 2) → scale to the original
 *   image, round, clip → drop quads whose sides are ≤ 3 px.
 *
 * Pure functions over a Float32Array map: no I/O, no onnxruntime, no sharp.
 */
import ClipperLib from 'clipper-lib';
import { minAreaRect, orderClockwise, polygonArea } from '../../core/geometry.js';
import type { ImageSize, Point } from '../../core/types.js';
import { findComponents } from './components.js';

/** The det model's output for one image: probabilities 0..1, row-major, `width × height` of the det input. */
export interface ProbabilityMap {
  data: Float32Array;
  width: number;
  height: number;
}

export interface DbOptions {
  binaryThreshold: number;
  boxScoreThreshold: number;
  unclipRatio: number;
  maxCandidates: number;
  minSide: number;
  useDilation: boolean;
}

/** A detected quad in original-image pixels (integers), clockwise from the top-left, and its box score. */
export interface DbBox {
  points: Point[];
  score: number;
}

/** Pixels with probability above `threshold` → 1, else 0. */
export function binarize(map: ProbabilityMap, threshold: number): Uint8Array {
  const { data, width, height } = map;
  const bitmap = new Uint8Array(width * height);
  for (let i = 0; i < bitmap.length; i++) bitmap[i] = data[i] > threshold ? 1 : 0;
  return bitmap;
}

/**
 * Dilation with a 2×2 kernel of ones, anchored as OpenCV anchors it (`cv2.dilate(bitmap, [[1,1],[1,1]])`,
 * anchor at the kernel centre (1,1)): a pixel becomes 1 when it or its left, upper or upper-left neighbour is 1.
 */
export function dilate2x2(bitmap: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(bitmap.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = bitmap[i] | (x > 0 ? bitmap[i - 1] : 0) | (y > 0 ? bitmap[i - width] : 0) | (x > 0 && y > 0 ? bitmap[i - width - 1] : 0);
    }
  }
  return out;
}

/**
 * Mean probability inside a quad ("fast" box score): over the pixels of the quad's integer-truncated
 * polygon, boundary included, within its bounding rows/columns clipped to the map (as db_postprocess.py's
 * `box_score_fast`, which fills the polygon with `cv2.fillPoly` and takes `cv2.mean` under that mask).
 */
export function boxScoreFast(map: ProbabilityMap, quad: readonly Point[]): number {
  const { data, width, height } = map;
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const xmin = clamp(Math.floor(Math.min(...xs)), width - 1);
  const xmax = clamp(Math.ceil(Math.max(...xs)), width - 1);
  const ymin = clamp(Math.floor(Math.min(...ys)), height - 1);
  const ymax = clamp(Math.ceil(Math.max(...ys)), height - 1);
  // Vertices relative to (xmin, ymin) are truncated to integers, as `astype(np.int32)` does.
  const poly: Point[] = quad.map(([x, y]) => [Math.trunc(x - xmin) + xmin, Math.trunc(y - ymin) + ymin]);
  let sum = 0;
  let count = 0;
  for (let y = ymin; y <= ymax; y++) {
    const span = rowSpan(poly, y);
    if (!span) continue;
    const x0 = Math.max(xmin, Math.round(span[0]));
    const x1 = Math.min(xmax, Math.round(span[1]));
    const offset = y * width;
    for (let x = x0; x <= x1; x++) sum += data[offset + x];
    if (x1 >= x0) count += x1 - x0 + 1;
  }
  return count > 0 ? sum / count : 0;
}

/** Leftmost and rightmost x where the horizontal line at `y` meets a convex polygon (edges included). */
function rowSpan(poly: readonly Point[], y: number): [number, number] | undefined {
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0; i < poly.length; i++) {
    const [x0, y0] = poly[i];
    const [x1, y1] = poly[(i + 1) % poly.length];
    if (y < Math.min(y0, y1) || y > Math.max(y0, y1)) continue;
    if (y0 === y1) {
      left = Math.min(left, x0, x1);
      right = Math.max(right, x0, x1);
      continue;
    }
    const x = x0 + ((y - y0) * (x1 - x0)) / (y1 - y0);
    left = Math.min(left, x);
    right = Math.max(right, x);
  }
  return left <= right ? [left, right] : undefined;
}

/**
 * Grows a polygon by `area × ratio / perimeter` with round joins (the DB paper's "unclip"), using Clipper
 * on integer coordinates as pyclipper does (vertices truncated). Returns the largest resulting polygon,
 * or an empty list when the polygon is degenerate.
 */
export function unclip(polygon: readonly Point[], ratio: number): Point[] {
  const area = polygonArea(polygon);
  let perimeter = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x0, y0] = polygon[i];
    const [x1, y1] = polygon[(i + 1) % polygon.length];
    perimeter += Math.hypot(x1 - x0, y1 - y0);
  }
  if (perimeter === 0) return [];
  const offset = new ClipperLib.ClipperOffset();
  offset.AddPath(
    polygon.map(([x, y]) => ({ X: Math.trunc(x), Y: Math.trunc(y) })),
    ClipperLib.JoinType.jtRound,
    ClipperLib.EndType.etClosedPolygon,
  );
  const solution: ClipperLib.Paths = [];
  offset.Execute(solution, (area * ratio) / perimeter);
  let best: ClipperLib.Path = [];
  let bestArea = -1;
  for (const path of solution) {
    const pathArea = polygonArea(path.map((p) => [p.X, p.Y] as Point));
    if (pathArea > bestArea) {
      best = path;
      bestArea = pathArea;
    }
  }
  return best.map((p) => [p.X, p.Y]);
}

/** Scales a det-map quad to the original image, rounds and clips it as PaddleOCR does (two clips, see below). */
export function mapToOriginal(quad: readonly Point[], map: ImageSize, original: ImageSize): Point[] {
  // db_postprocess.py: round(x / map width × original width), clipped to [0, width]; then predict_det.py's
  // clip_det_res clips again to [0, width − 1].
  const scaleX = original.width / map.width;
  const scaleY = original.height / map.height;
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return quad.map(([x, y]) => [
    clip(Math.round(x * scaleX), Math.max(0, original.width - 1)),
    clip(Math.round(y * scaleY), Math.max(0, original.height - 1)),
  ]);
}

/** Whether a clockwise quad's first side and left side are longer than `minPx` (predict_det.py: `int(norm) <= 3` drops). */
function sidesLongerThan(quad: readonly Point[], minPx: number): boolean {
  const top = Math.trunc(Math.hypot(quad[1][0] - quad[0][0], quad[1][1] - quad[0][1]));
  const left = Math.trunc(Math.hypot(quad[3][0] - quad[0][0], quad[3][1] - quad[0][1]));
  return top > minPx && left > minPx;
}

/**
 * Text quads from a probability map, in the original image's pixels, with their box scores, in the order
 * of the candidates (raster order of their first pixel). Sort them with `sortReadingOrder` for output.
 */
export function boxesFromProbabilityMap(map: ProbabilityMap, original: ImageSize, options: DbOptions): DbBox[] {
  const { width, height } = map;
  let bitmap = binarize(map, options.binaryThreshold);
  if (options.useDilation) bitmap = dilate2x2(bitmap, width, height);
  const boxes: DbBox[] = [];
  for (const component of findComponents(bitmap, width, height, options.maxCandidates)) {
    const rect = minAreaRect(component.points);
    if (rect.points.length !== 4 || Math.min(rect.width, rect.height) < options.minSide) continue;
    const score = boxScoreFast(map, rect.points);
    if (score < options.boxScoreThreshold) continue;
    const grown = unclip(rect.points, options.unclipRatio);
    if (grown.length < 3) continue;
    const box = minAreaRect(grown);
    if (box.points.length !== 4 || Math.min(box.width, box.height) < options.minSide + 2) continue;
    const quad = orderClockwise(mapToOriginal(box.points, map, original));
    if (quad.length !== 4 || !sidesLongerThan(quad, 3)) continue;
    boxes.push({ points: quad, score });
  }
  return boxes;
}
