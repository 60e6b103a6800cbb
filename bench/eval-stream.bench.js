/**
 * Streaming: reading a dataset, and evaluating it, must not hold the whole set in memory. seed-test
 * (examples/seed-test, 50 images) is repeated 1×, 10× and 100× (hard links: no copies) as one voc-quad
 * set, then read by `readDataset` and scored by the `ocrdet eval` CLI against its own regions, each in a fresh
 * process. Peak RSS should stay flat while the number of images grows 100-fold (what does grow is small:
 * eval keeps one line of counts per image and the predictions' polygons, which it must index by image).
 * Env: OCRDET_BENCH_STREAM_COPIES (default "1,10,100").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../dist/datasets/index.js';
import { SEED_TEST } from './lib/seed-test.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedTest = SEED_TEST;
const outDir = path.join(here, 'out', 'eval-stream');
const bin = path.join(here, '..', 'bin', 'ocrdet.js');
const copies = (process.env.OCRDET_BENCH_STREAM_COPIES ?? '1,10,100').split(',').map(Number);

function link(from, to) {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to); // another file system: copy
  }
}

// The seed-test regions once, as predictions to repeat for every copy.
const selfRegions = [];
for await (const sample of readDataset(seedTest, { probeImages: false })) {
  selfRegions.push({ name: path.basename(sample.image), regions: sample.regions.map((r) => ({ points: r.points })) });
}

function buildCopy(count) {
  const dir = path.join(outDir, `x${count}`);
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['Images', 'Annotations']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
    for (const name of readdirSync(path.join(seedTest, sub))) {
      for (let k = 0; k < count; k++) link(path.join(seedTest, sub, name), path.join(dir, sub, `c${k}_${name}`));
    }
  }
  const lines = [];
  for (let k = 0; k < count; k++) {
    for (const s of selfRegions) lines.push(JSON.stringify({ image: `Images/c${k}_${s.name}`, regions: s.regions }));
  }
  writeFileSync(path.join(dir, 'self.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

function evalCli(dir) {
  const args = [bin, 'eval', '--gt', dir, '--pred', path.join(dir, 'self.jsonl'), '--json'];
  const started = performance.now();
  const child = existsSync('/usr/bin/time')
    ? spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  const rss = /peak-rss-kb (\d+)/.exec(child.stderr ?? '');
  const json = child.stdout ? JSON.parse(child.stdout) : {};
  return { seconds, hmean: json.hmean, images: json.images, peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : undefined };
}

console.log('copies  images  regions  read s   read peak RSS   eval s   eval hmean   eval peak RSS');
for (const count of copies) {
  const dir = buildCopy(count);
  const child = spawnSync(process.execPath, [path.join(here, 'lib', 'read-dataset-child.js'), dir], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`reading ${dir} failed: ${child.stderr}`);
  const read = JSON.parse(child.stdout.trim().split('\n').pop());
  const ev = evalCli(dir);
  console.log(
    [
      String(count).padStart(6),
      String(read.samples).padStart(7),
      String(read.regions).padStart(8),
      read.seconds.toFixed(2).padStart(7),
      `${read.peakRssMb} MB`.padStart(15),
      ev.seconds.toFixed(2).padStart(8),
      (ev.hmean ?? NaN).toFixed(4).padStart(12),
      (ev.peakRssMb ? `${ev.peakRssMb} MB` : 'n/a').padStart(15),
    ].join(' '),
  );
}
