import { describe, expect, it } from 'vitest';
import {
  applyExifOrientation,
  boundsOf,
  boxIoU,
  clipConvex,
  clipPolygonToBox,
  convexHull,
  generalIntersectionArea,
  intersectionArea,
  isConvex,
  isSimplePolygon,
  makeRegion,
  minAreaRect,
  orderClockwise,
  polygonArea,
  polygonIoU,
  signedArea,
  sortReadingOrder,
} from '../src/core/geometry.js';
import type { Box, Point } from '../src/core/types.js';

const square = (x: number, y: number, s = 1): Point[] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
];

describe('areas', () => {
  it('signed area is positive for a polygon clockwise on screen (y down), negative reversed', () => {
    expect(signedArea(square(0, 0, 2))).toBe(4);
    expect(signedArea([...square(0, 0, 2)].reverse())).toBe(-4);
    expect(polygonArea([...square(0, 0, 2)].reverse())).toBe(4);
  });

  it('area of a concave "L" of three unit squares is 3', () => {
    const L: Point[] = [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [0, 2]];
    expect(polygonArea(L)).toBe(3);
  });
});

describe('validity', () => {
  it('accepts quads, concave polygons and repeated consecutive points', () => {
    expect(isSimplePolygon(square(0, 0))).toBe(true);
    expect(isSimplePolygon([[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [0, 2]])).toBe(true);
    expect(isSimplePolygon([[0, 0], [1, 0], [1, 0], [1, 1], [0, 1]])).toBe(true);
  });

  it('rejects a bow-tie, a zero-area quad, NaN, fewer than 3 points, and a spike', () => {
    expect(isSimplePolygon([[0, 0], [1, 1], [1, 0], [0, 1]])).toBe(false);
    expect(isSimplePolygon([[90, 398], [311, 398], [311, 398], [90, 398]])).toBe(false);
    expect(isSimplePolygon([[0, 0], [NaN, 0], [1, 1]])).toBe(false);
    expect(isSimplePolygon([[0, 0], [1, 1]])).toBe(false);
    expect(isSimplePolygon([[0, 0], [2, 0], [1, 0], [1, 1]])).toBe(false);
  });

  it('rejects a ring that touches itself at a vertex', () => {
    // Two triangles sharing the vertex (1,1), drawn as one ring.
    expect(isSimplePolygon([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 1]])).toBe(false);
  });
});

describe('orderClockwise', () => {
  it('starts at the top-left and goes clockwise on screen whatever the input order', () => {
    const expected = square(10, 20, 5);
    expect(orderClockwise([...expected].reverse())).toEqual(expected);
    expect(orderClockwise([expected[2], expected[3], expected[0], expected[1]])).toEqual(expected);
  });

  it('fixes corners listed crosswise (TL, BR, TR, BL), the order that gave the reference degenerate boxes', () => {
    const q = square(0, 0, 4);
    expect(orderClockwise([q[0], q[2], q[1], q[3]])).toEqual(q);
  });

  it('keeps the cyclic order of a concave polygon', () => {
    const L: Point[] = [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [0, 2]];
    expect(orderClockwise([...L].reverse())).toEqual(L);
  });
});

describe('intersection and IoU', () => {
  it('identical squares: IoU 1', () => {
    expect(polygonIoU(square(0, 0), square(0, 0))).toBe(1);
  });

  it('unit squares offset by half a side: intersection 1/2, union 3/2, IoU 1/3', () => {
    expect(intersectionArea(square(0, 0), square(0.5, 0))).toBeCloseTo(0.5, 12);
    expect(polygonIoU(square(0, 0), square(0.5, 0))).toBeCloseTo(1 / 3, 12);
  });

  it('squares touching at an edge or a corner, or apart: 0', () => {
    expect(polygonIoU(square(0, 0), square(1, 0))).toBe(0);
    expect(polygonIoU(square(0, 0), square(1, 1))).toBe(0);
    expect(polygonIoU(square(0, 0), square(5, 5))).toBe(0);
  });

  it('a unit diamond inside a 2×2 square: intersection 2 (the diamond), IoU 2/4', () => {
    const diamond: Point[] = [[1, 0], [2, 1], [1, 2], [0, 1]];
    expect(intersectionArea(diamond, square(0, 0, 2))).toBeCloseTo(2, 12);
    expect(polygonIoU(diamond, square(0, 0, 2))).toBeCloseTo(0.5, 12);
  });

  it('concave L (area 3) against the square [1,2]×[0,1] it wraps: intersection 0, and against [0,2]²: 3', () => {
    const L: Point[] = [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [0, 2]];
    expect(intersectionArea(L, square(1, 0))).toBeCloseTo(0, 12);
    expect(intersectionArea(L, square(0, 0, 2))).toBeCloseTo(3, 12);
    // Half of the L's notch neighbour overlaps: square [0.5,1.5]×[0.5,1.5] covers 3/4 of its area with the L.
    expect(intersectionArea(L, square(0.5, 0.5))).toBeCloseTo(0.75, 12);
  });

  it('two concave polygons: a U and an upside-down U overlap outside the column x in [1,2]', () => {
    // U: [0,3]×[0,3] minus the notch [1,2]×[0,2]; area 9 - 2 = 7.
    const U: Point[] = [[0, 0], [1, 0], [1, 2], [2, 2], [2, 0], [3, 0], [3, 3], [0, 3]];
    // Upside-down U: [0,3]×[0,3] minus [1,2]×[1,3]; area 7. The two notches cover the whole column
    // [1,2]×[0,3] (area 3), so the overlap is 9 - 3 = 6 and the union 7 + 7 - 6 = 8.
    const N: Point[] = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]];
    expect(polygonArea(U)).toBe(7);
    expect(intersectionArea(U, N)).toBeCloseTo(6, 12);
    expect(polygonIoU(U, N)).toBeCloseTo(6 / 8, 12);
  });

  it('the general path handles shared and opposite edges of axis-aligned squares', () => {
    expect(generalIntersectionArea(square(0, 0, 2), square(0, 0, 1))).toBeCloseTo(1, 12);
    expect(generalIntersectionArea(square(0, 0, 2), square(1, 0, 2))).toBeCloseTo(2, 12);
    expect(generalIntersectionArea(square(0, 0), square(1, 0))).toBeCloseTo(0, 12);
  });

  it('the general (Green) path agrees with convex clipping on random convex quads', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 10;
    for (let trial = 0; trial < 300; trial++) {
      const a = convexHull(Array.from({ length: 6 }, () => [rand(), rand()] as Point));
      const b = convexHull(Array.from({ length: 6 }, () => [rand(), rand()] as Point));
      if (a.length < 3 || b.length < 3) continue;
      expect(generalIntersectionArea(a, b)).toBeCloseTo(polygonArea(clipConvex(a, b)), 9);
      // Shared edges: b against a copy of itself, and against a translated copy sharing part of an edge.
      expect(generalIntersectionArea(b, b)).toBeCloseTo(polygonArea(b), 9);
    }
  });

  it('box IoU: boxes [0,0,2,2] and [1,1,3,3] share 1 of 7', () => {
    const a: Box = [0, 0, 2, 2];
    const b: Box = [1, 1, 3, 3];
    expect(boxIoU(a, b)).toBeCloseTo(1 / 7, 12);
    expect(polygonIoU(square(0, 0, 2), square(1, 1, 2))).toBeCloseTo(1 / 7, 12);
  });
});

describe('minAreaRect', () => {
  it('of an axis-aligned rectangle is itself', () => {
    const r = minAreaRect([[0, 0], [4, 0], [4, 2], [0, 2], [2, 1]]);
    expect(r.points).toEqual([[0, 0], [4, 0], [4, 2], [0, 2]]);
    expect([r.width, r.height]).toEqual([4, 2]);
  });

  it('of a 45°-rotated 4×2 rectangle recovers its sides (area 8, not the 18 of its bounds)', () => {
    const s = Math.SQRT1_2;
    const rect: Point[] = [[0, 0], [4 * s, 4 * s], [4 * s - 2 * s, 4 * s + 2 * s], [-2 * s, 2 * s]];
    const r = minAreaRect(rect);
    expect(r.width * r.height).toBeCloseTo(8, 9);
    expect(Math.max(r.width, r.height)).toBeCloseTo(4, 9);
    expect(polygonIoU(r.points, rect)).toBeCloseTo(1, 9);
  });
});

describe('clipping', () => {
  it('clips a 4×4 square to the box [2,2,10,10]: the 2×2 corner remains', () => {
    expect(polygonArea(clipPolygonToBox(square(0, 0, 4), [2, 2, 10, 10]))).toBe(4);
  });
});

describe('applyExifOrientation', () => {
  // A 40×20 stored image; the point (10, 5) near its top-left.
  const stored = { width: 40, height: 20 };
  it.each([
    [1, [10, 5]],
    [2, [30, 5]],
    [3, [30, 15]],
    [4, [10, 15]],
    [5, [5, 10]],
    [6, [15, 10]],
    [7, [15, 30]],
    [8, [5, 30]],
  ] as const)('orientation %i maps (10,5) to %j', (orientation, expected) => {
    expect(applyExifOrientation([[10, 5]], orientation, stored)).toEqual([expected]);
  });
});

describe('makeRegion and reading order', () => {
  it('makeRegion orders points and computes the box', () => {
    const r = makeRegion([[5, 5], [0, 5], [5, 0], [0, 0]], { text: 'a' });
    expect(r.points).toEqual(square(0, 0, 5));
    expect(r.box).toEqual([0, 0, 5, 5]);
    expect(r.text).toBe('a');
    expect(boundsOf(r.points)).toEqual(r.box);
  });

  it('sorts two lines of words top to bottom, left to right, tolerating a slanted baseline', () => {
    const word = (x: number, y: number, text: string) => ({ box: [x, y, x + 30, y + 10] as Box, text });
    const shuffled = [word(80, 44, 'f'), word(0, 3, 'a'), word(40, 0, 'b'), word(80, 6, 'c'), word(0, 40, 'd'), word(40, 42, 'e')];
    expect(sortReadingOrder(shuffled).map((w) => w.text).join('')).toBe('abcdef');
  });

  it('a tall region (vertical text) keeps its own line instead of pulling the lines beside it into one', () => {
    // seed-test MTWI TB15mVcL as detected: a 203-px-high rotated label at x 389 beside five short lines.
    const r = (x: number, y1: number, y2: number, text: string) => ({ box: [x, y1, x + 60, y2] as Box, text });
    const regions = [r(389, 444, 647, 'tall'), r(273, 553, 584, 'line3'), r(289, 524, 558, 'line2'), r(466, 499, 536, 'line1'), r(453, 562, 606, 'line4'), r(449, 593, 633, 'line5')];
    expect(sortReadingOrder(regions).map((w) => w.text)).toEqual(['tall', 'line1', 'line2', 'line3', 'line4', 'line5']);
  });

  it('convexity', () => {
    expect(isConvex(square(0, 0))).toBe(true);
    expect(isConvex([[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [0, 2]])).toBe(false);
  });
});
