/**
 * Plane geometry over plain arrays: areas, validity, intersection and IoU of simple polygons, bounds,
 * point order, clipping, minimum-area rectangles, EXIF re-orientation and reading order.
 *
 * Conventions: image coordinates (x right, y DOWN), pixels of the oriented original image. "Clockwise"
 * means clockwise as seen on screen, which with y pointing down is a POSITIVE shoelace sum here.
 * Pure functions, no dependencies: they run in the evaluator's inner loop and in post-processing.
 */
import type { Box, ImageSize, Point, Region } from './types.js';

const EPS = 1e-9;

/** Shoelace area, positive for polygons that are clockwise on screen (y down), negative otherwise. */
export function signedArea(points: readonly Point[]): number {
  let sum = 0;
  const n = points.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    sum += points[j][0] * points[i][1] - points[i][0] * points[j][1];
  }
  return sum / 2;
}

/** Unsigned polygon area. */
export function polygonArea(points: readonly Point[]): number {
  return Math.abs(signedArea(points));
}

/** Axis-aligned bounds [x1, y1, x2, y2]. An empty list gives [0, 0, 0, 0]. */
export function boundsOf(points: readonly Point[]): Box {
  if (points.length === 0) return [0, 0, 0, 0];
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const [x, y] of points) {
    if (x < x1) x1 = x;
    if (x > x2) x2 = x;
    if (y < y1) y1 = y;
    if (y > y2) y2 = y;
  }
  return [x1, y1, x2, y2];
}

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

/** Whether a polygon's corners are exactly its axis-aligned bounds (a rectangle with axis-aligned sides). */
export function isAxisAlignedRect(points: readonly Point[]): boolean {
  if (points.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % 4];
    if (x0 !== x1 && y0 !== y1) return false;
  }
  const [bx1, by1, bx2, by2] = boundsOf(points);
  return polygonArea(points) === (bx2 - bx1) * (by2 - by1) && bx2 > bx1 && by2 > by1;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function onSegment(p: Point, a: Point, b: Point): boolean {
  return (
    Math.min(a[0], b[0]) - EPS <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) + EPS &&
    Math.min(a[1], b[1]) - EPS <= p[1] &&
    p[1] <= Math.max(a[1], b[1]) + EPS
  );
}

/** Whether segments ab and cd share at least one point (touching counts). */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  if (d1 === 0 && onSegment(a, c, d)) return true;
  if (d2 === 0 && onSegment(b, c, d)) return true;
  if (d3 === 0 && onSegment(c, a, b)) return true;
  if (d4 === 0 && onSegment(d, a, b)) return true;
  return false;
}

/** Drops consecutive duplicate points (including last == first). Returns the input itself when it has none. */
export function dedupePoints(points: readonly Point[]): Point[] {
  const n = points.length;
  let clean = n < 2 || points[0][0] !== points[n - 1][0] || points[0][1] !== points[n - 1][1];
  for (let i = 1; clean && i < n; i++) clean = points[i][0] !== points[i - 1][0] || points[i][1] !== points[i - 1][1];
  // The common case (every annotation quad) allocates nothing: this runs several times per region.
  if (clean) return points as Point[];
  const out: Point[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  while (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  return out;
}

/**
 * A valid simple polygon: at least 3 distinct finite points, non-zero area, and no edge touching a
 * non-adjacent edge (no self-intersection, no self-touching) nor folding back over its neighbour.
 * Repeated consecutive points are tolerated, as in shapely/GEOS.
 */
export function isSimplePolygon(points: readonly Point[]): boolean {
  for (const p of points) if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return false;
  const ring = dedupePoints(points);
  const n = ring.length;
  if (n < 3 || Math.abs(signedArea(ring)) <= EPS) return false;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    // Adjacent edge folding back (a spike): collinear and pointing the other way.
    const c = ring[(i + 2) % n];
    if (Math.abs(cross(a, b, c)) <= EPS && (c[0] - b[0]) * (b[0] - a[0]) + (c[1] - b[1]) * (b[1] - a[1]) < 0) return false;
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // adjacent through the closing edge
      if (segmentsIntersect(a, b, ring[j], ring[(j + 1) % n])) return false;
    }
  }
  return true;
}

/** Whether a polygon is convex (collinear points allowed), in either orientation. */
export function isConvex(points: readonly Point[]): boolean {
  const n = points.length;
  if (n < 3) return false;
  let sign = 0;
  for (let i = 0; i < n; i++) {
    const c = cross(points[i], points[(i + 1) % n], points[(i + 2) % n]);
    if (Math.abs(c) <= EPS) continue;
    const s = c > 0 ? 1 : -1;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return sign !== 0;
}

/** Every turn the same way, none straight: then the ring is a simple convex polygon (the cheap common case). */
function isStrictlyConvex(ring: readonly Point[]): boolean {
  const n = ring.length;
  let sign = 0;
  for (let i = 0; i < n; i++) {
    const c = cross(ring[i], ring[(i + 1) % n], ring[(i + 2) % n]);
    if (c === 0 || (sign !== 0 && (c > 0) !== (sign > 0))) return false;
    sign = c;
  }
  return true;
}

/** The index of the "top-left" point: smallest x + y, ties broken by smallest y. */
function topLeftIndex(points: readonly Point[]): number {
  let best = 0;
  for (let i = 1; i < points.length; i++) {
    const s = points[i][0] + points[i][1];
    const b = points[best][0] + points[best][1];
    if (s < b - EPS || (Math.abs(s - b) <= EPS && points[i][1] < points[best][1])) best = i;
  }
  return best;
}

/**
 * Orders a polygon clockwise (on screen) starting from its top-left point. A simple polygon keeps its
 * cyclic order (only reversed and rotated); four points that do not form a simple polygon in the given
 * order (corners listed crosswise, as some annotation tools write them) are sorted by angle around their
 * centroid first.
 */
export function orderClockwise(points: readonly Point[]): Point[] {
  let ring = dedupePoints(points).map((p) => [p[0], p[1]] as Point);
  if (ring.length === 4 && !isStrictlyConvex(ring) && !isSimplePolygon(ring)) {
    const cx = (ring[0][0] + ring[1][0] + ring[2][0] + ring[3][0]) / 4;
    const cy = (ring[0][1] + ring[1][1] + ring[2][1] + ring[3][1]) / 4;
    ring = ring.sort((a, b) => Math.atan2(a[1] - cy, a[0] - cx) - Math.atan2(b[1] - cy, b[0] - cx));
  }
  if (signedArea(ring) < 0) ring.reverse();
  const start = topLeftIndex(ring);
  return [...ring.slice(start), ...ring.slice(0, start)];
}

/** Clamps every point into the image: x in [0, width], y in [0, height]. Always a new array. */
export function clipPoints(points: readonly Point[], size: ImageSize): Point[] {
  const out: Point[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const x = points[i][0];
    const y = points[i][1];
    out[i] = [x < 0 ? 0 : x > size.width ? size.width : x, y < 0 ? 0 : y > size.height ? size.height : y];
  }
  return out;
}

/** Builds a Region from any polygon: points ordered clockwise from top-left, box = bounds. */
export function makeRegion(points: readonly Point[], extra: Omit<Region, 'points' | 'box'> = {}): Region {
  const ordered = orderClockwise(points);
  return { points: ordered, box: boundsOf(ordered), ...extra };
}

// ---------------------------------------------------------------------------------------------------------
// Intersection area and IoU
// ---------------------------------------------------------------------------------------------------------

/** Sutherland–Hodgman: the part of `subject` inside the convex polygon `clip` (both clockwise on screen). */
export function clipConvex(subject: readonly Point[], clip: readonly Point[]): Point[] {
  let output: Point[] = subject.slice();
  const n = clip.length;
  for (let i = 0; i < n && output.length > 0; i++) {
    const a = clip[i];
    const b = clip[(i + 1) % n];
    const input = output;
    output = [];
    for (let k = 0; k < input.length; k++) {
      const p = input[k];
      const q = input[(k + 1) % input.length];
      // Inside = right-hand side of a→b on screen = cross ≥ 0 for clockwise-on-screen (positive area) rings.
      const pIn = cross(a, b, p) >= 0;
      const qIn = cross(a, b, q) >= 0;
      if (pIn) output.push(p);
      if (pIn !== qIn) {
        const dp = cross(a, b, p);
        const dq = cross(a, b, q);
        const t = dp / (dp - dq);
        output.push([p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]);
      }
    }
  }
  return output;
}

/** The part of a polygon inside an axis-aligned box (for crops); may be empty. */
export function clipPolygonToBox(points: readonly Point[], box: Box): Point[] {
  const ring = signedArea(points) < 0 ? [...points].reverse() : points;
  return clipConvex(ring, boxToPoints(box));
}

function pointInPolygon(p: Point, ring: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Contribution to ∮ x dy of the parts of ring A's edges that lie inside ring B (Green's theorem: the
 * boundary of A∩B is the part of ∂A inside B plus the part of ∂B inside A). Edges lying on B's boundary
 * count only when `countShared` and they run the same way as B's edge (both interiors on the same side).
 */
function boundaryInside(a: readonly Point[], b: readonly Point[], countShared: boolean): number {
  let sum = 0;
  const m = b.length;
  for (let i = 0; i < a.length; i++) {
    const p = a[i];
    const q = a[(i + 1) % a.length];
    const dx = q[0] - p[0];
    const dy = q[1] - p[1];
    const cuts = [0, 1];
    for (let j = 0; j < m; j++) {
      const c = b[j];
      const d = b[(j + 1) % m];
      const ex = d[0] - c[0];
      const ey = d[1] - c[1];
      const denom = dx * ey - dy * ex;
      if (Math.abs(denom) <= EPS) continue;
      const t = ((c[0] - p[0]) * ey - (c[1] - p[1]) * ex) / denom;
      const u = ((c[0] - p[0]) * dy - (c[1] - p[1]) * dx) / denom;
      if (t > EPS && t < 1 - EPS && u >= -EPS && u <= 1 + EPS) cuts.push(t);
    }
    // Endpoints of B's edges lying on this edge also split it.
    for (const c of b) {
      if (Math.abs(cross(p, q, c)) > EPS * Math.max(1, Math.abs(dx) + Math.abs(dy))) continue;
      const t = Math.abs(dx) >= Math.abs(dy) ? (c[0] - p[0]) / dx : (c[1] - p[1]) / dy;
      if (t > EPS && t < 1 - EPS) cuts.push(t);
    }
    cuts.sort((x, y) => x - y);
    for (let k = 0; k + 1 < cuts.length; k++) {
      const t0 = cuts[k];
      const t1 = cuts[k + 1];
      if (t1 - t0 <= EPS) continue;
      const mid: Point = [p[0] + dx * ((t0 + t1) / 2), p[1] + dy * ((t0 + t1) / 2)];
      const shared = sharedEdgeDirection(mid, dx, dy, b);
      const inside = shared === 0 ? pointInPolygon(mid, b) : countShared && shared > 0;
      if (!inside) continue;
      const x0 = p[0] + dx * t0;
      const x1 = p[0] + dx * t1;
      sum += ((x0 + x1) / 2) * (dy * (t1 - t0));
    }
  }
  return sum;
}

/** +1 if `mid` lies on an edge of `ring` running the same way as (dx, dy), -1 the other way, 0 if on none. */
function sharedEdgeDirection(mid: Point, dx: number, dy: number, ring: readonly Point[]): number {
  for (let j = 0; j < ring.length; j++) {
    const c = ring[j];
    const d = ring[(j + 1) % ring.length];
    const len = Math.abs(d[0] - c[0]) + Math.abs(d[1] - c[1]);
    if (Math.abs(cross(c, d, mid)) <= EPS * Math.max(1, len) && onSegment(mid, c, d)) {
      return (d[0] - c[0]) * dx + (d[1] - c[1]) * dy > 0 ? 1 : -1;
    }
  }
  return 0;
}

/**
 * Area of the intersection of two simple polygons (any vertex count, convex or not). Fast paths:
 * disjoint bounds, axis-aligned rectangles, convex pairs (Sutherland–Hodgman); otherwise Green's theorem
 * over the parts of each boundary inside the other.
 */
export function intersectionArea(a: readonly Point[], b: readonly Point[]): number {
  const ba = boundsOf(a);
  const bb = boundsOf(b);
  if (ba[2] <= bb[0] || bb[2] <= ba[0] || ba[3] <= bb[1] || bb[3] <= ba[1]) return 0;
  if (isAxisAlignedRect(a) && isAxisAlignedRect(b)) {
    return (Math.min(ba[2], bb[2]) - Math.max(ba[0], bb[0])) * (Math.min(ba[3], bb[3]) - Math.max(ba[1], bb[1]));
  }
  const ra = signedArea(a) < 0 ? [...a].reverse() : a;
  const rb = signedArea(b) < 0 ? [...b].reverse() : b;
  if (isConvex(ra) && isConvex(rb)) return polygonArea(clipConvex(ra, rb));
  return generalIntersectionArea(ra, rb);
}

/**
 * Intersection area of two simple polygons of any shape, both clockwise on screen, by Green's theorem
 * (the slow general path of `intersectionArea`, exported so it can be checked against convex clipping).
 */
export function generalIntersectionArea(a: readonly Point[], b: readonly Point[]): number {
  return Math.abs(boundaryInside(a, b, true) + boundaryInside(b, a, false));
}

/** Intersection over union of two simple polygons; 0 when the union is empty. */
export function polygonIoU(a: readonly Point[], b: readonly Point[]): number {
  const inter = intersectionArea(a, b);
  if (inter <= 0) return 0;
  const union = polygonArea(a) + polygonArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Convex hull and minimum-area rectangle
// ---------------------------------------------------------------------------------------------------------

/** Convex hull (Andrew's monotone chain), clockwise on screen, without collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
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

// ---------------------------------------------------------------------------------------------------------
// EXIF orientation and reading order
// ---------------------------------------------------------------------------------------------------------

/**
 * Maps points from the frame an image is STORED in to the frame it is DISPLAYED in, for EXIF orientation
 * 1–8 (TIFF/EXIF 2.3 tag 0x0112). `stored` is the size as stored. Mirroring orientations (2, 4, 5, 7)
 * reverse the polygon's direction: pass the result through `orderClockwise` (or `makeRegion`).
 */
export function applyExifOrientation(points: readonly Point[], orientation: number, stored: ImageSize): Point[] {
  const W = stored.width;
  const H = stored.height;
  const map: Record<number, (x: number, y: number) => Point> = {
    1: (x, y) => [x, y],
    2: (x, y) => [W - x, y],
    3: (x, y) => [W - x, H - y],
    4: (x, y) => [x, H - y],
    5: (x, y) => [y, x],
    6: (x, y) => [H - y, x],
    7: (x, y) => [H - y, W - x],
    8: (x, y) => [y, W - x],
  };
  const f = map[orientation] ?? map[1];
  return points.map(([x, y]) => f(x, y));
}

/**
 * Reading order: top to bottom by lines, left to right within a line. A region joins a line when their
 * vertical extents overlap by at least half of the shorter one's height (a relative rule, unlike a fixed
 * pixel tolerance, so it holds for small and large text alike) and its height is within 2× of the height of
 * the region that started the line: a tall region (vertical or steeply rotated text, a big title) starts a
 * line of its own instead of pulling every line beside it into one left-to-right run.
 */
export function sortReadingOrder<T extends { box: Box }>(regions: readonly T[]): T[] {
  const byTop = [...regions].sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
  const lines: { top: number; bottom: number; height: number; items: T[] }[] = [];
  for (const region of byTop) {
    const y1 = region.box[1];
    const y2 = region.box[3];
    const h = Math.max(y2 - y1, EPS);
    let line: (typeof lines)[number] | undefined;
    for (const candidate of lines) {
      if (h > 2 * candidate.height || candidate.height > 2 * h) continue;
      const overlap = Math.min(candidate.bottom, y2) - Math.max(candidate.top, y1);
      if (overlap >= 0.5 * Math.min(h, Math.max(candidate.bottom - candidate.top, EPS))) {
        line = candidate;
        break;
      }
    }
    if (line) {
      line.items.push(region);
      if (y1 < line.top) line.top = y1;
      if (y2 > line.bottom) line.bottom = y2;
    } else {
      lines.push({ top: y1, bottom: y2, height: h, items: [region] });
    }
  }
  lines.sort((a, b) => a.top - b.top);
  const out: T[] = [];
  for (const line of lines) {
    if (line.items.length > 1) line.items.sort((a, b) => a.box[0] - b.box[0]);
    for (const item of line.items) out.push(item);
  }
  return out;
}
