/**
 * Rectangles: axis-aligned boxes (corners, area, IoU, clipping a polygon to one) and the minimum-area
 * rotated rectangle around a set of points (rotating calipers).
 *
 * Conventions: image coordinates (x right, y DOWN), pixels of the oriented original image. "Clockwise"
 * means clockwise as seen on screen, which with y pointing down is a POSITIVE shoelace sum here.
 * Pure functions, no dependencies: they run in the evaluator's inner loop and in post-processing.
 */
import { orderClockwise } from './orientation.js';
import { EPS, boundsOf, clipConvex, convexHull, signedArea } from './polygon.js';
import type { Box, Point } from './types.js';

/** The four corners of a box, clockwise from the top-left. */
export function boxToPoints(box: Box): Point[] {
  const [x1, y1, x2, y2] = box;
  return [
    [x1, y1],
    [x2, y1],
    [x2, y2],
    [x1, y2],
  ];
}

export function boxArea(box: Box): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

/** IoU of two axis-aligned boxes (the fast path: no polygon clipping). */
export function boxIoU(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** The part of a polygon inside an axis-aligned box (for crops); may be empty. */
export function clipPolygonToBox(points: readonly Point[], box: Box): Point[] {
  const ring = signedArea(points) < 0 ? [...points].reverse() : points;
  return clipConvex(ring, boxToPoints(box));
}

export interface RotatedRect {
  /** Corners, clockwise on screen from the top-left. */
  points: Point[];
  /** Length of the side from points[0] to points[1]. */
  width: number;
  /** Length of the side from points[1] to points[2]. */
  height: number;
}

/** The smallest-area rectangle enclosing the points (rotating calipers over the convex hull's edges). */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) return { points: [], width: 0, height: 0 };
  if (hull.length < 3) {
    const [x1, y1, x2, y2] = boundsOf(hull);
    return { points: boxToPoints([x1, y1, x2, y2]), width: x2 - x1, height: y2 - y1 };
  }
  let best = { area: Infinity, ux: 1, uy: 0, minU: 0, maxU: 0, minV: 0, maxV: 0 };
  for (let i = 0; i < hull.length; i++) {
    const p = hull[i];
    const q = hull[(i + 1) % hull.length];
    const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (len === 0) continue;
    const ux = (q[0] - p[0]) / len;
    const uy = (q[1] - p[1]) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const [x, y] of hull) {
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < best.area - EPS) best = { area, ux, uy, minU, maxU, minV, maxV };
  }
  const { ux, uy, minU, maxU, minV, maxV } = best;
  const corner = (u: number, v: number): Point => [u * ux - v * uy, u * uy + v * ux];
  const ordered = orderClockwise([corner(minU, minV), corner(maxU, minV), corner(maxU, maxV), corner(minU, maxV)]);
  const width = Math.hypot(ordered[1][0] - ordered[0][0], ordered[1][1] - ordered[0][1]);
  const height = Math.hypot(ordered[2][0] - ordered[1][0], ordered[2][1] - ordered[1][1]);
  return { points: ordered, width, height };
}
