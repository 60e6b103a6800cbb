/**
 * `compareRuns()`: several runs against one ground truth, at several thresholds, with each run's misses and
 * false alarms. Hand-drawn unit squares with the expected fractions in the comments; every run's numbers are
 * also checked against `evaluate()` on its own (the same protocol, so the same numbers).
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import type { Detection, Point, Region, Sample } from '../src/core/types.js';
import { compareRuns, evaluate, imageErrors, prepareImage, matchPrepared, type EvalProblem, type ScoredImage } from '../src/eval/index.js';
import { detection, rect, region, sample } from './helpers/shapes.js';

const ROOT = '/data/set';

const gt = (image: string, regions: Region[], source?: string): Sample => sample(ROOT, image, regions, source);
const pred = (image: string, polygons: Point[][], texts: string[] = []): Detection => detection(image, polygons, {}, texts);

// Image 1: care a, b, c and don't care d. Image 2: one care region e.
const GT: Sample[] = [
  gt('1.jpg', [region(rect(0, 0, 1, 1), { text: 'a' }), region(rect(2, 0, 3, 1), { text: 'b' }), region(rect(10, 0, 11, 1), { text: 'c' }), region(rect(1, 0, 2, 1), { ignore: true })], 'one'),
  gt('2.jpg', [region(rect(0, 0, 1, 1), { text: 'e' })], 'two'),
];
// Run "tight": a exactly; b shifted by 0.2 (IoU 0.8/1.2 = 2/3); nothing on c; e exactly. 3 of 3 detections match at 0.5.
const TIGHT = [pred('1.jpg', [rect(0, 0, 1, 1), rect(2, 0.2, 3, 1.2)]), pred('2.jpg', [rect(0, 0, 1, 1)])];
// Run "loose": a shifted by 0.4 (IoU 0.6/1.4 = 3/7, no match); b exactly; a far false alarm; e named by file name only.
const LOOSE = [pred('1.jpg', [rect(0.4, 0, 1.4, 1), rect(2, 0, 3, 1), rect(20, 0, 21, 1)], ['', 'B', 'far']), pred('/elsewhere/2.jpg', [rect(0, 0, 1, 1)])];

describe('compareRuns', () => {
  it('scores each run at each threshold exactly as evaluate() does on its own', async () => {
    const report = await compareRuns(GT, [{ name: 'tight', predictions: TIGHT }, { name: 'loose', predictions: LOOSE }], { iou: [0.5, 0.7], root: ROOT, by: 'source' });
    expect(report.runs.map((r) => [r.name, r.iou])).toEqual([['tight', 0.5], ['loose', 0.5], ['tight', 0.7], ['loose', 0.7]]);
    for (const run of report.runs) {
      const alone = await evaluate(GT, run.name === 'tight' ? TIGHT : LOOSE, { iou: run.iou, root: ROOT, by: 'source' });
      const { perImage: _perImage, protocol: _p, areaPrecision: _a, match: _m, problems: _pr, iou: _i, ...totals } = alone;
      expect(run).toMatchObject(totals);
    }
  });

  it('matches at 0.5 what it misses at 0.7: tight finds b with IoU 2/3', async () => {
    const report = await compareRuns(GT, [{ name: 'tight', predictions: TIGHT }, { name: 'loose', predictions: LOOSE }], { iou: [0.5, 0.7], root: ROOT });
    const at = (name: string, iou: number) => report.runs.find((r) => r.name === name && r.iou === iou)!;
    // tight: 3 of 4 care regions, 3 of 3 detections at 0.5; b drops out at 0.7 → 2 of 4, 2 of 3.
    expect(at('tight', 0.5)).toMatchObject({ matched: 3, gtCare: 4, detCare: 3, recall: 3 / 4, precision: 1 });
    expect(at('tight', 0.7)).toMatchObject({ matched: 2, recall: 2 / 4, precision: 2 / 3 });
    // loose: b and e (by file name) at both thresholds; 4 care detections.
    expect(at('loose', 0.5)).toMatchObject({ matched: 2, gtCare: 4, detCare: 4, recall: 2 / 4, precision: 2 / 4, imagesWithoutPrediction: 0 });
    expect(at('loose', 0.7)).toMatchObject({ matched: 2 });
  });

  it('gives one pair per threshold: hmean(tight) − hmean(loose), with its interval around it', async () => {
    const report = await compareRuns(GT, [{ name: 'tight', predictions: TIGHT }, { name: 'loose', predictions: LOOSE }], { iou: [0.5, 0.7], root: ROOT });
    // At 0.5: tight P 1, R 3/4 → 6/7; loose P = R = 1/2 → 1/2. Difference 6/7 − 1/2 = 5/14.
    expect(report.pairs.map((p) => [p.a, p.b, p.iou])).toEqual([['tight', 'loose', 0.5], ['tight', 'loose', 0.7]]);
    expect(report.pairs[0].hmeanDiff).toBeCloseTo(6 / 7 - 1 / 2, 12);
    expect(report.pairs[0].ci95[0]).toBeLessThanOrEqual(report.pairs[0].hmeanDiff);
    expect(report.pairs[0].ci95[1]).toBeGreaterThanOrEqual(report.pairs[0].hmeanDiff);
    expect(report.bootstrap).toMatchObject({ resamples: 1000, seed: 42, confidence: 0.95 });
  });

  it('gives the same intervals whatever order the ground truth comes in', async () => {
    const runs = () => [{ name: 'tight', predictions: TIGHT }, { name: 'loose', predictions: LOOSE }];
    const forward = await compareRuns(GT, runs(), { root: ROOT, resamples: 300 });
    const backward = await compareRuns([...GT].reverse(), runs(), { root: ROOT, resamples: 300 });
    expect(backward.pairs).toEqual(forward.pairs);
  });

  it('hands each image over with its regions, texts, kinds and errors, whose counts are the protocol\'s', async () => {
    const images: ScoredImage[] = [];
    const report = await compareRuns(GT, [{ name: 'tight', predictions: TIGHT }, { name: 'loose', predictions: LOOSE }], {
      iou: [0.5, 0.7],
      root: ROOT,
      onImage: (image) => void images.push(image),
    });
    expect(images.map((i) => [i.slot, i.image, i.source])).toEqual([[0, '1.jpg', 'one'], [1, '2.jpg', 'two']]);
    const first = images[0];
    expect(first.gt.map((r) => [r.text, r.kind])).toEqual([['a', 'care'], ['b', 'care'], ['c', 'care'], [undefined, 'ignore']]);
    const loose = first.runs[1];
    expect(loose.detections.map((d) => d.text)).toEqual([undefined, 'B', 'far']);
    // loose on image 1 at 0.5: misses a (best IoU 3/7 with the shifted box) and c (0); false alarms: the shifted box (3/7), the far one (0).
    const errors = loose.byIou[0].errors.map((e) => [e.kind, e.index, e.bestIou]);
    expect(errors).toEqual([['miss', 0, expect.closeTo(3 / 7, 12)], ['miss', 2, 0], ['false', 0, expect.closeTo(3 / 7, 12)], ['false', 2, 0]]);
    for (const image of images) {
      image.runs.forEach((run, r) => {
        run.byIou.forEach((at, t) => {
          const counts = report.table.counts(image.slot, r, t);
          expect(at.errors.filter((e) => e.kind === 'miss')).toHaveLength(counts.gtCare - counts.matched);
          expect(at.errors.filter((e) => e.kind === 'false')).toHaveLength(counts.detCare - counts.matched);
        });
      });
    }
  });

  it('names the run of each problem, and counts problems per run', async () => {
    const problems: EvalProblem[] = [];
    const twice = [...TIGHT, pred('2.jpg', [])];
    const report = await compareRuns(GT, [{ name: 'tight', predictions: twice }, { name: 'loose', predictions: LOOSE }], { root: ROOT, onProblem: (p) => problems.push(p) });
    expect(problems).toEqual([{ image: '2.jpg', reason: 'predicted more than once; the last prediction is used', run: 'tight' }]);
    expect(report.runs.map((r) => r.problems)).toEqual([1, 0]);
    expect(report.problems).toBe(1);
  });

  it('refuses two runs of the same name', async () => {
    await expect(compareRuns(GT, [{ name: 'x', predictions: TIGHT }, { name: 'x', predictions: LOOSE }])).rejects.toThrow(UsageError);
  });
});

describe('errors of one image', () => {
  it('lists a detection that lost its partner to an earlier one as a false alarm with best IoU 1', () => {
    // One region, detected twice exactly: greedy matches the first; the second is a false alarm at IoU 1.
    const prepared = prepareImage([{ points: rect(0, 0, 1, 1) }], [rect(0, 0, 1, 1), rect(0, 0, 1, 1)], 0.5);
    const errors = imageErrors(prepared, matchPrepared(prepared, 0.5, 'greedy'));
    expect(errors).toEqual([{ kind: 'false', index: 1, bestIou: 1 }]);
  });

  it('never lists a detection that lies on a don\'t-care region, nor an invalid polygon', () => {
    const prepared = prepareImage(
      [{ points: rect(0, 0, 1, 1), ignore: true }, { points: [[0, 0], [1, 1], [1, 0], [0, 1]] }],
      [rect(0, 0, 1, 1), [[5, 5], [5, 5], [5, 5]]],
      0.5,
    );
    expect(prepared.gtKinds).toEqual(['ignore', 'invalid']);
    expect(prepared.detKinds).toEqual(['ignore', 'invalid']);
    expect(imageErrors(prepared, [])).toEqual([]);
  });
});
