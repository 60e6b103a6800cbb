/**
 * Polygon maths over plain arrays: area, bounds, validity (simple, convex), intersection area and IoU of
 * simple polygons (convex clipping, or Green's theorem for any shape), convex hull, clamping to an image.
 *
 * Conventions: image coordinates (x right, y DOWN), pixels of the oriented original image. "Clockwise"
 * means clockwise as seen on screen, which with y pointing down is a POSITIVE shoelace sum here.
 * Pure functions, no dependencies: they run in the evaluator's inner loop and in post-processing.
 */
import type { Box, ImageSize, Point } from './types.js';

/** Tolerance of the geometry modules: below it, areas, cross products and distances count as zero. */
export const EPS = 1e-9;

/** Cross product of (a - o) and (b - o): > 0 when o → a → b turns clockwise on screen (y down). */
export function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Whether p lies within the bounding box of segment ab (for points already known to be on its line). */
export function onSegment(p: Point, a: Point, b: Point): boolean {
  return (
    Math.min(a[0], b[0]) - EPS <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) + EPS &&
    Math.min(a[1], b[1]) - EPS <= p[1] &&
    p[1] <= Math.max(a[1], b[1]) + EPS
  );
}

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
