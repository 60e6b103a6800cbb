/**
 * `ocrdet data autolabel` on the seed-test images (examples/seed-test: 50 photos, 510 care quads, 150 don't
 * care), and what its thresholds rest on: how often the embedded detector's regions are text a person
 * annotated, by detector score and by recogniser text score.
 *
 * 1. autolabel end to end (detect + convert to internvl2 rows + LabelMe/PPOCRLabel files + preview pictures):
 *    wall time and images/s, regions kept as labels and made don't care.
 * 2. Each detected region against the ground truth: `care` when it overlaps a care region with IoU > 0.5,
 *    `don't care` when it lies mostly (> 0.5 of its area) in a don't-care region or matches one, else `nothing`.
 *    Per score bucket and per text-score bucket; for MTWI (whose annotations hold transcriptions) also how
 *    often the recognised text equals the annotated one.
 * Nothing to miss: it reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { autolabel } from '../dist/batch/autolabel.js';
import { intersectionArea, polygonArea, polygonIoU } from '../dist/core/geometry.js';
import { readDataset } from '../dist/datasets/index.js';
import { readResults } from '../dist/datasets/results.js';
import { SEED_TEST } from './lib/seed-test.js';

const work = mkdtempSync(path.join(tmpdir(), 'ocrdet-bench-autolabel-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

console.log(`seed-test, ${availableParallelism()} CPU(s), load average ${loadavg()[0].toFixed(1)}, Node ${process.version}`);
const started = performance.now();
const result = await autolabel({ inputs: [path.join(SEED_TEST, 'Images')], out: path.join(work, 'labels') });
const seconds = (performance.now() - started) / 1000;
const { convert, review, preview } = result;
console.log(`\n1. autolabel: ${result.detect.done} images in ${seconds.toFixed(1)} s (${(result.detect.done / seconds).toFixed(2)} images/s, everything included)`);
console.log(`   ${convert.regions.inAnswers} regions in answers, ${convert.regions.dropped['dont-care']} don't care; ${convert.samples.train} train / ${convert.samples.val} val rows; review files for ${review.written} images; ${preview.pictures.length} pictures`);

const truth = new Map();
for await (const sample of readDataset(SEED_TEST)) truth.set(sample.image, sample);
const rows = [];
for await (const detection of readResults(result.detections)) {
  const sample = truth.get(path.resolve(detection.image));
  for (const region of detection.regions) {
    let best = { iou: 0 };
    for (const g of sample.regions) {
      const iou = polygonIoU(region.points, g.points);
      if (iou > best.iou) best = { iou, g };
    }
    const inDontCare = sample.regions.some((g) => g.ignore && intersectionArea(region.points, g.points) / polygonArea(region.points) > 0.5);
    const kind = best.iou > 0.5 && !best.g.ignore ? 'care' : inDontCare || (best.iou > 0.5 && best.g.ignore) ? 'dontCare' : 'nothing';
    const annotated = best.iou > 0.5 && best.g.text && best.g.text !== 'text' && !best.g.ignore ? best.g.text : undefined;
    rows.push({ score: region.score, textScore: region.textScore, kind, textRight: annotated === undefined ? undefined : annotated === region.text });
  }
}

function table(key, edges) {
  console.log(`\n   ${key.padEnd(11)} regions   care  don't care  nothing   care share${key === 'textScore' ? '   text = annotation' : ''}`);
  for (let i = 0; i < edges.length - 1; i++) {
    const bucket = rows.filter((r) => r[key] >= edges[i] && r[key] < edges[i + 1]);
    const n = (kind) => bucket.filter((r) => r.kind === kind).length;
    const judged = bucket.filter((r) => r.textRight !== undefined);
    const text = key === 'textScore' ? `   ${judged.filter((r) => r.textRight).length} of ${judged.length}` : '';
    const range = `${edges[i].toFixed(2)}–${Math.min(1, edges[i + 1]).toFixed(2)}`;
    console.log(`   ${range.padEnd(11)} ${String(bucket.length).padStart(7)} ${String(n('care')).padStart(6)} ${String(n('dontCare')).padStart(11)} ${String(n('nothing')).padStart(8)}   ${bucket.length ? `${Math.round((100 * n('care')) / bucket.length)} %` : '—'}${text}`);
  }
}
console.log('\n2. the embedded detector’s regions against the ground truth');
table('score', [0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.01]);
table('textScore', [0, 0.3, 0.5, 0.7, 0.9, 1.01]);
