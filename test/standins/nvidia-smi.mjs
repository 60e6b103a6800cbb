// STAND-IN for nvidia-smi --query-gpu: prints the recorded CSV in $STANDIN_GPUS_CSV (a real query's
// output, with header and units, see test/fixtures/README.md), honouring --query-gpu's column choice
// and --format's noheader / nounits the way nvidia-smi does. $STANDIN_GPUS_FAIL makes it fail like a
// machine without a working driver.
import { readFileSync } from 'node:fs';
import { record } from './lib.mjs';

record('nvidia-smi');
if (process.env.STANDIN_GPUS_FAIL) {
  process.stdout.write('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n');
  process.exit(9);
}
const query = process.argv.find((a) => a.startsWith('--query-gpu='))?.slice('--query-gpu='.length).split(',') ?? [];
const format = process.argv.find((a) => a.startsWith('--format='))?.slice('--format='.length).split(',') ?? [];
const [header, ...rows] = readFileSync(process.env.STANDIN_GPUS_CSV, 'utf8').trim().split('\n');
const columns = header.split(',').map((c) => c.trim().replace(/ \[.*\]$/, ''));
const pick = query.map((q) => columns.indexOf(q));
if (pick.some((i) => i < 0)) {
  process.stdout.write(`Field "${query[pick.findIndex((i) => i < 0)]}" is not a valid field to query.\n`);
  process.exit(2);
}
const lines = [];
if (!format.includes('noheader')) lines.push(pick.map((i) => header.split(',')[i].trim()).join(', '));
for (const row of rows) {
  const fields = row.split(',').map((f) => f.trim());
  lines.push(pick.map((i) => (format.includes('nounits') ? fields[i].replace(/ MiB$/, '') : fields[i])).join(', '));
}
process.stdout.write(`${lines.join('\n')}\n`);
