#!/usr/bin/env node
/**
 * The benchmark runner behind `npm run bench` (which builds first): runs every bench/*.bench.js, or only the
 * ones named on the command line (`node bench/run.js eval` or `bench/eval.bench.js`), one after another,
 * each in its own Node process so that timings and peak memory do not leak between them. Each bench file
 * prints its own table to stdout; this runner adds a header per file and a summary, and exits 1 if any
 * bench failed. Bench files import the build (dist/) or run the CLI (bin/ocrdet.js).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const all = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.js'))
  .sort();

function pick(args) {
  if (args.length === 0) return all;
  const chosen = [];
  for (const arg of args) {
    const base = path.basename(arg);
    const match = all.find((name) => name === base || name === `${base}.bench.js` || name === `${base}.js`);
    if (!match) {
      console.error(`bench: no bench file "${arg}"; known: ${all.join(', ')}`);
      process.exit(2);
    }
    chosen.push(match);
  }
  return chosen;
}

const summary = [];
for (const name of pick(process.argv.slice(2))) {
  console.log(`\n== ${name} ==`);
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(benchDir, name)], { stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const status = child.status ?? (child.signal ? `signal ${child.signal}` : 'unknown');
  summary.push({ name, status, seconds });
}

console.log('\n== summary ==');
for (const { name, status, seconds } of summary) {
  console.log(`${name.padEnd(32)} ${status === 0 ? 'ok    ' : `FAILED (${status})`} ${seconds.toFixed(1).padStart(7)} s`);
}
process.exitCode = summary.every((s) => s.status === 0) ? 0 : 1;
