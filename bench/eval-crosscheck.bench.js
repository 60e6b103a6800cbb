/**
 * Cross-check: ocrdet's evaluator against PaddleOCR's own (ppocr/metrics/eval_det_iou.py, run by Python with
 * shapely) on adversarial random images (bench/lib/crosscheck-data.js), at several thresholds. Every image's
 * counts (care ground truth, care detections, matches) must be equal, hence precision / recall / hmean too;
 * the table shows both and the largest difference. Exits 1 on any disagreement, and writes the disagreeing
 * images to bench/out/eval-crosscheck/mismatches.json.
 * Then the same on real annotations: examples/seed-test with disturbed copies of its quads as predictions
 * (bench/lib/seedtest-crosscheck.js), PaddleOCR reading the raw XML, ocrdet its own reader through the CLI.
 * Skipped (with how to get it) when PaddleOCR's file or Python's shapely is absent.
 * Env: OCRDET_BENCH_CROSSCHECK_IMAGES (default 600), OCRDET_BENCH_SEED (default 42).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../dist/eval/index.js';
import { generateCrosscheckData } from './lib/crosscheck-data.js';
import { crosscheckSeedTest } from './lib/seedtest-crosscheck.js';
import { SEED_TEST } from './lib/seed-test.js';
import { toOcrdet, writePaddleJson } from './lib/eval-data.js';
import { findPaddle, runPaddle } from './lib/paddle.js';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out', 'eval-crosscheck');
const images = Number(process.env.OCRDET_BENCH_CROSSCHECK_IMAGES ?? 600);
const seed = Number(process.env.OCRDET_BENCH_SEED ?? 42);
const CONFIGS = [
  { iou: 0.5, areaPrecision: 0.5 },
  { iou: 0.3, areaPrecision: 0.5 },
  { iou: 0.7, areaPrecision: 0.3 },
];

const paddle = findPaddle();
if (paddle.skipped) {
  console.log(`skipped: ${paddle.skipped}`);
  process.exit(0);
}

const data = generateCrosscheckData({ images, seed });
mkdirSync(outDir, { recursive: true });
const runDir = mkdtempSync(path.join(outDir, 'run-')); // two runs at once must not share data files
process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));
const dataFile = path.join(runDir, 'data.json');
writePaddleJson(data, dataFile);
const { samples, detections } = toOcrdet(data, '/crosscheck');
const regions = data.reduce((n, img) => n + img.gt.length, 0);
const dets = data.reduce((n, img) => n + img.pred.length, 0);
console.log(`${images} images (seed ${seed}), ${regions} ground-truth polygons, ${dets} detections; PaddleOCR ${paddle.evaluator}, shapely ${paddle.shapely}`);

const rows = [];
const mismatches = [];
for (const config of CONFIGS) {
  const ours = await evaluate(samples, detections, { ...config, root: '/crosscheck' });
  const theirs = runPaddle(paddle, dataFile, config);
  let differing = 0;
  ours.perImage.forEach((mine, i) => {
    const p = theirs.perImage[i];
    if (mine.gtCare !== p.gtCare || mine.detCare !== p.detCare || mine.matched !== p.detMatched) {
      differing++;
      mismatches.push({ config, image: data[i], ours: { gtCare: mine.gtCare, detCare: mine.detCare, matched: mine.matched }, paddle: p });
    }
  });
  const diff = Math.max(
    Math.abs(ours.precision - theirs.metrics.precision),
    Math.abs(ours.recall - theirs.metrics.recall),
    Math.abs(ours.hmean - theirs.metrics.hmean),
  );
  rows.push({ ...config, ours, theirs: theirs.metrics, differing, diff });
}

const f = (n) => n.toFixed(6);
console.log('\niou  areaPrec  P ocrdet  P paddle  R ocrdet  R paddle  H ocrdet  H paddle  max |diff|  images differing  gtInvalid detInvalid detIgnored');
for (const r of rows) {
  console.log(
    [
      r.iou.toFixed(1).padEnd(3),
      r.areaPrecision.toFixed(1).padStart(8),
      f(r.ours.precision).padStart(9),
      f(r.theirs.precision).padStart(9),
      f(r.ours.recall).padStart(9),
      f(r.theirs.recall).padStart(9),
      f(r.ours.hmean).padStart(9),
      f(r.theirs.hmean).padStart(9),
      r.diff.toExponential(1).padStart(11),
      `${r.differing} / ${images}`.padStart(17),
      String(r.ours.gtInvalid).padStart(10),
      String(r.ours.detInvalid).padStart(10),
      String(r.ours.detIgnored).padStart(10),
    ].join(' '),
  );
}
// Real annotations: seed-test as PaddleOCR sees the raw XML, and as ocrdet reads it (CLI end to end).
const seedTest = SEED_TEST;
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'ocrdet.js');
const real = crosscheckSeedTest({ seedTest, dir: runDir, bin, paddle });
const realDiff = Math.max(...['precision', 'recall', 'hmean'].map((k) => Math.abs(real.ours[k] - real.theirs[k])));
console.log(
  `\nseed-test (${real.images} images, raw XML for PaddleOCR, ocrdet's voc-quad reader + CLI): ` +
    `P ${f(real.ours.precision)} / ${f(real.theirs.precision)}, R ${f(real.ours.recall)} / ${f(real.theirs.recall)}, ` +
    `H ${f(real.ours.hmean)} / ${f(real.theirs.hmean)} (ocrdet / PaddleOCR), max |diff| ${realDiff.toExponential(1)}, ` +
    `images differing ${real.differing.length}, detInvalid ${real.ours.detInvalid}`,
);
for (const d of real.differing) mismatches.push({ config: 'seed-test', ...d });

const agree = rows.every((r) => r.differing === 0 && r.diff < 5e-5) && real.differing.length === 0 && realDiff < 5e-5;
if (mismatches.length > 0) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'mismatches.json'), JSON.stringify(mismatches, null, 1));
}
console.log(agree ? '\nagree: every image has the same counts, so the same scores' : `\nDISAGREE: see ${path.join(outDir, 'mismatches.json')}`);
process.exitCode = agree ? 0 : 1;
