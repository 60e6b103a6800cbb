/**
 * One IoU matrix per image, and the named strategies that turn it into one-to-one matches.
 *
 * The shape follows MMOCR (mmocr/evaluation/metrics/hmean_iou_metric.py): the IoU of every care ground-truth
 * region (rows) against every care detection (columns) is computed once; a strategy then picks pairs among the
 * cells above the threshold.
 *  - `greedy` (default): PaddleOCR's ppocr/metrics/eval_det_iou.py rule, also MMOCR's `vanilla`: walk the
 *    ground truth in order, and for each region the detections in order; the first cell with IoU > threshold
 *    whose row and column are both still free becomes a match.
 *  - `optimal`: a maximum bipartite matching over the same cells (MMOCR's `max_matching`, which calls
 *    scipy's maximum_bipartite_matching): the largest possible number of one-to-one pairs. It never gives
 *    fewer matches than `greedy`, and more when greedy's first choice blocks a later region.
 */
import { createRegistry, type Named } from '../core/registry.js';
import type { Box, Point } from '../core/types.js';
import {
  boundsOf,
  clipConvex,
  generalIntersectionArea,
  isAxisAlignedRect,
  isConvex,
  polygonArea,
  signedArea,
} from '../core/geometry.js';

/**
 * A valid polygon with what the inner loop needs computed once, not once per pair: bounds, area, a
 * clockwise-on-screen ring, and which of geometry's intersection paths applies (the same dispatch as
 * geometry.ts `intersectionArea`: axis-aligned rectangles, convex pairs by clipping, else the general path).
 */
export interface PreparedPolygon {
  points: readonly Point[];
  bounds: Box;
  area: number;
  /** The points clockwise on screen (positive shoelace sum), as clipConvex and the general path expect. */
  ring: readonly Point[];
  axisAligned: boolean;
  convex: boolean;
}

export function preparePolygon(points: readonly Point[]): PreparedPolygon {
  const signed = signedArea(points);
  const ring = signed < 0 ? [...points].reverse() : points;
  return {
    points,
    bounds: boundsOf(points),
    area: Math.abs(signed),
    ring,
    axisAligned: isAxisAlignedRect(points),
    convex: isConvex(ring),
  };
}

function boundsOverlap(a: Box, b: Box): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Intersection area, 0 at once when the bounds do not overlap (most pairs in a real image). */
export function preparedIntersection(a: PreparedPolygon, b: PreparedPolygon): number {
  const ab = a.bounds;
  const bb = b.bounds;
  if (!boundsOverlap(ab, bb)) return 0;
  if (a.axisAligned && b.axisAligned) return (Math.min(ab[2], bb[2]) - Math.max(ab[0], bb[0])) * (Math.min(ab[3], bb[3]) - Math.max(ab[1], bb[1]));
  if (a.convex && b.convex) return polygonArea(clipConvex(a.ring, b.ring));
  return generalIntersectionArea(a.ring, b.ring);
}

/** IoU = intersection / (area A + area B − intersection); 0 when the polygons do not overlap. */
export function preparedIoU(a: PreparedPolygon, b: PreparedPolygon): number {
  const inter = preparedIntersection(a, b);
  if (inter <= 0) return 0;
  const union = a.area + b.area - inter;
  return union > 0 ? inter / union : 0;
}

/** Row-major IoU matrix: `matrix[row * cols + col]` = IoU(rows[row], cols[col]). */
export interface IoUMatrix {
  rows: number;
  cols: number;
  values: Float64Array;
}

export function iouMatrix(rows: readonly PreparedPolygon[], cols: readonly PreparedPolygon[]): IoUMatrix {
  const values = new Float64Array(rows.length * cols.length);
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < cols.length; c++) values[r * cols.length + c] = preparedIoU(rows[r], cols[c]);
  }
  return { rows: rows.length, cols: cols.length, values };
}

/** A matched pair: row (ground-truth index) and column (detection index) of the matrix. */
export type MatchPair = [row: number, col: number];

export interface MatchStrategy extends Named {
  readonly name: 'greedy' | 'optimal';
  readonly description: string;
  /** Pairs among the cells whose IoU is strictly greater than `iouThreshold`. */
  match(matrix: IoUMatrix, iouThreshold: number): MatchPair[];
}

/** PaddleOCR's rule: ground truth in order, detections in order, first free cell above the threshold wins. */
export function greedyMatch(matrix: IoUMatrix, iouThreshold: number): MatchPair[] {
  const colTaken = new Uint8Array(matrix.cols);
  const pairs: MatchPair[] = [];
  for (let r = 0; r < matrix.rows; r++) {
    for (let c = 0; c < matrix.cols; c++) {
      if (colTaken[c] === 0 && matrix.values[r * matrix.cols + c] > iouThreshold) {
        colTaken[c] = 1;
        pairs.push([r, c]);
        break; // this row is matched; PaddleOCR's inner loop skips the rest of it
      }
    }
  }
  return pairs;
}

/**
 * Maximum bipartite matching (Kuhn's augmenting paths; rows are at most a few hundred regions per image,
 * so O(rows × cells) is plenty). Pairs come back in row order.
 */
export function optimalMatch(matrix: IoUMatrix, iouThreshold: number): MatchPair[] {
  const { rows, cols, values } = matrix;
  const edges: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < cols; c++) if (values[r * cols + c] > iouThreshold) row.push(c);
    edges.push(row);
  }
  const rowOfCol = new Int32Array(cols).fill(-1);
  const visited = new Int32Array(cols).fill(-1);
  const augment = (r: number, round: number): boolean => {
    for (const c of edges[r]) {
      if (visited[c] === round) continue;
      visited[c] = round;
      if (rowOfCol[c] === -1 || augment(rowOfCol[c], round)) {
        rowOfCol[c] = r;
        return true;
      }
    }
    return false;
  };
  for (let r = 0; r < rows; r++) if (edges[r].length > 0) augment(r, r);
  const pairs: MatchPair[] = [];
  for (let c = 0; c < cols; c++) if (rowOfCol[c] !== -1) pairs.push([rowOfCol[c], c]);
  return pairs.sort((a, b) => a[0] - b[0]);
}

export const MATCH_STRATEGIES = createRegistry<MatchStrategy>('match strategy', [
  {
    name: 'greedy',
    aliases: ['vanilla', 'paddleocr'],
    description: "ground truth in order, first free detection with IoU > threshold (PaddleOCR's eval_det_iou.py)",
    match: greedyMatch,
  },
  {
    name: 'optimal',
    aliases: ['max_matching', 'max-matching'],
    description: "maximum bipartite matching over the cells with IoU > threshold (MMOCR's max_matching)",
    match: optimalMatch,
  },
]);

export type MatchStrategyName = MatchStrategy['name'];
