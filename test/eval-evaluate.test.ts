/**
 * `evaluate()` over a set: counts summed over images (never averaged), images paired by path then by file
 * name, missing and unknown predictions, per-source scores. Hand-drawn unit squares; expected fractions in
 * the comments. Paths are made-up absolute paths: evaluation reads annotations only, never the images.
 */
import { describe, expect, it } from 'vitest';
import type { Detection, Point, Region, Sample } from '../src/core/types.js';
import { UsageError } from '../src/core/errors.js';
import { evaluate, worstImagesFirst, type EvalProblem } from '../src/eval/index.js';
import { detection, rect, region as shapeRegion, sample } from './helpers/shapes.js';

const ROOT = '/data/set';

const region = (points: Point[], ignore = false): Region => shapeRegion(points, ignore ? { ignore } : {});
const gt = (image: string, regions: Region[], source?: string): Sample => sample(ROOT, image, regions, source);
const pred = (image: string, polygons: Point[][], extra: Partial<Detection> = {}): Detection => detection(image, polygons, extra);

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('scores over a set', () => {
  it('reproduces MMOCR\'s two-image test without its score threshold: P 3/6, R 3/4', async () => {
    // Image 1: gt a, b, c and don't-care d; a matched exactly, b with IoU 0.9/1.1, c missed;
    // pred_c touches nothing, pred_d is half on d (0.5 is not > 0.5: a care false positive).
    // MMOCR drops pred_d by its score (0.001); PaddleOCR has no score threshold, so it counts here.
    // Image 2: one region, detected twice: 1 match, 1 false positive.
    const report = await evaluate(
      [
        gt('1.jpg', [region(rect(0, 0, 1, 1)), region(rect(2, 0, 3, 1)), region(rect(10, 0, 11, 1)), region(rect(1, 0, 2, 1), true)]),
        gt('2.jpg', [region(rect(0, 0, 1, 1))]),
      ],
      [
        pred('1.jpg', [rect(0, 0, 1, 1), rect(2, 0.1, 3, 1.1), rect(1, 1, 2, 2), rect(1, -0.5, 2, 0.5)]),
        pred('2.jpg', [rect(0, 0, 1, 1), rect(0, 0, 1, 1)]),
      ],
      { root: ROOT },
    );
    expect(report).toMatchObject({ matched: 3, gtCare: 4, detCare: 6, gtIgnored: 1, images: 2, protocol: 'icdar2015' });
    expect(report.precision).toBe(3 / 6);
    expect(report.recall).toBe(3 / 4);
    expect(report.hmean).toBeCloseTo((2 * 0.5 * 0.75) / 1.25, 12);
  });

  it('sums counts instead of averaging images: 1 of 1 and 0 of 3 give recall 1/4, not 1/2', async () => {
    const report = await evaluate(
      [gt('a.jpg', [region(rect(0, 0, 1, 1))]), gt('b.jpg', [region(rect(0, 0, 1, 1)), region(rect(2, 0, 3, 1)), region(rect(4, 0, 5, 1))])],
      [pred('a.jpg', [rect(0, 0, 1, 1)]), pred('b.jpg', [])],
      { root: ROOT },
    );
    expect(report).toMatchObject({ matched: 1, gtCare: 4, detCare: 1, recall: 1 / 4, precision: 1 });
  });

  it('scores the ground truth against itself as 1 / 1 / 1', async () => {
    const samples = [gt('a.jpg', [region(rect(0, 0, 1, 1)), region(rect(3, 3, 4, 5), true)]), gt('b.jpg', [region(rect(1, 1, 9, 2))])];
    const asPredictions = samples.map((s) => pred(s.image, s.regions.map((r) => r.points)));
    const report = await evaluate(samples, asPredictions, { root: ROOT });
    expect(report).toMatchObject({ precision: 1, recall: 1, hmean: 1, matched: 2, gtCare: 2, detCare: 2, detIgnored: 1 });
  });

  it('takes async iterables on both sides', async () => {
    const report = await evaluate(stream([gt('a.jpg', [region(rect(0, 0, 1, 1))])]), stream([pred('a.jpg', [rect(0, 0, 1, 1)])]), { root: ROOT });
    expect(report.hmean).toBe(1);
  });

  it('counts a predicted region without usable points as an invalid detection, not a crash', async () => {
    const broken = pred('a.jpg', [rect(0, 0, 1, 1)]);
    broken.regions.push({ box: [0, 0, 1, 1] } as unknown as Region, { points: [[0, 'x'], [1, 0], [1, 1]] } as unknown as Region);
    const report = await evaluate([gt('a.jpg', [region(rect(0, 0, 1, 1))])], [broken], { root: ROOT });
    expect(report).toMatchObject({ matched: 1, detCare: 1, detInvalid: 2 });
  });

  it('rejects an IoU threshold outside [0, 1] with a usage error', async () => {
    await expect(evaluate([], [], { iou: 2 })).rejects.toThrow(UsageError);
  });
});

describe('pairing images', () => {
  const one = [region(rect(0, 0, 1, 1))];

  it('pairs by path relative to the dataset root, by absolute path, and by file name', async () => {
    const report = await evaluate(
      [gt('Images/a.jpg', one), gt('Images/b.jpg', one), gt('Images/c.jpg', one), gt('Images/d.JPG', one)],
      [
        pred('Images/a.jpg', [rect(0, 0, 1, 1)]), // relative to the root
        pred(`${ROOT}/Images/b.jpg`, [rect(0, 0, 1, 1)]), // absolute
        pred('C:\\elsewhere\\c.jpg', [rect(0, 0, 1, 1)]), // written on Windows: by name
        pred('/other/machine/d.jpg', [rect(0, 0, 1, 1)]), // by name, case-insensitive
      ],
      { root: ROOT },
    );
    expect(report).toMatchObject({ matched: 4, images: 4, imagesWithoutPrediction: 0, unknownImages: [] });
  });

  it('never lets a file-name match take the prediction another image has by path', async () => {
    // gt one/x.jpg has no path match; gt two/x.jpg has one. The name fallback must pick other/x.jpg
    // (the only unclaimed "x.jpg"), even though one/x.jpg comes first in the ground truth.
    const report = await evaluate(
      [gt('one/x.jpg', one), gt('two/x.jpg', one)],
      [pred('other/x.jpg', []), pred('two/x.jpg', [rect(0, 0, 1, 1)])],
      { root: ROOT },
    );
    expect(report.perImage.map((r) => [r.image, r.matched, r.predicted])).toEqual([
      ['one/x.jpg', 0, true],
      ['two/x.jpg', 1, true],
    ]);
  });

  it('refuses an ambiguous file name: reported, counted as detecting nothing, both predictions unknown', async () => {
    const problems: EvalProblem[] = [];
    const report = await evaluate([gt('r/x.jpg', one)], [pred('p/x.jpg', [rect(0, 0, 1, 1)]), pred('q/x.jpg', [])], {
      root: ROOT,
      onProblem: (p) => problems.push(p),
    });
    expect(report).toMatchObject({ matched: 0, imagesWithoutPrediction: 1, unknownImages: ['p/x.jpg', 'q/x.jpg'], problems: 1 });
    expect(problems[0].reason).toMatch(/2 by file name/);
  });

  it('counts a ground-truth image without prediction as detecting nothing', async () => {
    const report = await evaluate([gt('a.jpg', one), gt('b.jpg', one)], [pred('a.jpg', [rect(0, 0, 1, 1)])], { root: ROOT });
    // 1 matched of 2 care regions; 1 care detection.
    expect(report).toMatchObject({ matched: 1, gtCare: 2, detCare: 1, recall: 1 / 2, precision: 1, imagesWithoutPrediction: 1 });
    expect(report.perImage[1]).toMatchObject({ image: 'b.jpg', predicted: false, recall: 0 });
  });

  it('gives recall 0 against no predictions at all', async () => {
    const report = await evaluate([gt('a.jpg', one), gt('b.jpg', one)], [], { root: ROOT });
    expect(report).toMatchObject({ precision: 0, recall: 0, hmean: 0, imagesWithoutPrediction: 2 });
  });

  it('lists predictions for images not in the ground truth, in input order, without scoring them', async () => {
    const report = await evaluate(
      [gt('a.jpg', one)],
      [pred('zzz.jpg', [rect(0, 0, 1, 1)]), pred('a.jpg', [rect(0, 0, 1, 1)]), pred('new/b.jpg', [])],
      { root: ROOT },
    );
    expect(report).toMatchObject({ matched: 1, detCare: 1, unknownImages: ['zzz.jpg', 'new/b.jpg'] });
  });

  it('uses the last of duplicate predictions and reports the duplicate', async () => {
    const problems: EvalProblem[] = [];
    const report = await evaluate([gt('a.jpg', one)], [pred('a.jpg', []), pred('a.jpg', [rect(0, 0, 1, 1)])], {
      root: ROOT,
      onProblem: (p) => problems.push(p),
    });
    expect(report).toMatchObject({ matched: 1, unknownImages: [], problems: 1 });
    expect(problems).toEqual([{ image: 'a.jpg', reason: 'predicted more than once; the last prediction is used' }]);
  });

  it('scores a prediction that carries a detector error as detecting nothing, and keeps the error', async () => {
    const report = await evaluate([gt('a.jpg', one)], [pred('a.jpg', [], { error: { code: 'OCRDET_BAD_IMAGE', message: 'truncated' } })], { root: ROOT });
    expect(report).toMatchObject({ recall: 0, predictionErrors: 1, imagesWithoutPrediction: 0 });
    expect(report.perImage[0].error).toBe('OCRDET_BAD_IMAGE: truncated');
  });
});

describe('per source and per image', () => {
  it('scores each source from its own summed counts', async () => {
    const report = await evaluate(
      [
        gt('a/1.jpg', [region(rect(0, 0, 1, 1)), region(rect(2, 0, 3, 1))], 'a'),
        gt('a/2.jpg', [region(rect(0, 0, 1, 1))], 'a'),
        gt('b/1.jpg', [region(rect(0, 0, 1, 1))], 'b'),
        gt('loose.jpg', [region(rect(0, 0, 1, 1))]),
      ],
      [pred('a/1.jpg', [rect(0, 0, 1, 1)]), pred('a/2.jpg', [rect(5, 5, 6, 6)]), pred('b/1.jpg', [rect(0, 0, 1, 1)])],
      { root: ROOT, by: 'source' },
    );
    expect(report.bySource).toEqual({
      // a: 1 matched of 3 care regions, 2 care detections
      a: { precision: 1 / 2, recall: 1 / 3, hmean: (2 * (1 / 2) * (1 / 3)) / (1 / 2 + 1 / 3), matched: 1, gtCare: 3, detCare: 2, images: 2 },
      b: { precision: 1, recall: 1, hmean: 1, matched: 1, gtCare: 1, detCare: 1, images: 1 },
      '(none)': { precision: 0, recall: 0, hmean: 0, matched: 0, gtCare: 1, detCare: 0, images: 1 },
    });
  });

  it('leaves bySource out unless asked', async () => {
    expect((await evaluate([], [], {})).bySource).toBeUndefined();
  });

  it('orders images worst first: lowest hmean, then most errors, then name', async () => {
    const report = await evaluate(
      [
        gt('perfect.jpg', [region(rect(0, 0, 1, 1))]),
        gt('half.jpg', [region(rect(0, 0, 1, 1)), region(rect(2, 0, 3, 1))]),
        gt('missed-one.jpg', [region(rect(0, 0, 1, 1))]),
        gt('missed-three.jpg', [region(rect(0, 0, 1, 1)), region(rect(2, 0, 3, 1)), region(rect(4, 0, 5, 1))]),
      ],
      [pred('perfect.jpg', [rect(0, 0, 1, 1)]), pred('half.jpg', [rect(0, 0, 1, 1)])],
      { root: ROOT },
    );
    expect(worstImagesFirst(report.perImage).map((r) => r.image)).toEqual(['missed-three.jpg', 'missed-one.jpg', 'half.jpg', 'perfect.jpg']);
  });
});
