/**
 * Orientation: the order of a polygon's points (clockwise on screen from the top-left, the order every
 * Region keeps) and EXIF orientation (from the frame an image is stored in to the frame it is shown in).
 *
 * Conventions: image coordinates (x right, y DOWN), pixels of the oriented original image. "Clockwise"
 * means clockwise as seen on screen, which with y pointing down is a POSITIVE shoelace sum here.
 * Pure functions, no dependencies: they run in the evaluator's inner loop and in post-processing.
 */
import { EPS, boundsOf, cross, dedupePoints, isSimplePolygon, signedArea } from './polygon.js';
import type { ImageSize, Orientation, Point, Region } from './types.js';

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

/** Builds a Region from any polygon: points ordered clockwise from top-left, box = bounds. */
export function makeRegion(points: readonly Point[], extra: Omit<Region, 'points' | 'box'> = {}): Region {
  const ordered = orderClockwise(points);
  return { points: ordered, box: boundsOf(ordered), ...extra };
}

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

/** The EXIF orientation that turns an upright image by each multiple of 90° clockwise. */
const TURN_AS_EXIF: Record<Orientation, number> = { 0: 1, 90: 6, 180: 3, 270: 8 };

/**
 * Maps points of the UPRIGHT view of an image (size `upright`) to the image as given, which is that view
 * turned `orientation` degrees clockwise (a page scanned with its top to the right is turned 90°). Pass
 * the result through `makeRegion` to restore the clockwise-from-top-left order.
 */
export function turnPoints(points: readonly Point[], orientation: Orientation, upright: ImageSize): Point[] {
  return applyExifOrientation(points, TURN_AS_EXIF[orientation], upright);
}

/** The size of an image of `size` turned by `orientation` degrees. */
export function turnedSize(size: ImageSize, orientation: Orientation): ImageSize {
  return orientation === 90 || orientation === 270 ? { width: size.height, height: size.width } : { width: size.width, height: size.height };
}
