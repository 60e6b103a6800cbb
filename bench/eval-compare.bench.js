/**
 * Comparing runs (issue 12): speed of scoring several runs, and time, size and memory of the HTML report.
 *
 * 1. Scoring: 10,000 images of ~20 quads (seeded, bench/lib/eval-data.js), 3 runs of different recall and
 *    noise against the same ground truth. In-process, `compareRuns()` (3 runs, bootstrap of the 3 pairs
 *    included) is timed against its peer, 3 × `evaluate()`, interleaved (the ratio is what counts on a shared
 *    machine). End to end, the `ocrdet eval` CLI with 3 --pred against the CLI with 1, with peak RSS.
 *    Every run's numbers must equal what `evaluate()` gives it alone.
 * 2. Report: seed-test (examples/seed-test, 50 real photos) repeated to 200, 1,000 and 2,000 images (hard
 *    links), 3 runs made from its ground truth (jittered, some regions dropped, some false alarms), through
 *    `ocrdet eval --report` in a fresh process each: wall time, peak RSS, and the size of index.html,
 *    errors.jsonl and the pictures. Targets: 1,000 images in under a minute; peak RSS flat in the images.
 * Env: OCRDET_BENCH_COMPARE_IMAGES (default 10000), OCRDET_BENCH_REPORT_IMAGES (default "200,1000,2000").
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../dist/datasets/index.js';
import { compareRuns, evaluate } from '../dist/eval/index.js';
import { createRandom, detectLine, randomLine, rotatedRect, roundPoints } from './lib/eval-data.js';
import { SEED_TEST } from './lib/seed-test.js';

const here = path.dirname(fileURLToPath(import.meta.url));
mkdirSync(path.join(here, 'out'), { recursive: true });
const outDir = mkdtempSync(path.join(here, 'out', 'eval-compare-'));
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
const bin = path.join(here, '..', 'bin', 'ocrdet.js');
const images = Number(process.env.OCRDET_BENCH_COMPARE_IMAGES ?? 10_000);
const reportSizes = (process.env.OCRDET_BENCH_REPORT_IMAGES ?? '200,1000,2000').split(',').map(Number);
const RUNS = [
  { name: 'base', recall: 0.7, noise: 1.6, falseAlarms: 4 },
  { name: 'tuned', recall: 0.85, noise: 1, falseAlarms: 2 },
  { name: 'ppocr', recall: 0.8, noise: 1.2, falseAlarms: 3 },
];

/** Ground truth once, and each run's predictions from its own random stream. */
function generate(count) {
  const rnd = createRandom(2015);
  const runRnd = RUNS.map((_, r) => createRandom(100 + r));
  const samples = [];
  const runs = RUNS.map(() => []);
  for (let i = 0; i < count; i++) {
    const name = `images/img_${String(i + 1).padStart(5, '0')}.jpg`;
    const lines = Array.from({ length: 20 + rnd.int(-5, 5) }, () => randomLine(rnd, 1280, 960));
    const regions = lines.map((line) => {
      const points = roundPoints(rotatedRect(line.cx, line.cy, line.w, line.h, line.angle));
      return { points, box: [0, 0, 0, 0], ...(rnd.chance(0.1) ? { ignore: true } : {}) };
    });
    samples.push({ image: path.join(outDir, name), width: 1280, height: 960, regions });
    RUNS.forEach((run, r) => {
      const g = runRnd[r];
      const found = lines.filter(() => g.chance(run.recall)).map((line) => ({ points: roundPoints(detectLine(g, line, run.noise)) }));
      for (let k = g.int(0, run.falseAlarms); k > 0; k--) {
        const fp = randomLine(g, 1280, 960);
        found.push({ points: roundPoints(rotatedRect(fp.cx, fp.cy, fp.w, fp.h, fp.angle)) });
      }
      runs[r].push({ image: name, width: 1280, height: 960, regions: found, backend: 'bench', model: run.name, timings: {} });
    });
  }
  return { samples, runs };
}

function timed(child) {
  const started = performance.now();
  const result = existsSync('/usr/bin/time')
    ? spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, bin, ...child], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(process.execPath, [bin, ...child], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  const rss = /peak-rss-kb (\d+)/.exec(result.stderr ?? '');
  if (!result.stdout) throw new Error(`ocrdet ${child.join(' ')} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return { seconds, json: JSON.parse(result.stdout), peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : undefined };
}

// ---- 1. scoring ----
const data = generate(images);
const root = outDir;
const quads = data.samples.reduce((n, s) => n + s.regions.length, 0);
console.log(`scoring: ${images} images, ${quads} ground-truth quads, ${RUNS.length} runs of ${data.runs.map((r) => r.reduce((n, d) => n + d.regions.length, 0)).join(' / ')} detections`);
const compareTimes = [];
const evaluateTimes = [];
let compared;
const alone = [];
for (let round = 0; round < 3; round++) {
  let started = performance.now();
  compared = await compareRuns(data.samples, RUNS.map((run, r) => ({ name: run.name, predictions: data.runs[r] })), { root });
  compareTimes.push((performance.now() - started) / 1000);
  started = performance.now();
  for (let r = 0; r < RUNS.length; r++) alone[r] = await evaluate(data.samples, data.runs[r], { root });
  evaluateTimes.push((performance.now() - started) / 1000);
}
const same = RUNS.every((_, r) => ['precision', 'recall', 'hmean', 'matched', 'detCare'].every((k) => compared.runs[r][k] === alone[r][k]));
console.log('\nwhat                                                   fastest s  slowest s');
console.log(`compareRuns(), 3 runs, bootstrap of 3 pairs (1000)    ${Math.min(...compareTimes).toFixed(3).padStart(9)}  ${Math.max(...compareTimes).toFixed(3).padStart(9)}`);
console.log(`3 × evaluate() (the peer)                             ${Math.min(...evaluateTimes).toFixed(3).padStart(9)}  ${Math.max(...evaluateTimes).toFixed(3).padStart(9)}`);
console.log(`ratio compareRuns / 3 × evaluate (fastest): ${(Math.min(...compareTimes) / Math.min(...evaluateTimes)).toFixed(2)}; every run's numbers ${same ? 'equal' : 'DIFFER from'} evaluate()'s`);
for (const p of compared.pairs) console.log(`  ${p.a} − ${p.b}: ${p.hmeanDiff >= 0 ? '+' : ''}${p.hmeanDiff.toFixed(4)} [${p.ci95.map((v) => v.toFixed(4)).join(', ')}]`);

// The CLI end to end: the same data written as a PPOCRLabel Label.txt and one JSONL per run.
const label = path.join(outDir, 'Label.txt');
writeFileSync(label, data.samples.map((s) => `${path.relative(outDir, s.image)}\t${JSON.stringify(s.regions.map((r) => ({ transcription: r.ignore ? '###' : 'text', points: r.points })))}\n`).join(''));
const preds = RUNS.map((run, r) => {
  const file = path.join(outDir, `${run.name}.jsonl`);
  writeFileSync(file, data.runs[r].map((d) => `${JSON.stringify({ image: d.image, regions: d.regions })}\n`).join(''));
  return file;
});
const one = timed(['eval', '--gt', label, '--format', 'ppocr', '--pred', preds[0], '--json']);
const three = timed(['eval', '--gt', label, '--format', 'ppocr', ...preds.flatMap((p) => ['--pred', p]), '--json']);
console.log(`\nocrdet eval CLI, 1 run:  ${one.seconds.toFixed(2)} s, peak RSS ${one.peakRssMb ?? 'n/a'} MB`);
console.log(`ocrdet eval CLI, 3 runs: ${three.seconds.toFixed(2)} s, peak RSS ${three.peakRssMb ?? 'n/a'} MB (${(three.seconds / one.seconds).toFixed(2)}× the 1-run time)`);
const cliSame = three.json.runs[0].hmean === one.json.hmean;
console.log(`the 3-run CLI's first run ${cliSame ? 'equals' : 'DIFFERS from'} the 1-run CLI`);

// ---- 2. report ----
function link(from, to) {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}
const seed = [];
for await (const sample of readDataset(SEED_TEST, { probeImages: false })) seed.push(sample);

/** seed-test repeated to `count` images (links), and 3 runs made from its ground truth. */
function buildReportSet(count) {
  const dir = path.join(outDir, `report-set-${count}`);
  mkdirSync(path.join(dir, 'Images'), { recursive: true });
  mkdirSync(path.join(dir, 'Annotations'), { recursive: true });
  const rnd = createRandom(7);
  const lines = RUNS.map(() => []);
  for (let i = 0; i < count; i++) {
    const sample = seed[i % seed.length];
    const base = path.basename(sample.image);
    const stem = base.replace(/\.[^.]+$/, '');
    const name = `c${Math.floor(i / seed.length)}_${base}`;
    link(sample.image, path.join(dir, 'Images', name));
    link(path.join(SEED_TEST, 'Annotations', `${stem}.xml`), path.join(dir, 'Annotations', `c${Math.floor(i / seed.length)}_${stem}.xml`));
    RUNS.forEach((run, r) => {
      const regions = sample.regions
        .filter(() => rnd.chance(run.recall))
        .map((region) => ({ points: roundPoints(region.points.map(([x, y]) => [x + rnd.normal() * run.noise * 2, y + rnd.normal() * run.noise * 2])), text: 'x' }));
      for (let k = rnd.int(0, run.falseAlarms); k > 0; k--) {
        const fp = randomLine(rnd, Math.max(400, sample.width || 800), Math.max(300, sample.height || 600));
        regions.push({ points: roundPoints(rotatedRect(fp.cx, fp.cy, fp.w / 2, fp.h, fp.angle)) });
      }
      lines[r].push(JSON.stringify({ image: `Images/${name}`, regions }));
    });
  }
  const files = RUNS.map((run, r) => {
    const file = path.join(dir, `${run.name}.jsonl`);
    writeFileSync(file, `${lines[r].join('\n')}\n`);
    return file;
  });
  return { dir, files };
}

function folderBytes(dir) {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}

console.log(`\nreport: seed-test repeated, ${RUNS.length} runs, pictures at 800 px`);
console.log('images   seconds   peak RSS   index.html   errors.jsonl   pictures (per image)   errors lines');
const rows = [];
for (const count of reportSizes) {
  const set = buildReportSet(count);
  const report = path.join(outDir, `report-${count}`);
  const run = timed(['eval', '--gt', set.dir, ...set.files.flatMap((f) => ['--pred', f]), '--report', report, '--json']);
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  const pictures = folderBytes(path.join(report, 'images'));
  rows.push({ count, ...run });
  console.log(
    [
      String(count).padStart(6),
      run.seconds.toFixed(1).padStart(9),
      `${run.peakRssMb ?? 'n/a'} MB`.padStart(10),
      mb(statSync(path.join(report, 'index.html')).size).padStart(12),
      mb(statSync(path.join(report, 'errors.jsonl')).size).padStart(14),
      `${mb(pictures)} (${Math.round(pictures / count / 1000)} kB)`.padStart(22),
      String(run.json.report.errorLines).padStart(14),
    ].join(' '),
  );
  rmSync(set.dir, { recursive: true, force: true });
  rmSync(report, { recursive: true, force: true });
}
const thousand = rows.find((r) => r.count === 1000);
if (thousand) console.log(`1,000 images: ${thousand.seconds.toFixed(1)} s — target under 60 s: ${thousand.seconds < 60 ? 'met' : 'NOT MET'}`);
const [small, large] = [rows[0], rows.at(-1)];
if (small && large && small.peakRssMb && large.peakRssMb) {
  console.log(`peak RSS ${small.peakRssMb} MB at ${small.count} images, ${large.peakRssMb} MB at ${large.count} (${(large.count / small.count).toFixed(0)}× the images, ${(large.peakRssMb / small.peakRssMb).toFixed(2)}× the memory)`);
}
process.exitCode = same && cliSame && (!thousand || thousand.seconds < 60) ? 0 : 1;
