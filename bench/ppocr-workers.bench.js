#!/usr/bin/env node
/**
 * "More cores": the embedded detector (det + rec) in the calling thread against N worker threads, each with its
 * own sessions (src/detectors/workers.ts), on seed-test photos through the batch engine. Each configuration
 * runs in its own process (its peak RSS is its own), after one warm-up image; the configurations take turns,
 * round after round (order rotated), so that the machine's drift hits all alike: read the ratios, not the
 * images/s. On a machine shared with other work, more threads than free cores slow every thread down.
 *
 *   npm run bench -- ppocr-workers        (or: node bench/ppocr-workers.bench.js [--rounds 3] [--images 12])
 */
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SEED_TEST } from './lib/seed-test.js';

const here = import.meta.dirname;
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, images: { type: 'string', default: '12' }, child: { type: 'string' } } });

/** name → [detector options, batch concurrency]. */
const CONFIGS = {
  'calling thread, 2 threads, 2 in flight (detect default)': [{ intraOpThreads: 2 }, 2],
  'calling thread, 1 thread, 2 in flight': [{ intraOpThreads: 1 }, 2],
  '1 worker, 2 threads, 1 in flight (serve default)': [{ workers: 1, intraOpThreads: 2 }, 1],
  '1 worker, 2 threads, 2 in flight': [{ workers: 1, intraOpThreads: 2 }, 2],
  '2 workers, 1 thread each, 2 in flight': [{ workers: 2, intraOpThreads: 1 }, 2],
  '2 workers, 2 threads each, 2 in flight': [{ workers: 2, intraOpThreads: 2 }, 2],
};

if (args.child) {
  // One run of one configuration: warm up, then the images; report images/s and peak RSS.
  const { createDetector, runBatch } = await import('../dist/index.js');
  const [options, concurrency] = CONFIGS[args.child];
  const dir = path.join(SEED_TEST, 'Images');
  const images = readdirSync(dir).sort().slice(0, Number(args.images)).map((name) => ({ path: path.join(dir, name), relativePath: name }));
  const detector = await createDetector(options);
  await detector.detect(images[0].path);
  const started = performance.now();
  const summary = await runBatch({ images, detector, concurrency });
  const seconds = (performance.now() - started) / 1000;
  await detector.close();
  process.send({ perSecond: summary.done / seconds, failed: summary.failed, peakRss: process.resourceUsage().maxRSS * 1024 });
  process.exit(0);
}

function runChild(name) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, 'ppocr-workers.bench.js'), ['--child', name, '--images', args.images], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', resolve);
    child.once('exit', (code) => code !== 0 && reject(new Error(`${name}: exit ${code}`)));
  });
}

const names = Object.keys(CONFIGS);
const results = Object.fromEntries(names.map((name) => [name, []]));
console.log(`ppocr in worker threads: ${args.images} seed-test images (det + rec), ${args.rounds} rounds, ${availableParallelism()} CPU(s), load average ${loadavg()[0].toFixed(1)}, Node ${process.version}`);
for (let round = 0; round < Number(args.rounds); round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    results[name].push(await runChild(name));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(results[names[0]].map((r) => r.perSecond));
console.log('\nconfiguration                                              images/s (each round)      median vs default   peak RSS');
for (const name of names) {
  const rates = results[name].map((r) => r.perSecond);
  const rss = Math.max(...results[name].map((r) => r.peakRss));
  console.log(`${name.padEnd(58)} ${rates.map((v) => v.toFixed(2)).join(' / ').padEnd(26)} ${(median(rates) / base).toFixed(2)}×`.padEnd(104) + `${Math.round(rss / 1e6)} MB`);
}
console.log(`\nload average now ${loadavg()[0].toFixed(1)}`);
