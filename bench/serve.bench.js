#!/usr/bin/env node
/**
 * `ocrdet serve` under the load of issue 14, with the embedded detector (ppocr, text on), each server in its
 * own process on loopback. Two servers in the same run: ocrdet's defaults, and the same server with its limits
 * lifted ("no limits": --queue 100000 --max-connections 100000 and Node's own timeouts, the detector in the main
 * thread), which is how `serve` behaved before. Memory is the server process's own (VmRSS / VmHWM of
 * /proc/PID/status, Linux).
 *
 *  1. burst: 40 uploads of a 20 MB PNG at once (a seed-test photo enlarged to 5000×3750): answers, peak RSS,
 *     RSS 10 s after, against the idle RSS before;
 *  2. 64 uploads of a real photo at once: how many get 503 (and how fast);
 *  3. clients that give up after 1 s: how many of their images were detected anyway;
 *  4. 300 slow connections (headers sent a byte every 5 s): how many the server still holds after 3 s and 15 s;
 *  5. GET /healthz every 100 ms while the server is busy: its latency with the detector in a worker (default)
 *     and in the main thread (--workers 0).
 *
 *   npm run bench -- serve            (or: node bench/serve.bench.js)
 * Results also go to bench/out/serve/results.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { SEED_TEST } from './lib/seed-test.js';

const root = path.resolve(import.meta.dirname, '..');
const PHOTO = readFileSync(path.join(SEED_TEST, 'Images', 'MSRA_TD500_IMG_0769.jpg'));
const NO_LIMITS = ['--queue', '100000', '--max-connections', '100000', '--headers-timeout', '60', '--body-timeout', '3600', '--request-timeout', '300', '--workers', '0'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => Math.round(bytes / 1e6);

/** A serve process; `memory()` reads its VmRSS and VmHWM. */
async function startServe(flags) {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'ocrdet.js'), 'serve', '--port', '0', '-q', ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const address = await new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      const match = / at (http:\/\/[\d.]+:\d+)\//.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
  const memory = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  };
  return { address, memory, close: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

/** One POST; resolves with the status (or 'reset'), `gaveUp` when it destroyed itself after `abortAfterMs`. */
function post(address, body, type, abortAfterMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(`${address}/v1/detect`, { method: 'POST', headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
      res.on('error', () => resolve({ status: 'reset', ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: abortAfterMs ? 'gave up' : 'reset', ms: performance.now() - started }));
    req.end(body);
    if (abortAfterMs) setTimeout(() => req.destroy(), abortAfterMs);
  });
}

const tally = (answers) => answers.reduce((counts, a) => ((counts[a.status] = (counts[a.status] ?? 0) + 1), counts), {});

async function metric(address, name) {
  const text = await (await fetch(`${address}/metrics`)).text();
  return Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

async function burst(flags, big) {
  const server = await startServe(flags);
  await post(server.address, PHOTO, 'image/jpeg');
  await sleep(2000);
  const idle = server.memory().rss;
  let peak = idle;
  const watch = setInterval(() => (peak = Math.max(peak, server.memory().rss)), 100);
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: 40 }, () => post(server.address, big, 'image/png')));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(watch);
  await sleep(10_000);
  const { rss: after, hwm } = server.memory();
  await server.close();
  return { idle, peak: Math.max(peak, hwm), after, seconds, answers: tally(answers) };
}

async function manyAtOnce(flags) {
  const server = await startServe(flags);
  await post(server.address, PHOTO, 'image/jpeg');
  const answers = await Promise.all(Array.from({ length: 64 }, () => post(server.address, PHOTO, 'image/jpeg')));
  const refused = answers.filter((a) => a.status === 503).map((a) => a.ms).sort((a, b) => a - b);
  await server.close();
  return { answers: tally(answers), refusedMedianMs: refused[Math.floor(refused.length / 2)], refusedMaxMs: refused.at(-1) };
}

async function quitters(flags) {
  const server = await startServe(flags);
  await post(server.address, PHOTO, 'image/jpeg');
  const before = await metric(server.address, 'ocrdet_images_total{outcome="done"}');
  const answers = await Promise.all(Array.from({ length: 58 }, () => post(server.address, PHOTO, 'image/jpeg', 1000)));
  await sleep(1000);
  // Wait until the server has nothing left in flight, then read how many images it detected.
  while ((await metric(server.address, 'ocrdet_in_flight')) > 0 || (await metric(server.address, 'ocrdet_queue_depth')) > 0) await sleep(500);
  const done = (await metric(server.address, 'ocrdet_images_total{outcome="done"}')) - before;
  const dropped = await metric(server.address, 'ocrdet_images_total{outcome="dropped"}');
  await server.close();
  return { answers: tally(answers), detected: done, dropped };
}

async function slowConnections(flags) {
  const server = await startServe(flags);
  const { hostname, port } = new URL(server.address);
  const sockets = [];
  let open = 0;
  const header = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ';
  for (let i = 0; i < 300; i++) {
    const socket = connect(Number(port), hostname);
    open++;
    socket.on('error', () => undefined);
    socket.on('close', () => open--);
    socket.resume(); // read what comes back, so that the server's close is seen
    socket.on('connect', () => socket.write(header));
    sockets.push(socket);
  }
  const trickle = setInterval(() => sockets.forEach((s) => s.writable && s.write('a')), 5000);
  await sleep(3000);
  const after3 = open;
  await sleep(12_000);
  const after15 = open;
  clearInterval(trickle);
  sockets.forEach((s) => s.destroy());
  await server.close();
  return { after3, after15 };
}

async function healthUnderLoad(flags) {
  const server = await startServe(flags);
  await post(server.address, PHOTO, 'image/jpeg');
  let stop = false;
  let detected = 0;
  const load = (async () => {
    while (!stop) detected += (await Promise.all([0, 1, 2].map(() => post(server.address, PHOTO, 'image/jpeg')))).filter((a) => a.status === 200).length;
  })();
  const latencies = [];
  const started = performance.now();
  while (performance.now() - started < 20_000) {
    const t = performance.now();
    await (await fetch(`${server.address}/healthz`)).text();
    latencies.push(performance.now() - t);
    await sleep(100);
  }
  stop = true;
  await load;
  await server.close();
  latencies.sort((a, b) => a - b);
  const q = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
  return { p50: q(0.5), p99: q(0.99), max: Math.round(latencies.at(-1)), imagesPerSecond: detected / ((performance.now() - started) / 1000) };
}

console.log(`serve bench: ppocr (text on), ${availableParallelism()} CPU(s), load average ${loadavg()[0].toFixed(1)}, Node ${process.version}`);
const enlarged = await sharp(PHOTO).resize(5000, 3750).png({ compressionLevel: 1 }).toBuffer();
console.log(`the 20 MB upload: the photo enlarged to 5000×3750, PNG of ${(enlarged.length / 1e6).toFixed(1)} MB`);
const results = {};

for (const [name, flags] of [['defaults', []], ['no limits', NO_LIMITS]]) {
  const r = (results[`burst ${name}`] = await burst(flags, enlarged));
  console.log(`1. burst, ${name.padEnd(9)}: ${JSON.stringify(r.answers)} in ${r.seconds.toFixed(0)} s; RSS idle ${mb(r.idle)} MB, peak ${mb(r.peak)} MB, 10 s after ${mb(r.after)} MB`);
}
for (const [name, flags] of [['defaults', []], ['no limits', NO_LIMITS]]) {
  const r = (results[`64 at once ${name}`] = await manyAtOnce(flags));
  console.log(`2. 64 at once, ${name.padEnd(9)}: ${JSON.stringify(r.answers)}${r.refusedMedianMs !== undefined ? `; 503 after ${Math.round(r.refusedMedianMs)} ms median, ${Math.round(r.refusedMaxMs)} ms at most` : ''}`);
}
for (const [name, flags] of [['defaults', []], ['no limits', NO_LIMITS]]) {
  const r = (results[`quitters ${name}`] = await quitters(flags));
  console.log(`3. 58 clients giving up after 1 s, ${name.padEnd(9)}: ${JSON.stringify(r.answers)}; detected anyway ${r.detected}, dropped ${r.dropped}`);
}
for (const [name, flags] of [['defaults', []], ['no limits', NO_LIMITS]]) {
  const r = (results[`slow ${name}`] = await slowConnections(flags));
  console.log(`4. 300 slow connections, ${name.padEnd(9)}: held after 3 s ${r.after3}, after 15 s ${r.after15}`);
}
for (const [name, flags] of [['worker (default)', []], ['main thread', ['--workers', '0']], ['worker (default)', []], ['main thread', ['--workers', '0']]]) {
  const r = await healthUnderLoad(flags);
  (results[`healthz ${name}`] ??= []).push(r);
  console.log(`5. /healthz while busy, ${name.padEnd(16)}: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; ${r.imagesPerSecond.toFixed(2)} images/s`);
}
mkdirSync(path.join(root, 'bench', 'out', 'serve'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'out', 'serve', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const defaults = results['burst defaults'];
const ok = defaults.peak < 1e9;
console.log(ok ? `\ntarget met: the burst's peak stays under 1 GB with the defaults (${mb(defaults.peak)} MB)` : `\nMISSED: burst peak ${mb(defaults.peak)} MB with the defaults (target under 1000 MB)`);
process.exitCode = ok ? 0 : 1;
