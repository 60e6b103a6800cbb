/**
 * Perspective crops of text quads from a packed RGB image, for recognition: the semantics of PaddleOCR's
 * `get_rotate_crop_image` (PaddlePaddle/PaddleOCR tools/infer/utility.py) — a quad is warped to an
 * upright rectangle as wide as its longer top/bottom side and as tall as its longer left/right side, and
 * a crop at least 1.5× taller than wide is turned 90° counter-clockwise (vertical text read top-down
 * becomes a left-to-right line). Our own code: a square-to-quad homography and bilinear sampling with
 * edge replication, over typed arrays (no OpenCV).
 */
import type { Point } from '../../core/types.js';

/** Packed RGB pixels, 3 bytes per pixel, row by row. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Projective map of the unit square onto a quad: (u, v) ∈ [0,1]² → image point (Heckbert's closed form). */
export interface SquareToQuad {
  a: number; b: number; c: number; d: number; e: number; f: number; g: number; h: number;
}

/** The homography sending (0,0),(1,0),(1,1),(0,1) to quad[0..3]. */
export function squareToQuad(quad: readonly Point[]): SquareToQuad {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = quad;
  const sx = x0 - x1 + x2 - x3;
  const sy = y0 - y1 + y2 - y3;
  if (Math.abs(sx) < 1e-12 && Math.abs(sy) < 1e-12) {
    // A parallelogram: the map is affine.
    return { a: x1 - x0, b: x3 - x0, c: x0, d: y1 - y0, e: y3 - y0, f: y0, g: 0, h: 0 };
  }
  const dx1 = x1 - x2;
  const dx2 = x3 - x2;
  const dy1 = y1 - y2;
  const dy2 = y3 - y2;
  const det = dx1 * dy2 - dx2 * dy1;
  const g = det === 0 ? 0 : (sx * dy2 - dx2 * sy) / det;
  const h = det === 0 ? 0 : (dx1 * sy - sx * dy1) / det;
  return { a: x1 - x0 + g * x1, b: x3 - x0 + h * x3, c: x0, d: y1 - y0 + g * y1, e: y3 - y0 + h * y3, f: y0, g, h };
}

/** Applies a square-to-quad map. */
export function mapSquarePoint(m: SquareToQuad, u: number, v: number): Point {
  const w = m.g * u + m.h * v + 1;
  return [(m.a * u + m.b * v + m.c) / w, (m.d * u + m.e * v + m.f) / w];
}

/**
 * PaddleOCR's corner order for cropping (predict_det.py `order_points_clockwise`, after imutils): the two
 * leftmost points are the left side (upper = top-left), the two rightmost the right side. Its first edge
 * is the text's reading direction for lines tilted less than 45°.
 */
export function cropCornerOrder(points: readonly Point[]): Point[] {
  const byX = [...points].sort((p, q) => p[0] - q[0]);
  const [tl, bl] = [byX[0], byX[1]].sort((p, q) => p[1] - q[1]);
  const [tr, br] = [byX[2], byX[3]].sort((p, q) => p[1] - q[1]);
  return [tl, tr, br, bl];
}

/** An upright crop of a quad: the quad's corners in crop order (rotated if tall) and the crop's size. */
export interface CropPlan {
  /** Source corners mapped to the crop's top-left, top-right, bottom-right, bottom-left. */
  corners: Point[];
  width: number;
  height: number;
}

/**
 * Size and corner order of a quad's crop as `get_rotate_crop_image` makes it: width = int(longer of the
 * top/bottom sides), height = int(longer of the left/right sides); when height / width ≥ 1.5 the crop is
 * turned 90° counter-clockwise (np.rot90), i.e. the quad's top-right corner becomes the top-left.
 */
export function planCrop(points: readonly Point[]): CropPlan {
  const [p0, p1, p2, p3] = cropCornerOrder(points);
  const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const width = Math.trunc(Math.max(dist(p0, p1), dist(p2, p3)));
  const height = Math.trunc(Math.max(dist(p0, p3), dist(p1, p2)));
  if (width > 0 && height / width >= 1.5) return { corners: [p1, p2, p3, p0], width: height, height: width };
  return { corners: [p0, p1, p2, p3], width, height };
}

/** The same crop turned by 180° (what the direction classifier asks for). */
export function rotatePlan180(plan: CropPlan): CropPlan {
  const [p0, p1, p2, p3] = plan.corners;
  return { corners: [p2, p3, p0, p1], width: plan.width, height: plan.height };
}

/** Where `sampleCrop` writes: planar float channels, each value `byte × scale + bias`. */
export interface PlanarTarget {
  data: Float32Array;
  /** Index of the crop's top-left pixel in the first plane. */
  offset: number;
  /** Distance between rows, in values (≥ the crop width: a batch tensor row is as wide as the batch). */
  rowStride: number;
  /** Distance between planes, in values. */
  planeStride: number;
  scale: number;
  bias: number;
  /** Channel written to plane 0, 1, 2: 'bgr' as OpenCV-trained models expect, or 'rgb'. */
  order: 'rgb' | 'bgr';
}

/**
 * Samples the crop `plan` of `image` at `outWidth × outHeight` pixels into `target` (a plain crop when
 * they equal the plan's size; a crop and resize in one pass otherwise, as cv2.resize would after the warp),
 * bilinear, edges replicated. Writing straight into a batch tensor saves a copy per crop.
 */
export function sampleCrop(image: RgbPixels, plan: CropPlan, outWidth: number, outHeight: number, target: PlanarTarget): void {
  const { data, width, height } = image;
  const m = squareToQuad(plan.corners);
  const { data: out, rowStride, planeStride, scale, bias } = target;
  const first = target.order === 'bgr' ? 2 : 0; // byte offset of the channel written to plane 0
  const last = 2 - first;
  // Output pixel (i, j) samples crop coordinates (max(0, (i + 0.5) · W / outW − 0.5), …), cv2.resize's
  // pixel centres (identity when outW = W); crop x ∈ [0, W] is u = x / W on the unit square.
  const stepX = plan.width / outWidth;
  const stepY = plan.height / outHeight;
  const invW = 1 / Math.max(plan.width, 1e-9);
  const invH = 1 / Math.max(plan.height, 1e-9);
  const maxX = width - 1;
  const maxY = height - 1;
  for (let j = 0; j < outHeight; j++) {
    const v = Math.max(0, (j + 0.5) * stepY - 0.5) * invH;
    let at = target.offset + j * rowStride;
    for (let i = 0; i < outWidth; i++, at++) {
      const u = Math.max(0, (i + 0.5) * stepX - 0.5) * invW;
      const w = m.g * u + m.h * v + 1;
      let x = (m.a * u + m.b * v + m.c) / w;
      let y = (m.d * u + m.e * v + m.f) / w;
      x = x < 0 ? 0 : x > maxX ? maxX : x;
      y = y < 0 ? 0 : y > maxY ? maxY : y;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const dx = x0 < maxX ? 3 : 0;
      const dy = y0 < maxY ? width * 3 : 0;
      const fx = x - x0;
      const fy = y - y0;
      const p00 = (y0 * width + x0) * 3;
      const p01 = p00 + dx;
      const p10 = p00 + dy;
      const p11 = p10 + dx;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      out[at] = (data[p00 + first] * w00 + data[p01 + first] * w01 + data[p10 + first] * w10 + data[p11 + first] * w11) * scale + bias;
      out[at + planeStride] = (data[p00 + 1] * w00 + data[p01 + 1] * w01 + data[p10 + 1] * w10 + data[p11 + 1] * w11) * scale + bias;
      out[at + 2 * planeStride] = (data[p00 + last] * w00 + data[p01 + last] * w01 + data[p10 + last] * w10 + data[p11 + last] * w11) * scale + bias;
    }
  }
}

/** A crop as packed RGB bytes (for tests, overlays and debugging). */
export function cropToRgb(image: RgbPixels, plan: CropPlan, outWidth = plan.width, outHeight = plan.height): RgbPixels {
  const plane = outWidth * outHeight;
  const planes = new Float32Array(3 * plane);
  sampleCrop(image, plan, outWidth, outHeight, { data: planes, offset: 0, rowStride: outWidth, planeStride: plane, scale: 1, bias: 0, order: 'rgb' });
  const out = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    out[i * 3] = Math.round(planes[i]);
    out[i * 3 + 1] = Math.round(planes[i + plane]);
    out[i * 3 + 2] = Math.round(planes[i + 2 * plane]);
  }
  return { data: out, width: outWidth, height: outHeight };
}
