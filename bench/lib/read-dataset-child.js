/**
 * Child process for the streaming benchmark: reads a dataset with ocrdet's readDataset (image headers probed,
 * as `ocrdet data stats` does), holding nothing but counters, and prints one JSON line with its peak RSS.
 * Usage: node bench/lib/read-dataset-child.js DATASET
 */
import { readDataset } from '../../dist/datasets/index.js';

const started = performance.now();
let samples = 0;
let regions = 0;
let problems = 0;
for await (const sample of readDataset(process.argv[2], { onProblem: () => problems++ })) {
  samples++;
  regions += sample.regions.length;
}
const seconds = (performance.now() - started) / 1000;
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ samples, regions, problems, seconds, peakRssMb }));
