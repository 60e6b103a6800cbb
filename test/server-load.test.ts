/**
 * `ocrdet serve` under load, as users start it (the real executable, bin/ocrdet.js → dist/), on loopback only,
 * with every burst bounded: a full queue answers 503 with Retry-After before reading the body; a request whose
 * client gave up while it waited is never sent to the model; slow headers, a body that stops and too many
 * connections are cut; memory after a burst of uploads comes back near where it was; /metrics counts it all.
 * The model server is a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js) whose
 * answer time the test sets, so which requests wait and which run is known.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type DoubleOptions, type OpenAiDouble } from './helpers/openai-double.js';

const ANSWER = '<ref>SALE</ref><box>[[100, 100, 400, 200]]</box>';
let work: string;
let photo: Buffer;
let model: OpenAiDouble | undefined;
let serve: ChildProcess | undefined;

beforeAll(async () => {
  assertBuilt(['cli/serve', 'server/app', 'server/queue', 'server/limits', 'server/metrics']);
  work = mkdtempSync(join(tmpdir(), 'ocrdet-serve-load-'));
  photo = await solidJpeg(640, 480);
  return () => rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  serve?.kill('SIGTERM');
  await new Promise((resolve) => (serve && serve.exitCode === null ? serve.once('exit', resolve) : resolve(undefined)));
  serve = undefined;
  await model?.close();
  model = undefined;
});

/** `ocrdet serve --backend vlm` in front of the double, on a free port; resolves with its address. */
async function startServe(flags: string[], double: DoubleOptions = {}): Promise<string> {
  model = await startOpenAiDouble({ answer: () => ANSWER, record: false, ...double });
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '-q', '--backend', 'vlm', '--base-url', model.url, '--model', 'ocrdet-test-model', ...flags], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  serve = child;
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const address = / at (http:\/\/[\d.]+:\d+)\//.exec(stderr)?.[1];
      if (address) resolve(address);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One POST of `body` as an image; `abortAfterMs` gives up (destroys the connection) that long after sending. */
function post(address: string, body: Buffer, options: { abortAfterMs?: number; contentType?: string } = {}): Promise<Answer | 'gave up' | 'reset'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${address}/v1/detect`, { method: 'POST', headers: { 'content-type': options.contentType ?? 'image/jpeg', 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', () => resolve('reset'));
    });
    req.on('error', () => resolve(options.abortAfterMs ? 'gave up' : 'reset'));
    req.end(body);
    if (options.abortAfterMs) setTimeout(() => req.destroy(), options.abortAfterMs);
  });
}

async function metrics(address: string): Promise<string> {
  return (await fetch(`${address}/metrics`)).text();
}

const metric = (text: string, name: string): number => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('ocrdet serve holds its load', () => {
  it('beyond --concurrency + --queue, requests get 503 with Retry-After at once; the admitted ones are answered', async () => {
    const address = await startServe(['--concurrency', '2', '--queue', '2'], { latencyMs: 600 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(address, photo)));
    const statuses = answers.map((a) => (typeof a === 'string' ? a : a.status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 503)).toHaveLength(8);
    const refused = answers.find((a): a is Answer => typeof a !== 'string' && a.status === 503)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'OCRDET_SERVER', message: expect.stringMatching(/^busy: 2 images being detected and \d waiting/) });
    expect(model!.stats.chatRequests).toBe(4);
    const text = await metrics(address);
    expect(metric(text, 'ocrdet_images_total{outcome="done"}')).toBe(4);
    expect(metric(text, 'ocrdet_images_total{outcome="refused"}')).toBe(8);
    expect(metric(text, 'ocrdet_http_requests_total{route="/v1/detect",method="POST",status="503"}')).toBe(8);
    expect(text).toMatch(/^ocrdet_http_request_duration_seconds_bucket\{le="1",route="\/v1\/detect"\} \d+$/m);
    expect(metric(text, 'ocrdet_queue_depth')).toBe(0);
    expect(metric(text, 'process_resident_memory_bytes')).toBeGreaterThan(10e6);
  });

  it('a request whose client gave up while it waited is dropped, never sent to the model', async () => {
    // Images 700 px wide take the model 1.5 s; the others 100 ms.
    const address = await startServe(['--concurrency', '1', '--queue', '4'], { latencyMs: (request) => (request.image?.width === 700 ? 1500 : 100) });
    const long = post(address, await solidJpeg(700, 480));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quitters = Array.from({ length: 3 }, () => post(address, photo, { abortAfterMs: 300 }));
    const patient = post(address, await solidJpeg(660, 480));
    expect(await Promise.all(quitters)).toEqual(['gave up', 'gave up', 'gave up']);
    // They left the line at once: while the long one still runs, only the patient one waits.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(metric(await metrics(address), 'ocrdet_queue_depth')).toBe(1);
    const [first, last] = await Promise.all([long, patient]);
    expect([first, last].map((a) => (typeof a === 'string' ? a : a.status))).toEqual([200, 200]);
    expect(model!.stats.chatRequests).toBe(2);
    const text = await metrics(address);
    expect(metric(text, 'ocrdet_images_total{outcome="dropped"}')).toBe(3);
    expect(metric(text, 'ocrdet_images_total{outcome="done"}')).toBe(2);
    // Their requests are counted as 499 (client closed request), though no answer could be sent.
    expect(text).toMatch(/^ocrdet_http_requests_total\{[^}]*status="499"[^}]*\} 3$/m);
  });

  it('Content-Type with parameters (image/jpeg; charset=utf-8) is taken as image/jpeg', async () => {
    const address = await startServe([]);
    const answer = await post(address, photo, { contentType: 'image/jpeg; charset=utf-8' });
    expect(typeof answer !== 'string' && answer.status).toBe(200);
  });

  it('memory stays flat: a burst of 128 uploads of 2 MB takes no more than a burst of 16 (the surplus is refused unread)', async () => {
    const address = await startServe(['--concurrency', '2', '--queue', '6', '--max-connections', '256'], { latencyMs: 100 });
    // A 2 MB JPEG (noise does not compress), 1600×1200: the model is sent a smaller copy.
    const noise = Buffer.alloc(1600 * 1200 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const big = await (await import('sharp')).default(noise, { raw: { width: 1600, height: 1200, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    expect(big.length).toBeGreaterThan(1.5e6);
    const rss = async () => metric(await metrics(address), 'process_resident_memory_bytes');
    for (let i = 0; i < 4; i++) await post(address, big);
    const before = await rss();
    const peakOf = async (uploads: number) => {
      let peak = await rss();
      const watch = setInterval(() => void rss().then((value) => (peak = Math.max(peak, value)), () => undefined), 25);
      const answers = await Promise.all(Array.from({ length: uploads }, () => post(address, big)));
      clearInterval(watch);
      expect(answers.filter((a) => typeof a !== 'string' && a.status === 200).length).toBeGreaterThanOrEqual(8);
      return peak;
    };
    const small = await peakOf(16);
    const large = await peakOf(128);
    const mb = (bytes: number) => Math.round(bytes / 1e6);
    const said = `before ${mb(before)} MB, peak with 16 uploads ${mb(small)} MB, with 128 ${mb(large)} MB`;
    // 8 bodies are admitted at a time whatever the burst: 112 more uploads held would be 224 MB more.
    expect(mb(large - small), said).toBeLessThan(100);
    expect(mb(large - before), said).toBeLessThan(250);
  }, 60_000);
});

describe('ocrdet serve cuts slow and surplus connections', () => {
  /** A raw socket: what it was sent back, and when it was closed (ms after opening). */
  function rawClient(address: string, send: string): Promise<{ reply: string; closedAfterMs: number }> {
    const { hostname, port } = new URL(address);
    return new Promise((resolve) => {
      const started = performance.now();
      let reply = '';
      const socket = connect(Number(port), hostname, () => socket.write(send));
      socket.setEncoding('utf8').on('data', (chunk: string) => (reply += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ reply, closedAfterMs: performance.now() - started }));
    });
  }

  it('headers that never finish, and a body that stops, are ended with 408', async () => {
    const address = await startServe(['--headers-timeout', '1', '--body-timeout', '1', '--request-timeout', '5']);
    const [headers, body] = await Promise.all([
      rawClient(address, 'POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n'),
      rawClient(address, 'POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n0123456789'),
    ]);
    expect(headers.reply).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(body.reply).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    // In ocrdet's error shape, as every other error of the server.
    const bodyOf = (reply: string) => JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
    expect(bodyOf(headers.reply)).toEqual({ code: 'OCRDET_USAGE', message: expect.stringContaining('did not arrive in time (--headers-timeout') });
    expect(bodyOf(body.reply)).toEqual({ code: 'OCRDET_USAGE', message: 'the request body stopped coming (--body-timeout)' });
    // Each within its limit and the second-long check of the timeouts, far from Node's 60 s / 300 s defaults.
    for (const closed of [headers, body]) expect(closed.closedAfterMs).toBeLessThan(4000);
  });

  it('stops at once on SIGTERM though a browser holds a connection it never used and an idle keep-alive one', async () => {
    const address = await startServe([]);
    const { hostname, port } = new URL(address);
    // As a browser does: a connection opened ahead of a request it never sends (Node stops timing its headers once
    // the server closes, so nothing else would end it), and one kept alive after its answer.
    const unused = connect(Number(port), hostname);
    const kept = connect(Number(port), hostname, () => kept.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    kept.setEncoding('utf8');
    await new Promise<void>((resolve) => kept.on('data', (chunk: string) => chunk.includes('"status"') && resolve()));
    for (const socket of [unused, kept]) socket.on('error', () => undefined);
    const started = performance.now();
    const exited = new Promise<number | null>((resolve) => serve!.once('exit', (code) => resolve(code)));
    serve!.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Well under the header timeout (10 s) and the keep-alive timeout (72 s) that would otherwise end them.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('connections beyond --max-connections are closed as they arrive', async () => {
    const address = await startServe(['--max-connections', '4', '--headers-timeout', '3', '--request-timeout', '5']);
    const clients = Array.from({ length: 7 }, () => rawClient(address, 'GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    const results = await Promise.all(clients);
    const cutAtOnce = results.filter((r) => r.reply === '' && r.closedAfterMs < 1000);
    expect(cutAtOnce).toHaveLength(3);
    expect(results.filter((r) => /^HTTP\/1\.1 408/.test(r.reply))).toHaveLength(4);
  });
});
