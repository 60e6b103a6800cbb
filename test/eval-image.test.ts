/**
 * The ICDAR 2015 hmean-IoU rules on one image, checked on hand-drawn rectangles and polygons
 * (in the manner of MMOCR's tests/test_evaluation/test_metrics/test_hmean_iou_metric.py).
 * Expected values are the fractions a person computes by hand; the comment beside each says how.
 */
import { describe, expect, it } from 'vitest';
import type { Point } from '../src/core/types.js';
import {
  greedyMatch,
  imageScores,
  optimalMatch,
  scoreImage,
  setScores,
  type GroundTruthPolygon,
  type ImageEvalOptions,
  type IoUMatrix,
} from '../src/eval/index.js';
import { rect } from './helpers/shapes.js';

const PADDLE: ImageEvalOptions = { iou: 0.5, areaPrecision: 0.5, match: 'greedy' };

const care = (points: Point[]): GroundTruthPolygon => ({ points });
const dontCare = (points: Point[]): GroundTruthPolygon => ({ points, ignore: true });

describe('matching by IoU', () => {
  it('matches an exact overlap (IoU 1)', () => {
    const r = scoreImage([care(rect(0, 0, 1, 1))], [rect(0, 0, 1, 1)], PADDLE);
    expect(r).toMatchObject({ matched: 1, gtCare: 1, detCare: 1, pairs: [[0, 0]] });
  });

  it('does not match a half-shifted square: IoU = 0.5 / 1.5 = 1/3', () => {
    const r = scoreImage([care(rect(0, 0, 1, 1))], [rect(0.5, 0, 1.5, 1)], PADDLE);
    expect(r).toMatchObject({ matched: 0, gtCare: 1, detCare: 1 });
  });

  it('needs IoU strictly above the threshold: 5000 / 10000 = exactly 0.5 is no match', () => {
    const r = scoreImage([care(rect(0, 0, 100, 100))], [rect(0, 0, 100, 50)], PADDLE);
    expect(r.matched).toBe(0);
  });

  it('matches just above the threshold: 5100 / 10000 = 0.51', () => {
    expect(scoreImage([care(rect(0, 0, 100, 100))], [rect(0, 0, 100, 51)], PADDLE).matched).toBe(1);
  });

  it('does not match just below the threshold: 4900 / 10000 = 0.49', () => {
    expect(scoreImage([care(rect(0, 0, 100, 100))], [rect(0, 0, 100, 49)], PADDLE).matched).toBe(0);
  });

  it('compares with the union, not the ground truth: overlap 2 of union 4 = 0.5, no match; 2.1 / 3.9 ≈ 0.538 matches', () => {
    expect(scoreImage([care(rect(0, 0, 3, 1))], [rect(1, 0, 4, 1)], PADDLE).matched).toBe(0);
    expect(scoreImage([care(rect(0, 0, 3, 1))], [rect(0.9, 0, 3.9, 1)], PADDLE).matched).toBe(1);
  });

  it('honours another threshold: IoU 1/3 matches at --iou 0.3', () => {
    const r = scoreImage([care(rect(0, 0, 1, 1))], [rect(0.5, 0, 1.5, 1)], { ...PADDLE, iou: 0.3 });
    expect(r.matched).toBe(1);
  });

  it('matches rotated quads: a diamond against itself, and not against its bounding box (IoU 2 / 4 = 0.5)', () => {
    const diamond: Point[] = [
      [1, 0],
      [2, 1],
      [1, 2],
      [0, 1],
    ];
    expect(scoreImage([care(diamond)], [diamond], PADDLE).matched).toBe(1);
    expect(scoreImage([care(diamond)], [rect(0, 0, 2, 2)], PADDLE).matched).toBe(0);
  });

  it('matches one-to-one: two identical detections of one region give 1 match and 1 false positive', () => {
    const r = scoreImage([care(rect(0, 0, 1, 1))], [rect(0, 0, 1, 1), rect(0, 0, 1, 1)], PADDLE);
    expect(r).toMatchObject({ matched: 1, gtCare: 1, detCare: 2, pairs: [[0, 0]] });
    // P = 1/2, R = 1/1
    expect(imageScores(r)).toEqual({ precision: 1 / 2, recall: 1, hmean: (2 * 0.5 * 1) / 1.5 });
  });
});

describe('concave polygons', () => {
  // An L: the 2×2 square minus its bottom-right unit square; area 3.
  const ell: Point[] = [
    [0, 0],
    [2, 0],
    [2, 1],
    [1, 1],
    [1, 2],
    [0, 2],
  ];

  it('L against its 2×2 bounding square: 3 / 4 = 0.75, a match', () => {
    expect(scoreImage([care(ell)], [rect(0, 0, 2, 2)], PADDLE).matched).toBe(1);
  });

  it('L against the notch it lacks: no overlap at all', () => {
    expect(scoreImage([care(ell)], [rect(1, 1, 2, 2)], PADDLE).matched).toBe(0);
  });

  it('a concave detection on a rectangle: the L over its left 1×2 column covers 2, union 3: IoU 2/3', () => {
    expect(scoreImage([care(rect(0, 0, 1, 2))], [ell], PADDLE).matched).toBe(1);
  });

  it('a concave detection that misses through its notch: L over the 1×1 square at (1,1) has IoU 0', () => {
    const r = scoreImage([care(rect(1, 1, 2, 2))], [ell], PADDLE);
    expect(r).toMatchObject({ matched: 0, gtCare: 1, detCare: 1 });
  });
});

describe('invalid polygons are dropped on both sides', () => {
  // Corners listed crosswise: the edges cross at (0.5, 0.5).
  const bowtie: Point[] = [
    [0, 0],
    [1, 1],
    [1, 0],
    [0, 1],
  ];

  it('a self-intersecting ground-truth region counts nowhere', () => {
    const r = scoreImage([care(bowtie), care(rect(5, 5, 6, 6))], [rect(5, 5, 6, 6)], PADDLE);
    expect(r).toMatchObject({ matched: 1, gtCare: 1, gtInvalid: 1, detCare: 1 });
  });

  it('a self-intersecting detection counts nowhere (not even as a false positive)', () => {
    const r = scoreImage([care(rect(0, 0, 1, 1))], [bowtie], PADDLE);
    expect(r).toMatchObject({ matched: 0, gtCare: 1, detCare: 0, detInvalid: 1 });
  });

  it('zero-area, too-short and non-finite polygons are invalid', () => {
    const line: Point[] = [
      [0, 0],
      [1, 0],
      [2, 0],
    ];
    const two: Point[] = [
      [0, 0],
      [1, 1],
    ];
    const nan: Point[] = [
      [0, 0],
      [Number.NaN, 0],
      [1, 1],
      [0, 1],
    ];
    const r = scoreImage([care(line)], [two, nan, []], PADDLE);
    expect(r).toMatchObject({ gtCare: 0, gtInvalid: 1, detCare: 0, detInvalid: 3 });
  });

  it('an invalid don\'t-care region does not excuse the detection on it', () => {
    const r = scoreImage([dontCare(bowtie)], [rect(0, 0, 1, 1)], PADDLE);
    expect(r).toMatchObject({ gtCare: 0, gtIgnored: 0, gtInvalid: 1, detCare: 1, detIgnored: 0 });
  });
});

describe("don't-care regions", () => {
  it('ignores a detection lying on a don\'t-care region, and the region itself', () => {
    const r = scoreImage([care(rect(0, 0, 1, 1)), dontCare(rect(2, 0, 3, 1))], [rect(0, 0, 1, 1), rect(2, 0, 3, 1)], PADDLE);
    expect(r).toMatchObject({ matched: 1, gtCare: 1, gtIgnored: 1, detCare: 1, detIgnored: 1 });
  });

  it('needs MORE than half of the detection inside: 0.5 of its area stays a care detection', () => {
    // detection [1.5, 2.5] × [0, 1]: 0.5 of its area 1 inside [2, 3] × [0, 1]
    const r = scoreImage([dontCare(rect(2, 0, 3, 1))], [rect(1.5, 0, 2.5, 1)], PADDLE);
    expect(r).toMatchObject({ detCare: 1, detIgnored: 0 });
  });

  it('0.6 of the detection inside is ignored', () => {
    // detection [1.4, 2.4] × [0, 1]: 0.4 inside; [1.6, 2.6]: 0.6 inside
    expect(scoreImage([dontCare(rect(2, 0, 3, 1))], [rect(1.4, 0, 2.4, 1)], PADDLE).detIgnored).toBe(0);
    expect(scoreImage([dontCare(rect(2, 0, 3, 1))], [rect(1.6, 0, 2.6, 1)], PADDLE).detIgnored).toBe(1);
  });

  it('measures against the detection\'s area, not the region\'s: a big box over a small don\'t-care stays care', () => {
    // detection [0, 4] × [0, 1] (area 4) covers the whole don't-care [2, 3] × [0, 1]: 1 / 4 inside
    expect(scoreImage([dontCare(rect(2, 0, 3, 1))], [rect(0, 0, 4, 1)], PADDLE).detCare).toBe(1);
  });

  it('honours another area precision: 0.4 inside is ignored at 0.3', () => {
    const r = scoreImage([dontCare(rect(2, 0, 3, 1))], [rect(1.4, 0, 2.4, 1)], { ...PADDLE, areaPrecision: 0.3 });
    expect(r.detIgnored).toBe(1);
  });

  it('never matches a care detection to a don\'t-care region', () => {
    // The detection is half on the don't-care [0,1]² (not ignored) and has IoU 1/3 with it: stays a false positive.
    const r = scoreImage([dontCare(rect(0, 0, 1, 1))], [rect(0.5, 0, 1.5, 1)], { ...PADDLE, iou: 0.1 });
    expect(r).toMatchObject({ matched: 0, gtCare: 0, detCare: 1 });
  });
});

describe('empty images', () => {
  it('nothing to find and nothing found: zero counts, a perfect image', () => {
    const r = scoreImage([], [], PADDLE);
    expect(r).toMatchObject({ matched: 0, gtCare: 0, detCare: 0 });
    expect(imageScores(r)).toEqual({ precision: 1, recall: 1, hmean: 1 });
  });

  it('nothing to find, one false detection: P 0, R 1, H 0', () => {
    const r = scoreImage([], [rect(0, 0, 1, 1)], PADDLE);
    expect(imageScores(r)).toEqual({ precision: 0, recall: 1, hmean: 0 });
  });

  it('only don\'t-care ground truth and a detection on it: nothing counts', () => {
    const r = scoreImage([dontCare(rect(0, 0, 1, 1))], [rect(0, 0, 1, 1)], PADDLE);
    expect(r).toMatchObject({ matched: 0, gtCare: 0, detCare: 0, gtIgnored: 1, detIgnored: 1 });
  });

  it('something to find, nothing found: P 0, R 0', () => {
    expect(imageScores(scoreImage([care(rect(0, 0, 1, 1))], [], PADDLE))).toEqual({ precision: 0, recall: 0, hmean: 0 });
  });
});

describe('greedy against optimal matching', () => {
  // gt1 = [0,10]×[0,10], gt2 = [4,14]×[0,10]; d1 = [2,12]×[0,10] overlaps both with IoU 80/120 = 2/3;
  // d2 = [-2,8]×[0,10] has IoU 80/120 = 2/3 with gt1 and 40/160 = 1/4 with gt2.
  const gt = [care(rect(0, 0, 10, 10)), care(rect(4, 0, 14, 10))];
  const det = [rect(2, 0, 12, 10), rect(-2, 0, 8, 10)];

  it('greedy (PaddleOCR): gt1 takes d1 first, gt2 is left with nothing: 1 match', () => {
    const r = scoreImage(gt, det, PADDLE);
    expect(r).toMatchObject({ matched: 1, pairs: [[0, 0]] });
    expect(imageScores(r)).toMatchObject({ precision: 1 / 2, recall: 1 / 2 });
  });

  it('optimal (maximum bipartite matching): gt1–d2 and gt2–d1: 2 matches', () => {
    const r = scoreImage(gt, det, { ...PADDLE, match: 'optimal' });
    expect(r).toMatchObject({
      matched: 2,
      pairs: [
        [0, 1],
        [1, 0],
      ],
    });
  });

  it('agree when no choice blocks another', () => {
    const plain = [care(rect(0, 0, 1, 1)), care(rect(2, 0, 3, 1))];
    const found = [rect(2, 0, 3, 1), rect(0, 0, 1, 1)];
    expect(scoreImage(plain, found, { ...PADDLE, match: 'optimal' }).matched).toBe(2);
    expect(scoreImage(plain, found, PADDLE).matched).toBe(2);
  });
});

describe('optimal matching is a maximum matching', () => {
  /** The size of a maximum matching by trying every subset of columns for each row (fine for 6 × 6). */
  function bruteForceMaximum(m: IoUMatrix, threshold: number): number {
    const best = (row: number, usedCols: number): number => {
      if (row === m.rows) return 0;
      let result = best(row + 1, usedCols);
      for (let c = 0; c < m.cols; c++) {
        if (!(usedCols & (1 << c)) && m.values[row * m.cols + c] > threshold) result = Math.max(result, 1 + best(row + 1, usedCols | (1 << c)));
      }
      return result;
    };
    return best(0, 0);
  }

  it('finds as many pairs as brute force on 500 random 6 × 6 matrices, never fewer than greedy, always one-to-one', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let greedyShort = 0;
    for (let trial = 0; trial < 500; trial++) {
      const rows = 1 + Math.floor(random() * 6);
      const cols = 1 + Math.floor(random() * 6);
      const values = Float64Array.from({ length: rows * cols }, () => (random() < 0.35 ? 0.5 + random() / 2 : random() / 2));
      const m = { rows, cols, values };
      const optimal = optimalMatch(m, 0.5);
      const greedy = greedyMatch(m, 0.5);
      expect(optimal.length).toBe(bruteForceMaximum(m, 0.5));
      expect(optimal.length).toBeGreaterThanOrEqual(greedy.length);
      expect(new Set(optimal.map((p) => p[0])).size).toBe(optimal.length);
      expect(new Set(optimal.map((p) => p[1])).size).toBe(optimal.length);
      expect(optimal.every(([r, c]) => values[r * cols + c] > 0.5)).toBe(true);
      if (greedy.length < optimal.length) greedyShort++;
    }
    expect(greedyShort).toBeGreaterThan(0); // the random matrices do include cases where the two differ
  });
});

describe('set arithmetic (PaddleOCR combine_results)', () => {
  it('divides summed counts: 3 matches of 4 care regions and 6 care detections', () => {
    expect(setScores({ matched: 3, gtCare: 4, detCare: 6 })).toEqual({
      precision: 3 / 6,
      recall: 3 / 4,
      hmean: (2 * (1 / 2) * (3 / 4)) / (1 / 2 + 3 / 4),
    });
  });

  it('gives 0, not 1, for an empty set', () => {
    expect(setScores({ matched: 0, gtCare: 0, detCare: 0 })).toEqual({ precision: 0, recall: 0, hmean: 0 });
  });

  it('gives precision 0 when nothing was detected, and recall 0 when there was nothing to find', () => {
    expect(setScores({ matched: 0, gtCare: 5, detCare: 0 })).toEqual({ precision: 0, recall: 0, hmean: 0 });
    expect(setScores({ matched: 0, gtCare: 0, detCare: 5 })).toEqual({ precision: 0, recall: 0, hmean: 0 });
  });
});
