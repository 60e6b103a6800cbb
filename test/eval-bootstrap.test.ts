/**
 * The paired bootstrap over images (src/eval/bootstrap.ts): tiny sets whose resampling distribution a person
 * can write down, and the properties a user relies on (paired, deterministic, exact zero for identical runs).
 */
import { describe, expect, it } from 'vitest';
import { pairedBootstrap, quantile, seededRandom } from '../src/eval/index.js';

describe('the paired bootstrap', () => {
  it('gives [−1, +1] when two runs each get one of two images right', () => {
    // Each image has one care region and each run one detection on it. A hits image 0, B hits image 1.
    // A resample draws (0,0) with probability 1/4: A 2/2 → hmean 1, B 0 → diff +1; (1,1) with 1/4: diff −1;
    // one of each with 1/2: both 1/2 → diff 0. Both tails (1/4 each) are far above 2.5 %, so the 95 %
    // interval is the whole range, and A is strictly better in about a quarter of the resamples.
    const [pair] = pairedBootstrap(
      [1, 1],
      [
        { matched: [1, 0], detCare: [1, 1] },
        { matched: [0, 1], detCare: [1, 1] },
      ],
      [[0, 1]],
      { resamples: 2000 },
    );
    expect(pair.hmeanDiff).toBe(0);
    expect(pair.interval).toEqual([-1, 1]);
    expect(pair.aBetterShare).toBeGreaterThan(0.2);
    expect(pair.aBetterShare).toBeLessThan(0.3);
  });

  it('gives exactly [0, 0] for two identical runs (paired: both see the same draw)', () => {
    const gtCare = [3, 1, 4, 1, 5, 9, 2, 6];
    const run = { matched: [2, 1, 1, 0, 5, 3, 2, 6], detCare: [4, 1, 2, 2, 5, 9, 3, 6] };
    const [pair] = pairedBootstrap(gtCare, [run, { ...run }], [[0, 1]]);
    expect(pair).toMatchObject({ hmeanDiff: 0, interval: [0, 0], aBetterShare: 0 });
  });

  it('keeps the interval above 0 when A finds more on every image', () => {
    const gtCare = [4, 4, 4, 4, 4, 4];
    const a = { matched: [3, 4, 2, 3, 4, 3], detCare: [4, 4, 4, 4, 4, 4] };
    const b = { matched: [2, 3, 1, 2, 3, 2], detCare: [4, 4, 4, 4, 4, 4] };
    const [pair] = pairedBootstrap(gtCare, [a, b], [[0, 1]]);
    // Whole set: A 19/24 both ways → 19/24; B 13/24 → diff 6/24.
    expect(pair.hmeanDiff).toBeCloseTo(6 / 24, 12);
    expect(pair.interval[0]).toBeGreaterThan(0);
    expect(pair.interval[1]).toBeGreaterThan(pair.hmeanDiff);
    expect(pair.aBetterShare).toBe(1);
  });

  it('is deterministic: the same seed gives the same interval, another seed another one', () => {
    const gtCare = Array.from({ length: 40 }, (_, i) => 1 + (i % 5));
    const a = { matched: gtCare.map((g, i) => (i % 3 === 0 ? g : g - 1)), detCare: gtCare.map((g) => g + 1) };
    const b = { matched: gtCare.map((g, i) => (i % 4 === 0 ? g - 1 : g)), detCare: gtCare };
    const once = pairedBootstrap(gtCare, [a, b], [[0, 1]], { seed: 7 });
    const again = pairedBootstrap(gtCare, [a, b], [[0, 1]], { seed: 7 });
    const other = pairedBootstrap(gtCare, [a, b], [[0, 1]], { seed: 8 });
    expect(again).toEqual(once);
    expect(other[0].interval).not.toEqual(once[0].interval);
    expect(other[0].hmeanDiff).toBe(once[0].hmeanDiff);
  });

  it('gives every pair in order, with differences that add up: A−C = A−B + B−C', () => {
    const gtCare = [2, 3, 1, 4, 2];
    const runs = [
      { matched: [2, 2, 1, 3, 1], detCare: [2, 3, 2, 4, 2] },
      { matched: [1, 2, 1, 2, 1], detCare: [2, 2, 1, 3, 2] },
      { matched: [0, 1, 1, 2, 0], detCare: [1, 3, 1, 2, 2] },
    ];
    const [ab, ac, bc] = pairedBootstrap(gtCare, runs, [[0, 1], [0, 2], [1, 2]], { resamples: 500 });
    expect(ac.hmeanDiff).toBeCloseTo(ab.hmeanDiff + bc.hmeanDiff, 12);
    expect([ab, ac, bc].map((p) => [p.a, p.b])).toEqual([[0, 1], [0, 2], [1, 2]]);
  });

  it('gives the difference itself as the interval when there is no image', () => {
    expect(pairedBootstrap([], [{ matched: [], detCare: [] }, { matched: [], detCare: [] }], [[0, 1]])[0]).toMatchObject({ hmeanDiff: 0, interval: [0, 0] });
  });
});

describe('its parts', () => {
  it('draws floats in [0, 1) with a mean near 1/2', () => {
    const random = seededRandom(42);
    let total = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = random();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      total += x;
    }
    expect(total / 10_000).toBeCloseTo(0.5, 1);
  });

  it('interpolates quantiles between order statistics, as numpy does by default', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5); // position 1.5
    expect(quantile([0, 10], 0.025)).toBeCloseTo(0.25, 12); // position 0.025
    expect(quantile([5], 0.975)).toBe(5);
  });
});
