/**
 * DB post-processing on hand-made probability maps: components, box score, unclip, thresholds, mapping
 * back to the original image. Expected numbers are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { polygonArea, polygonIoU } from '../src/core/geometry.js';
import type { Point } from '../src/core/types.js';
import {
  binarize,
  boxScoreFast,
  boxesFromProbabilityMap,
  dilate2x2,
  findComponents,
  mapToOriginal,
  unclip,
  type ProbabilityMap,
} from '../src/detectors/ppocr/index.js';
import { DEFAULTS } from '../src/detectors/ppocr/options.js';

/** A map of `width × height` zeros with the given axis-aligned blocks set to `value`. */
function mapWithBlocks(width: number, height: number, blocks: Array<{ x: number; y: number; w: number; h: number; value?: number }>): ProbabilityMap {
  const data = new Float32Array(width * height);
  for (const { x, y, w, h, value = 0.9 } of blocks) {
    for (let row = y; row < y + h; row++) for (let col = x; col < x + w; col++) data[row * width + col] = value;
  }
  return { data, width, height };
}

/** A map with a filled rectangle of probability 0.9 rotated by `degrees` around (cx, cy). */
function mapWithRotatedRect(width: number, height: number, cx: number, cy: number, w: number, h: number, degrees: number): ProbabilityMap {
  const data = new Float32Array(width * height);
  const a = (degrees * Math.PI) / 180;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x - cx) * Math.cos(a) + (y - cy) * Math.sin(a);
      const v = -(x - cx) * Math.sin(a) + (y - cy) * Math.cos(a);
      if (Math.abs(u) <= w / 2 && Math.abs(v) <= h / 2) data[y * width + x] = 0.9;
    }
  }
  return { data, width, height };
}

function rotatedRectCorners(cx: number, cy: number, w: number, h: number, degrees: number): Point[] {
  const a = (degrees * Math.PI) / 180;
  return [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ].map(([u, v]) => [cx + u * Math.cos(a) - v * Math.sin(a), cy + u * Math.sin(a) + v * Math.cos(a)] as Point);
}

const same = (size: { width: number; height: number }) => ({ width: size.width, height: size.height });

describe('findComponents', () => {
  it('joins pixels that touch only diagonally (8-connectivity) and keeps separate blobs apart', () => {
    // Two 2×2 blocks meeting at one corner (8 px), and a 3×3 block (9 px) whose first row comes earlier.
    const map = mapWithBlocks(20, 10, [
      { x: 2, y: 2, w: 2, h: 2 },
      { x: 4, y: 4, w: 2, h: 2 },
      { x: 12, y: 1, w: 3, h: 3 },
    ]);
    const components = findComponents(binarize(map, 0.3), 20, 10);
    expect(components.map((c) => c.pixelCount)).toEqual([9, 8]);
  });

  it('follows a U shape whose arms first look like two components', () => {
    // Arms at x = 1 and x = 5 from y = 0 to 4, joined by the bottom row y = 4: 5 + 5 + 3 pixels.
    const map = mapWithBlocks(8, 6, [
      { x: 1, y: 0, w: 1, h: 5 },
      { x: 5, y: 0, w: 1, h: 5 },
      { x: 2, y: 4, w: 3, h: 1 },
    ]);
    const components = findComponents(binarize(map, 0.3), 8, 6);
    expect(components).toHaveLength(1);
    expect(components[0].pixelCount).toBe(13);
  });

  it('reports components in raster order of their first pixel and stops at maxComponents', () => {
    const map = mapWithBlocks(30, 30, [
      { x: 20, y: 20, w: 3, h: 3 },
      { x: 1, y: 10, w: 3, h: 3 },
      { x: 25, y: 1, w: 3, h: 3 },
    ]);
    const components = findComponents(binarize(map, 0.3), 30, 30, 2);
    expect(components.map((c) => c.points[0])).toEqual([
      [25, 1],
      [1, 10],
    ]);
  });
});

describe('boxScoreFast', () => {
  it('is the mean probability inside the quad', () => {
    // Left half of a 10×4 block at 0.4, right half at 0.8: the mean over the block is 0.6.
    const map = mapWithBlocks(20, 10, [
      { x: 2, y: 2, w: 5, h: 4, value: 0.4 },
      { x: 7, y: 2, w: 5, h: 4, value: 0.8 },
    ]);
    const quad: Point[] = [[2, 2], [11, 2], [11, 5], [2, 5]];
    expect(boxScoreFast(map, quad)).toBeCloseTo(0.6, 5);
  });

  it('clips the quad to the map', () => {
    const map = mapWithBlocks(10, 10, [{ x: 0, y: 0, w: 10, h: 10, value: 0.7 }]);
    expect(boxScoreFast(map, [[-5, -5], [20, -5], [20, 20], [-5, 20]])).toBeCloseTo(0.7, 5);
  });
});

describe('unclip', () => {
  it('grows a square by area × ratio / perimeter with round corners', () => {
    // 10×10 square, ratio 1.5: distance = 100 × 1.5 / 40 = 3.75. The grown shape is the square plus four
    // 10 × 3.75 strips plus four quarter discs of radius 3.75: 100 + 150 + π × 3.75² ≈ 294.2 px². Clipper
    // works on integers, so the offset edges land on whole pixels: up to 100 + 160 + π × 4² ≈ 310.3 px².
    const grown = unclip([[0, 0], [10, 0], [10, 10], [0, 10]], 1.5);
    expect(polygonArea(grown)).toBeGreaterThan(290);
    expect(polygonArea(grown)).toBeLessThan(311);
  });

  it('returns nothing for a degenerate polygon', () => {
    expect(unclip([[1, 1], [1, 1], [1, 1], [1, 1]], 1.5)).toEqual([]);
  });
});

describe('dilate2x2', () => {
  it('extends each pixel one step right and down, as cv2.dilate with a 2×2 kernel anchored at (1,1)', () => {
    const bitmap = new Uint8Array(9);
    bitmap[4] = 1; // centre of 3×3
    expect(Array.from(dilate2x2(bitmap, 3, 3))).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1]);
  });

  it('merges blobs separated by a one-pixel gap', () => {
    const map = mapWithBlocks(40, 20, [
      { x: 2, y: 5, w: 10, h: 8 },
      { x: 13, y: 5, w: 10, h: 8 },
    ]);
    const options = { ...DEFAULTS, useDilation: false };
    expect(boxesFromProbabilityMap(map, same(map), options)).toHaveLength(2);
    expect(boxesFromProbabilityMap(map, same(map), { ...options, useDilation: true })).toHaveLength(1);
  });
});

describe('boxesFromProbabilityMap', () => {
  it('turns an axis-aligned text kernel into its unclipped box', () => {
    // Kernel: pixels x 20..59, y 30..39 → min-area rect of pixel centres 39 × 9 (area 351, perimeter 96),
    // grown by 351 × 1.5 / 96 ≈ 5.48 px on every side: about x 14.5..64.5, y 24.5..44.5.
    const map = mapWithBlocks(100, 80, [{ x: 20, y: 30, w: 40, h: 10 }]);
    const boxes = boxesFromProbabilityMap(map, same(map), DEFAULTS);
    expect(boxes).toHaveLength(1);
    expect(boxes[0].score).toBeCloseTo(0.9, 5);
    const expected: Point[] = [[14.5, 24.5], [64.5, 24.5], [64.5, 44.5], [14.5, 44.5]];
    expect(polygonIoU(boxes[0].points, expected)).toBeGreaterThan(0.9);
    expect(boxes[0].points[0][0]).toBeLessThan(boxes[0].points[1][0]); // clockwise from the top-left
  });

  it('scales boxes to the original image and clips them to it', () => {
    // The same kernel on a map half the original's size: every coordinate doubles.
    const map = mapWithBlocks(100, 80, [{ x: 20, y: 30, w: 40, h: 10 }]);
    const [box] = boxesFromProbabilityMap(map, { width: 200, height: 160 }, DEFAULTS);
    const expected: Point[] = [[29, 49], [129, 49], [129, 89], [29, 89]];
    expect(polygonIoU(box.points, expected)).toBeGreaterThan(0.9);
    // A kernel touching the map's corner is clipped to [0, width − 1] × [0, height − 1].
    const corner = mapWithBlocks(100, 80, [{ x: 0, y: 0, w: 30, h: 10 }]);
    const [clipped] = boxesFromProbabilityMap(corner, { width: 200, height: 160 }, DEFAULTS);
    for (const [x, y] of clipped.points) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
    }
    expect(mapToOriginal([[100, 80]], { width: 100, height: 80 }, { width: 200, height: 160 })).toEqual([[199, 159]]);
  });

  it('keeps the angle of a rotated kernel', () => {
    // A 60 × 12 kernel rotated by 30° grows by about 720 × 1.5 / 144 = 7.5 px per side (plus the half
    // pixel the rasterised kernel loses): compare with the 75 × 27 rectangle at the same angle.
    const map = mapWithRotatedRect(160, 120, 80, 60, 60, 12, 30);
    const boxes = boxesFromProbabilityMap(map, same(map), DEFAULTS);
    expect(boxes).toHaveLength(1);
    expect(polygonIoU(boxes[0].points, rotatedRectCorners(80, 60, 75, 27, 30))).toBeGreaterThan(0.8);
  });

  it('drops kernels whose mean probability is below the box threshold', () => {
    // 0.5 passes the binary threshold (0.3) but not the box score threshold (0.6).
    const map = mapWithBlocks(100, 80, [{ x: 20, y: 30, w: 40, h: 10, value: 0.5 }]);
    expect(boxesFromProbabilityMap(map, same(map), DEFAULTS)).toEqual([]);
    expect(boxesFromProbabilityMap(map, same(map), { ...DEFAULTS, boxScoreThreshold: 0.45 })).toHaveLength(1);
  });

  it('drops kernels narrower than minSide', () => {
    // 2 px tall: the rect of pixel centres is 1 px on its short side, below min_size 3.
    const map = mapWithBlocks(100, 80, [{ x: 20, y: 30, w: 40, h: 2 }]);
    expect(boxesFromProbabilityMap(map, same(map), DEFAULTS)).toEqual([]);
  });

  it('examines at most maxCandidates components', () => {
    const blocks = [0, 1, 2, 3, 4].map((i) => ({ x: 5 + i * 18, y: 10, w: 12, h: 8 }));
    const map = mapWithBlocks(100, 40, blocks);
    expect(boxesFromProbabilityMap(map, same(map), DEFAULTS)).toHaveLength(5);
    expect(boxesFromProbabilityMap(map, same(map), { ...DEFAULTS, maxCandidates: 2 })).toHaveLength(2);
  });

  it('returns nothing for an empty map', () => {
    const map = mapWithBlocks(64, 64, []);
    expect(boxesFromProbabilityMap(map, same(map), DEFAULTS)).toEqual([]);
  });
});
