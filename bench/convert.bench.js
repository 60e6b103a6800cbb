/**
 * `ocrdet data convert` throughput and memory (issue 4: ≥ 20,000 samples/s, peak RSS < 300 MB).
 *
 * Scenario "converter": seed-test's 50 samples (read once, sizes from their XML, no image decoded) repeated to
 * N samples (OCRDET_BENCH_CONVERT_SAMPLES, default 100,000), each under its own image path (symlinks to
 * seed-test's images, made once in bench/.cache/convert-images/), streamed through `convertSamples` into
 * ms-swift JSONL (internvl2, native answers, 9:1 split): the annotation work — regions sorted, answers
 * formatted and priced, rows encoded, spooled, split and written — with nothing held per sample.
 * Scenario "end to end": the same from a VOC folder of E files on disk (OCRDET_BENCH_CONVERT_E2E, default
 * 5,000), through the voc-quad reader (one XML file read and parsed, one image looked up per sample).
 * Each scenario runs in its own process, so its peak RSS is its own; the converter runs REPEATS times. Samples/s are given by wall clock and by
 * CPU time (user + system): on a machine shared with other work the CPU figure is the converter's own cost.
 * Exits 1 only if a scenario fails to run; the verdict line says whether the target is met.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEED_TEST } from './lib/seed-test.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const CACHE = path.join(benchDir, '.cache', 'convert-images');
const OUT = path.join(benchDir, 'out', 'convert');
const N = Number(process.env.OCRDET_BENCH_CONVERT_SAMPLES ?? 100_000);
const E2E = Number(process.env.OCRDET_BENCH_CONVERT_E2E ?? 5_000);
const TARGET_PER_S = 20_000;
/** Converter runs (each its own process); the verdict uses their median. OCRDET_BENCH_CONVERT_REPEATS. */
const REPEATS = Number(process.env.OCRDET_BENCH_CONVERT_REPEATS ?? 5);
const TARGET_RSS_MB = 300;

async function seedSamples() {
  const { readDataset } = await import('../dist/datasets/index.js');
  const samples = [];
  for await (const sample of readDataset(SEED_TEST, { format: 'voc-quad', probeImages: false })) samples.push(sample);
  return samples.sort((a, b) => a.image.localeCompare(b.image));
}

/** Symlinks r<i>-<name> → seed-test image, for i < count (made once, kept in the cache). */
function ensureLinks(dir, count, target) {
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  for (let i = 0; i < count; i++) {
    const { name, source } = target(i);
    if (!have.has(name)) symlinkSync(source, path.join(dir, name));
  }
}

function measure(run) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return run().then((result) => {
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { ...result, wallS, cpuS: (cpu.user + cpu.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  });
}

async function converterScenario() {
  const seed = await seedSamples();
  const name = (i) => `r${i}-${path.basename(seed[i % seed.length].image)}`;
  ensureLinks(CACHE, N, (i) => ({ name: name(i), source: seed[i % seed.length].image }));
  const { convertSamples } = await import('../dist/datasets/convert.js');
  async function* samples() {
    for (let i = 0; i < N; i++) yield { ...seed[i % seed.length], image: `${CACHE}/${name(i)}` };
  }
  const out = path.join(OUT, 'converter');
  rmSync(out, { recursive: true, force: true });
  return measure(async () => {
    const report = await convertSamples(samples(), { dataset: `seed-test × ${N / seed.length}`, format: 'voc-quad', root: CACHE }, { out, probeImages: false });
    return { samples: report.samples.total, train: report.samples.train, val: report.samples.val };
  });
}

async function endToEndScenario() {
  const root = path.join(benchDir, '.cache', `convert-voc-${E2E}`);
  if (!existsSync(path.join(root, 'done'))) {
    const xmls = readdirSync(path.join(SEED_TEST, 'Annotations')).sort();
    const images = new Set(readdirSync(path.join(SEED_TEST, 'Images')));
    mkdirSync(path.join(root, 'Annotations'), { recursive: true });
    mkdirSync(path.join(root, 'Images'), { recursive: true });
    for (let i = 0; i < E2E; i++) {
      const xml = xmls[i % xmls.length];
      const stem = xml.replace(/\.xml$/, '');
      const image = images.has(`${stem}.jpg`) ? `${stem}.jpg` : stem;
      writeFileSync(path.join(root, 'Annotations', `r${i}-${xml}`), readFileSync(path.join(SEED_TEST, 'Annotations', xml)));
      symlinkSync(path.join(SEED_TEST, 'Images', image), path.join(root, 'Images', `r${i}-${stem}.jpg`));
    }
    writeFileSync(path.join(root, 'done'), '');
  }
  const { convertDataset } = await import('../dist/datasets/convert.js');
  const out = path.join(OUT, 'end-to-end');
  rmSync(out, { recursive: true, force: true });
  return measure(async () => {
    const report = await convertDataset(root, { out, format: 'voc-quad', probeImages: false });
    return { samples: report.samples.total, train: report.samples.train, val: report.samples.val };
  });
}

const SCENARIOS = { converter: converterScenario, 'end-to-end': endToEndScenario };

if (process.argv[2]) {
  const result = await SCENARIOS[process.argv[2]]();
  console.log(JSON.stringify(result));
} else {
  let failed = false;
  const rows = [];
  for (const [name, runs] of [['converter', REPEATS], ['end-to-end', 1]]) {
    for (let run = 1; run <= runs; run++) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = child.stdout.trim().split('\n').pop();
      if (child.status !== 0 || !line?.startsWith('{')) {
        console.error(`${name}: failed (${child.status})\n${child.stderr}`);
        failed = true;
        continue;
      }
      const r = JSON.parse(line);
      rows.push({ name: runs > 1 ? `${name} #${run}` : name, ...r, perS: r.samples / r.wallS, perCpuS: r.samples / r.cpuS });
    }
  }
  console.log(`load average while running: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on a machine of ${(await import('node:os')).cpus().length} CPUs`);
  console.log('scenario        samples  train/val        wall s   samples/s   CPU s   samples/CPU-s   peak RSS');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(14)} ${String(r.samples).padStart(8)}  ${`${r.train}/${r.val}`.padEnd(13)} ${r.wallS.toFixed(2).padStart(8)} ${Math.round(r.perS).toLocaleString('en').padStart(11)} ${r.cpuS.toFixed(2).padStart(7)} ${Math.round(r.perCpuS).toLocaleString('en').padStart(15)} ${`${Math.round(r.peakRssMb)} MB`.padStart(10)}`,
    );
  }
  const runs = rows.filter((r) => r.name.startsWith('converter'));
  if (runs.length > 0) {
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const perS = median(runs.map((r) => r.perS));
    const perCpuS = median(runs.map((r) => r.perCpuS));
    const rss = Math.max(...runs.map((r) => r.peakRssMb));
    const speed = perS >= TARGET_PER_S ? 'met' : perCpuS >= TARGET_PER_S ? 'met in CPU time only (machine busy?)' : 'NOT met';
    console.log(`converter, median of ${runs.length}: ${Math.round(perS).toLocaleString('en')} samples/s, ${Math.round(perCpuS).toLocaleString('en')} samples/CPU-s, peak RSS ${Math.round(rss)} MB`);
    console.log(`target ≥ ${TARGET_PER_S.toLocaleString('en')} samples/s: ${speed}; peak RSS < ${TARGET_RSS_MB} MB: ${rss < TARGET_RSS_MB ? 'met' : 'NOT met'}`);
  }
  process.exitCode = failed ? 1 : 0;
}
