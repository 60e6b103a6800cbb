/**
 * Several model servers at once (src/detectors/vlm/servers.ts), against PROTOCOL DOUBLES of an
 * OpenAI-compatible server (test/helpers/openai-double.js: real HTTP on 127.0.0.1, real chat-completions
 * bodies) replaying a real recorded InternVL answer: requests go to the least busy server; a server that
 * refuses connections, keeps failing or goes away mid-run is set aside and its requests are done by the
 * others; every image ends exactly once, with the regions the answer gives; the health and the closing lines
 * name each server.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { runBatch, type BatchSummary } from '../src/batch/run.js';
import { ModelClient } from '../src/detectors/vlm/client.js';
import { createVlmDetector, type VlmDetection, type VlmOptions } from '../src/detectors/vlm/index.js';
import { ServerPool } from '../src/detectors/vlm/servers.js';
import { getDialect } from '../src/grounding/index.js';
import { buildServer } from '../src/server/app.js';
import { runHere } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type DoubleOptions, type OpenAiDouble } from './helpers/openai-double.js';

const realAnswers = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const ANSWER = realAnswers.internvl2.find((a) => a.id === 'doc-v3det')!.answer;
const internvl = getDialect('internvl2');
const work = mkdtempSync(join(tmpdir(), 'ocrdet-vlm-servers-'));

let doubles: OpenAiDouble[] = [];
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(doubles.map((d) => d.close().catch(() => undefined)));
  doubles = [];
});

async function start(count: number, options: (i: number) => DoubleOptions = () => ({})): Promise<OpenAiDouble[]> {
  for (let i = 0; i < count; i++) doubles.push(await startOpenAiDouble({ answer: () => ANSWER, record: false, ...options(i) }));
  return doubles;
}

/** Images of distinct widths (600, 602, …): each answer's regions depend on the image's own size. */
async function images(count: number, prefix: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const path = join(work, `${prefix}-${i}.jpg`);
      writeFileSync(path, await solidJpeg(600 + 2 * i, 400, [i % 255, 120, 160]));
      return path;
    }),
  );
}

const options = (servers: OpenAiDouble[], extra: Partial<VlmOptions> = {}): VlmOptions => ({ baseUrl: servers.map((s) => s.url), model: 'ocrdet-test-model', retryBaseMs: 10, retryMaxMs: 40, ...extra });

async function batch(paths: string[], vlmOptions: VlmOptions, concurrency?: number): Promise<{ summary: BatchSummary; results: VlmDetection[]; summaryLines: string[] }> {
  const detector = await createVlmDetector(vlmOptions);
  const results: VlmDetection[] = [];
  try {
    const summary = await runBatch({ images: paths.map((path) => ({ path, relativePath: path })), detector, ...(concurrency ? { concurrency } : {}), onDetection: (d) => void results.push(d as VlmDetection) });
    return { summary, results, summaryLines: detector.summary() };
  } finally {
    await detector.close();
  }
}

/** Each image once, in input order, with the regions the answer gives for its size, no error. */
function expectEachOnceWithRegions(paths: string[], results: VlmDetection[]): void {
  expect(results.map((r) => r.image)).toEqual(paths);
  results.forEach((result, i) => {
    expect(result.error, result.image).toBeUndefined();
    expect(result.regions).toEqual(internvl.parse(ANSWER, { width: 600 + 2 * i, height: 400 }).regions);
  });
}

describe('requests go to the least busy server', () => {
  it('a server 40× faster than the other gets most of the requests (round robin would give each half)', async () => {
    const [fast, slow] = await start(2, (i) => ({ latencyMs: i === 0 ? 10 : 400 }));
    const paths = await images(48, 'least-busy');
    const { results, summary } = await batch(paths, options([fast, slow]), 8);
    expectEachOnceWithRegions(paths, results);
    expect(fast.stats.completed + slow.stats.completed).toBe(48);
    expect(fast.stats.completed).toBeGreaterThan(2 * slow.stats.completed);
    expect(summary.counters).toMatchObject({ requests: 48 });
  });

  it('with several servers a batch keeps 8 images in flight per server unless told otherwise', async () => {
    const servers = await start(3, () => ({ latencyMs: 50 }));
    const detector = await createVlmDetector(options(servers));
    expect(detector.defaultConcurrency).toBe(24);
    const paths = await images(48, 'per-server');
    await runBatch({ images: paths.map((path) => ({ path, relativePath: path })), detector });
    await detector.close();
    expect(servers.reduce((sum, s) => sum + s.stats.maxInFlight, 0)).toBeGreaterThan(8);
    expect(servers.reduce((sum, s) => sum + s.stats.maxInFlight, 0)).toBeLessThanOrEqual(24);
  });
});

describe('a server that fails is set aside, and its requests done by the others', () => {
  it('one refuses connections from the start: every image done once by the other two; it is tried at most once per slot, then set aside', async () => {
    const [a, b, c] = await start(3, () => ({ latencyMs: 10 }));
    await c.goDown();
    const paths = await images(60, 'refused');
    const { results, summary, summaryLines } = await batch(paths, options([a, b, c]), 9);
    expectEachOnceWithRegions(paths, results);
    expect(summary).toMatchObject({ done: 60, failed: 0 });
    expect(a.stats.completed + b.stats.completed).toBe(60);
    const down = summaryLines.find((line) => line.includes(c.url))!;
    const tried = Number(/: (\d+) requests?/.exec(down)?.[1]);
    expect(tried).toBeGreaterThan(0);
    expect(tried).toBeLessThanOrEqual(3); // the requests already sent to it when the first refusal came back
    expect(down).toMatch(new RegExp(`^server ${c.url}: ${tried} requests?, ${tried} failed, set aside once \\(last: connection failed`));
    expect(summaryLines).toHaveLength(3);
    // Handing over is a retry (without the wait): counted, and said in the images it happened to.
    expect(summary.counters.retries).toBe(tried);
  });

  it('one answers 500 to everything: set aside after 3 failures in a row; the images are done by the other', async () => {
    const [good, bad] = await start(2, () => ({ latencyMs: 10 }));
    bad.faultFor = () => ({ kind: 'status', status: 500, message: 'CUDA out of memory' });
    const paths = await images(40, 'five-hundreds');
    const { results, summaryLines } = await batch(paths, options([good, bad]), 2);
    expectEachOnceWithRegions(paths, results);
    expect(good.stats.completed).toBe(40);
    expect(bad.stats.chatRequests).toBeGreaterThanOrEqual(3);
    expect(bad.stats.chatRequests).toBeLessThanOrEqual(4);
    expect(summaryLines.find((line) => line.includes(bad.url))).toMatch(/set aside once \(last: HTTP 500 \(CUDA out of memory\)\)/);
    const retried = results.filter((r) => r.retries > 0);
    expect(retried.length).toBe(bad.stats.chatRequests);
    expect(retried[0].warnings?.at(-1)).toMatch(/request\(s\) retried: HTTP 500 \(CUDA out of memory\)/);
  });

  it('one goes away mid-run (its answers in flight cut off): every image still ends exactly once', async () => {
    const [a, b] = await start(2, () => ({ latencyMs: 30 }));
    let served = 0;
    a.faultFor = () => {
      if (++served === 15) void a.goDown();
      return undefined;
    };
    const paths = await images(60, 'goes-away');
    const { results, summary, summaryLines } = await batch(paths, options([a, b]), 8);
    expectEachOnceWithRegions(paths, results);
    expect(summary).toMatchObject({ done: 60, failed: 0 });
    expect(a.stats.completed).toBeLessThan(15);
    expect(a.stats.completed + b.stats.completed).toBe(60);
    expect(summaryLines.find((line) => line.includes(a.url))).toMatch(/failed, set aside once/);
  });
});

describe('the pool on its own (a clock the test moves)', () => {
  it('with every server set aside, a request fails at once with a Retry-After until the first is back; back, one failure sets it aside for twice as long', async () => {
    const [a, b] = await start(2);
    await a.goDown();
    await b.goDown();
    let now = 0;
    const pool = new ServerPool([a, b].map((d) => ({ url: d.url, client: new ModelClient({ baseUrl: d.url }) })), { cooldownMs: 1000, maxCooldownMs: 3000 }, () => now);
    const body = { model: 'ocrdet-test-model', messages: [] };
    expect(pool.unreachable).toBe(false); // nothing tried yet
    await expect(pool.chat(body, 2000)).rejects.toThrow(/connection failed/);
    expect(pool.stats().map((s) => s.setAsideForMs)).toEqual([1000, 1000]);
    // Every server refused every connection and none ever answered: a run stops (the detector's ConfigError).
    expect(pool.unreachable).toBe(true);
    const refused = (await pool.chat(body, 2000).then(
      () => undefined,
      (error: unknown) => error,
    )) as { message: string; retryAfterMs: number; retryable: boolean };
    expect(refused).toMatchObject({ retryable: true, retryAfterMs: 1000 });
    expect(refused.message).toMatch(/^all 2 model servers are set aside after failures; the first is back in 1 s/);
    expect(pool.stats().map((s) => s.requests)).toEqual([1, 1]);
    now = 1000;
    await expect(pool.chat(body, 2000)).rejects.toThrow(/connection failed/);
    expect(pool.stats().map((s) => s.setAsideForMs)).toEqual([2000, 2000]);
    await a.comeBack();
    now = 3000;
    const image = `data:image/jpeg;base64,${(await solidJpeg(64, 64)).toString('base64')}`;
    const answer = await pool.chat({ model: 'ocrdet-test-model', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image } }, { type: 'text', text: 'go' }] }] }, 2000);
    expect(answer.answer).toBe(ANSWER);
    expect(pool.stats()[0]).toMatchObject({ setAsideForMs: 0, timesSetAside: 2, failures: 2, requests: 3 });
    // One answer, and later outages are waited out as usual: never "unreachable" again.
    await a.goDown();
    now = 10_000;
    await expect(pool.chat(body, 2000)).rejects.toThrow(/connection failed/);
    expect(pool.unreachable).toBe(false);
  });
});

describe('the servers as the user sees them', () => {
  it('GET /healthz lists each server: ok while one answers (the other "down" with why), 503 when none does', async () => {
    const [a, b] = await start(2);
    const detector = await createVlmDetector(options([a, b]));
    app = await buildServer(detector, { healthCacheMs: 0 });
    await b.goDown();
    const some = await app.inject({ method: 'GET', url: '/healthz' });
    expect(some.statusCode).toBe(200);
    expect(some.json().status).toBe('ok');
    expect(some.json().servers).toEqual([
      { url: a.url, status: 'ok', inFlight: 0, requests: 0, failures: 0 },
      { url: b.url, status: 'down', inFlight: 0, requests: 0, failures: 0, reason: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/v1\/models: connection failed/) },
    ]);
    await a.goDown();
    const none = await app.inject({ method: 'GET', url: '/healthz' });
    expect(none.statusCode).toBe(503);
    expect(none.json().reason).toMatch(/^none of the 2 model servers answers: /);
    expect(none.json().servers.map((s: { status: string }) => s.status)).toEqual(['down', 'down']);
  });

  it('ocrdet detect takes --base-url several times; the closing lines name each server with its requests and failures', async () => {
    const [a, b] = await start(2, () => ({ latencyMs: 10 }));
    b.faults.push({ kind: 'status', status: 503 });
    const folder = join(work, 'cli');
    mkdirSync(folder);
    await images(12, 'cli/page');
    const result = await runHere(['detect', folder, '--out', join(work, 'cli.jsonl'), '--backend', 'vlm', '--base-url', a.url, '--base-url', b.url, '--model', 'ocrdet-test-model'], work);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^detect: 12 images done, 0 failed in [\d.]+ s \([\d.]+ images\/s\); requests 13, tokens \d+, retries 1$/m);
    const aLine = new RegExp(`^detect: server ${a.url.replace(/[./]/g, '\\$&')}: (\\d+) requests$`, 'm').exec(result.stderr);
    const bLine = new RegExp(`^detect: server ${b.url.replace(/[./]/g, '\\$&')}: (\\d+) requests, 1 failed \\(last: HTTP 503 \\(injected 503\\)\\)$`, 'm').exec(result.stderr);
    expect(aLine, result.stderr).not.toBeNull();
    expect(bLine, result.stderr).not.toBeNull();
    expect(Number(aLine![1]) + Number(bLine![1])).toBe(13);
    expect(readFileSync(join(work, 'cli.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
  });

  it('the same server twice is a usage error; the first model id comes from the first server that answers', async () => {
    const [a, b] = await start(2, (i) => ({ models: [i === 0 ? 'first-model' : 'second-model'] }));
    await expect(createVlmDetector({ baseUrl: [a.url, `${a.url}/`] })).rejects.toThrow(/option "baseUrl" http:\/\/127\.0\.0\.1:\d+\/v1 is given twice/);
    await a.goDown();
    const detector = await createVlmDetector({ baseUrl: [a.url, b.url], retryBaseMs: 10 });
    expect(detector.model).toBe('second-model');
  });
});
