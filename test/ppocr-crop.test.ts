/**
 * Perspective crops: exact coordinates on a synthetic image whose pixels encode their own position, and
 * upright crops of rendered quads (rotated, tall) checked by which colour ends up where.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Point } from '../src/core/types.js';
import { cropCornerOrder, cropToRgb, mapSquarePoint, planCrop, squareToQuad, type RgbPixels } from '../src/detectors/ppocr/crop.js';

/** A 256×256 image whose red channel is x and green channel is y (blue 0). */
function coordinateImage(): RgbPixels {
  const data = new Uint8Array(256 * 256 * 3);
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) {
      data[(y * 256 + x) * 3] = x;
      data[(y * 256 + x) * 3 + 1] = y;
    }
  }
  return { data, width: 256, height: 256 };
}

function pixel(image: RgbPixels, x: number, y: number): [number, number, number] {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

/** A white canvas with a quad whose first half (from corner 0 to corner 1) is red and second half blue, rendered by librsvg. */
async function renderTwoColourQuad(width: number, height: number, quad: Point[]): Promise<RgbPixels> {
  const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const m01 = mid(quad[0], quad[1]);
  const m32 = mid(quad[3], quad[2]);
  const poly = (points: Point[], fill: string) => `<polygon points="${points.map((p) => p.join(',')).join(' ')}" fill="${fill}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="white"/>
    ${poly([quad[0], m01, m32, quad[3]], '#ff0000')}${poly([m01, quad[1], quad[2], m32], '#0000ff')}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function meanColour(image: RgbPixels, x0: number, x1: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.floor(image.height * 0.25); y < Math.ceil(image.height * 0.75); y++) {
    for (let x = x0; x < x1; x++) {
      const p = pixel(image, x, y);
      sum[0] += p[0];
      sum[1] += p[1];
      sum[2] += p[2];
      n++;
    }
  }
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

describe('squareToQuad', () => {
  it('sends the unit square corners to the quad corners, also for a true perspective quad', () => {
    const quad: Point[] = [[10, 20], [90, 5], [120, 80], [0, 60]];
    const m = squareToQuad(quad);
    const corners = [mapSquarePoint(m, 0, 0), mapSquarePoint(m, 1, 0), mapSquarePoint(m, 1, 1), mapSquarePoint(m, 0, 1)];
    corners.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(quad[i][0], 9);
      expect(p[1]).toBeCloseTo(quad[i][1], 9);
    });
  });
});

describe('planCrop', () => {
  it('orders corners as PaddleOCR does and sizes the crop by the longer opposite sides', () => {
    // Corners given bottom-right first. Top side √(98² + 10²) ≈ 98.5, bottom 100 → width 100;
    // left side 30, right √(2² + 40²) ≈ 40.05 → height int(40.05) = 40.
    const plan = planCrop([[110, 40], [10, 40], [10, 10], [108, 10 - 10]]);
    expect(plan.corners).toEqual([[10, 10], [108, 0], [110, 40], [10, 40]]);
    expect(plan.width).toBe(100);
    expect(plan.height).toBe(40);
    expect(cropCornerOrder([[5, 5], [0, 0], [5, 0], [0, 5]])).toEqual([[0, 0], [5, 0], [5, 5], [0, 5]]);
  });

  it('turns a crop at least 1.5× taller than wide by 90° counter-clockwise', () => {
    // 20 wide, 40 tall: the rotated crop is 40 × 20 and starts at the quad's top-right corner.
    const plan = planCrop([[0, 0], [20, 0], [20, 40], [0, 40]]);
    expect(plan).toEqual({ corners: [[20, 0], [20, 40], [0, 40], [0, 0]], width: 40, height: 20 });
    expect(planCrop([[0, 0], [20, 0], [20, 29], [0, 29]]).width).toBe(20); // 1.45× stays upright
  });
});

describe('cropToRgb', () => {
  it('copies an axis-aligned quad pixel for pixel', () => {
    const image = coordinateImage();
    const crop = cropToRgb(image, planCrop([[40, 50], [100, 50], [100, 80], [40, 80]]));
    expect([crop.width, crop.height]).toEqual([60, 30]);
    expect(pixel(crop, 0, 0)).toEqual([40, 50, 0]);
    expect(pixel(crop, 59, 29)).toEqual([99, 79, 0]);
    expect(pixel(crop, 17, 11)).toEqual([57, 61, 0]);
  });

  it('samples a rotated quad along its own axes', () => {
    // A 80 × 20 rectangle rotated by 30° from (60, 60): crop pixel (i, j) is source point
    // (60 + i cos30 − j sin30, 60 + i sin30 + j cos30), bilinear, so within one grey level of it.
    const image = coordinateImage();
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const quad: Point[] = [[60, 60], [60 + 80 * c, 60 + 80 * s], [60 + 80 * c - 20 * s, 60 + 80 * s + 20 * c], [60 - 20 * s, 60 + 20 * c]];
    const crop = cropToRgb(image, planCrop(quad));
    expect([crop.width, crop.height]).toEqual([80, 20]);
    for (const [i, j] of [[0, 0], [40, 10], [79, 19], [10, 15]]) {
      const [r, g] = pixel(crop, i, j);
      expect(Math.abs(r - (60 + i * c - j * s))).toBeLessThanOrEqual(1);
      expect(Math.abs(g - (60 + i * s + j * c))).toBeLessThanOrEqual(1);
    }
  });

  it('resizes while it crops (one bilinear pass), edges replicated outside the image', () => {
    const image = coordinateImage();
    // Quad partly outside the image on the left: x < 0 replicates column 0.
    const crop = cropToRgb(image, planCrop([[-20, 100], [80, 100], [80, 120], [-20, 120]]), 50, 10);
    expect([crop.width, crop.height]).toEqual([50, 10]);
    expect(pixel(crop, 0, 5)[0]).toBe(0);
    // Output pixel 30 samples crop x = 30.5 × 2 − 0.5 = 60.5 → source x = 40.5 → red 40 or 41.
    expect(Math.abs(pixel(crop, 30, 5)[0] - 40.5)).toBeLessThanOrEqual(0.5);
  });

  it('makes a rendered, rotated two-colour quad upright: red on the left, blue on the right', async () => {
    const quad: Point[] = [[40, 100], [220, 40], [232, 76], [52, 136]]; // ~18° upwards, 190 × 38
    const image = await renderTwoColourQuad(280, 180, quad);
    const crop = cropToRgb(image, planCrop(quad));
    const left = meanColour(crop, 5, Math.floor(crop.width * 0.4));
    const right = meanColour(crop, Math.ceil(crop.width * 0.6), crop.width - 5);
    expect(left[0]).toBeGreaterThan(200);
    expect(left[2]).toBeLessThan(60);
    expect(right[2]).toBeGreaterThan(200);
    expect(right[0]).toBeLessThan(60);
  });

  it('reads a tall rendered quad top-down as left-to-right after turning it', async () => {
    // Vertical strip: red on top (corner 0 → corner 1 is the short top side here, so colour by rows instead).
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="200">
      <rect width="100%" height="100%" fill="white"/>
      <rect x="30" y="20" width="40" height="80" fill="#ff0000"/><rect x="30" y="100" width="40" height="80" fill="#0000ff"/></svg>`;
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const crop = cropToRgb({ data, width: info.width, height: info.height }, planCrop([[30, 20], [70, 20], [70, 180], [30, 180]]));
    expect([crop.width, crop.height]).toEqual([160, 40]);
    expect(meanColour(crop, 5, 70)[0]).toBeGreaterThan(200); // the top (red) is now on the left
    expect(meanColour(crop, 90, 155)[2]).toBeGreaterThan(200);
  });
});
