#!/usr/bin/env node
/**
 * ocrdet's embedded PP-OCRv4 detector against its JS peers and the bare onnxruntime floor, on the 50
 * seed-test images (examples/seed-test), all with the same PP-OCRv4 model files.
 *
 * Each system runs in its own child process (bench/lib/ppocr-systems.js) so its peak RSS is its own. After
 * 2 warm-up images per system, `--passes` passes (default 3) go over every image, and for each image every
 * system runs once, one after another, in an order rotated per image: the machine's drift (up to ~1.8×
 * from minute to minute) hits all systems alike, so only the ratios of one run mean anything. Per system:
 * median and p90 of the per-image median ms, images/s (1000 / mean), peak RSS, P/R/H at IoU 0.5 (ICDAR 2015
 * protocol, src/eval) from the first pass, and start-up (fresh process → first result) from a separate run.
 *
 *   npm run bench -- ppocr            (or: node bench/ppocr.bench.js [--passes 3] [--images 50] [--systems a,b])
 * Results also go to bench/out/ppocr/results.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SEED_TEST } from './lib/seed-test.js';

const here = import.meta.dirname;
const root = path.resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    passes: { type: 'string', default: '3' },
    images: { type: 'string', default: '50' },
    systems: { type: 'string', default: 'floor,floor-ort-defaults,ocrdet-det,ocrdet-detrec,guten-det,guten-detrec,ppu-det,ppu-detrec' },
    data: { type: 'string', default: SEED_TEST },
    'no-startup': { type: 'boolean', default: false },
  },
});
const SYSTEMS = args.systems.split(',');
const WARMUP_IMAGES = 2;
const { scoreImage } = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
const sharp = (await import('sharp')).default;

/** seed-test: Images/*.jpg with VOC quad XML in Annotations/ ("###" or difficult = don't care). */
async function loadSeedTest(dir, limit) {
  const names = readdirSync(path.join(dir, 'Images')).sort().slice(0, limit);
  const images = [];
  for (const name of names) {
    const file = path.join(dir, 'Images', name);
    const meta = await sharp(file).metadata();
    const size = meta.autoOrient ?? { width: meta.width, height: meta.height };
    const xml = readFileSync(path.join(dir, 'Annotations', name.replace(/\.[^.]+$/, '.xml')), 'utf8');
    const gt = [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map(([, body]) => {
      const num = (tag) => Number(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)[1]);
      const ignore = /<difficult>1<\/difficult>/.test(body) || /<name>###<\/name>/.test(body);
      return { points: [0, 1, 2, 3].map((i) => [num(`x${i}`), num(`y${i}`)]), ignore };
    });
    images.push({ name, path: file, width: size.width, height: size.height, gt });
  }
  return images;
}

/** A child process running one system; `call(message)` resolves with its next reply. */
function startChild(system) {
  const child = fork(path.join(here, 'lib/ppocr-systems.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let pending;
  child.on('message', (message) => {
    const p = pending;
    pending = undefined;
    if (message.type === 'failed') p?.reject(new Error(`${system}: ${message.message}`));
    else p?.resolve(message);
  });
  child.on('exit', (code) => pending?.reject(new Error(`${system} exited (${code}): ${stderr.slice(-2000)}`)));
  const call = (message) =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(message);
    });
  return { system, child, call };
}

async function measureStartup(system, image) {
  const started = performance.now();
  const child = startChild(system);
  const ready = await child.call({ type: 'init', system, firstImage: image });
  const wallMs = performance.now() - started;
  await child.call({ type: 'exit' });
  return { wallMs, loadMs: ready.loadMs, firstResultMs: ready.firstResultMs };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo);
}

function accuracy(images, regionsByImage) {
  let matched = 0;
  let gtCare = 0;
  let detCare = 0;
  images.forEach((image, i) => {
    const counts = scoreImage(image.gt, regionsByImage[i] ?? [], { iou: 0.5, areaPrecision: 0.5, match: 'greedy' });
    matched += counts.matched;
    gtCare += counts.gtCare;
    detCare += counts.detCare;
  });
  const precision = detCare ? matched / detCare : 0;
  const recall = gtCare ? matched / gtCare : 0;
  const hmean = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, hmean };
}

async function main() {
  const images = await loadSeedTest(args.data, Number(args.images));
  const passes = Number(args.passes);
  console.log(`ppocr bench: ${images.length} images of ${args.data}, ${passes} passes, systems ${SYSTEMS.join(', ')}`);

  const startup = {};
  if (!args['no-startup']) {
    for (const system of SYSTEMS) startup[system] = await measureStartup(system, images[0]);
  }

  const children = [];
  for (const system of SYSTEMS) {
    const child = startChild(system);
    child.ready = await child.call({ type: 'init', system });
    for (const image of images.slice(0, WARMUP_IMAGES)) await child.call({ type: 'run', image });
    children.push(child);
  }
  const times = Object.fromEntries(SYSTEMS.map((s) => [s, images.map(() => [])]));
  const regions = Object.fromEntries(SYSTEMS.map((s) => [s, []]));
  const errors = Object.fromEntries(SYSTEMS.map((s) => [s, 0]));
  for (let pass = 0; pass < passes; pass++) {
    for (const [i, image] of images.entries()) {
      for (let k = 0; k < children.length; k++) {
        const child = children[(i + pass + k) % children.length];
        const reply = await child.call({ type: 'run', image });
        times[child.system][i].push(reply.ms);
        if (pass === 0) regions[child.system][i] = reply.regions;
        if (pass === 0 && reply.error) errors[child.system]++;
      }
    }
    process.stderr.write(`pass ${pass + 1}/${passes} done\n`);
  }
  const rows = [];
  for (const child of children) {
    const stats = await child.call({ type: 'exit' });
    const perImage = times[child.system].map((t) => quantile([...t].sort((a, b) => a - b), 0.5)).sort((a, b) => a - b);
    const mean = perImage.reduce((a, b) => a + b, 0) / perImage.length;
    rows.push({
      system: child.system,
      medianMs: quantile(perImage, 0.5),
      p90Ms: quantile(perImage, 0.9),
      imagesPerSecond: 1000 / mean,
      peakRssMB: stats.maxRssMB,
      startupMs: startup[child.system]?.wallMs,
      errors: errors[child.system],
      ...(child.system.startsWith('floor') ? {} : accuracy(images, regions[child.system])),
    });
  }
  report(rows);
  const out = path.join(root, 'bench/out/ppocr');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({ date: new Date().toISOString(), passes, images: images.length, rows, startup, times }, null, 1));
}

function report(rows) {
  const f = (v, digits = 0) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
  console.log('\n| system | P | R | H | median ms | p90 ms | images/s | peak RSS MB | start-up ms |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.system} | ${f(r.precision, 3)} | ${f(r.recall, 3)} | ${f(r.hmean, 3)} | ${f(r.medianMs)} | ${f(r.p90Ms)} | ${f(r.imagesPerSecond, 2)} | ${f(r.peakRssMB)} | ${f(r.startupMs)} |` +
        (r.errors ? ` ${r.errors} errors` : ''),
    );
  }
  const by = Object.fromEntries(rows.map((r) => [r.system, r]));
  const ratio = (a, b) => (by[a] && by[b] ? (by[a].medianMs / by[b].medianMs).toFixed(2) : '—');
  const peers = rows.filter((r) => /^(guten|ppu)-detrec$/.test(r.system)).sort((a, b) => a.medianMs - b.medianMs);
  console.log('\nratios (medians, this run):');
  console.log(`  ocrdet det-only / floor            ${ratio('ocrdet-det', 'floor')}   (target ≤ 1.15)`);
  if (peers[0]) console.log(`  ocrdet det+rec / ${peers[0].system.padEnd(17)} ${ratio('ocrdet-detrec', peers[0].system)}   (fastest peer det+rec; target ≤ 0.6)`);
  for (const peer of ['guten-det', 'ppu-det']) if (by[peer]) console.log(`  ocrdet det-only / ${peer.padEnd(15)} ${ratio('ocrdet-det', peer)}`);
  const ours = rows.filter((r) => r.system.startsWith('ocrdet'));
  const others = rows.filter((r) => /^(guten|ppu)/.test(r.system));
  if (ours.length && others.length) {
    const maxOurs = Math.max(...ours.map((r) => r.peakRssMB));
    const minPeer = Math.min(...others.map((r) => r.peakRssMB));
    console.log(`  peak RSS: ocrdet max ${maxOurs.toFixed(0)} MB vs peers' min ${minPeer.toFixed(0)} MB (target: ≤ every peer)`);
  }
}

await main();
