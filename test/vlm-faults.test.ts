/**
 * Fault tolerance of the vlm backend against a PROTOCOL DOUBLE of an OpenAI-compatible server
 * (test/helpers/openai-double.js: real HTTP on 127.0.0.1, real chat-completions bodies) that replays a real
 * recorded InternVL answer (the InternVL-doc V3Det example, test/fixtures/grounding/real-answers.json) and
 * injects faults on demand: 500s, 429 with Retry-After, stalled and hung responses, dropped connections,
 * an answer cut off mid-box, a non-JSON body, a 400, a refused key, a server that goes away and comes back.
 * Backoff is shortened (retryBaseMs) so the tests run quickly; the policy is the same.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBatch, type BatchSummary } from '../src/batch/run.js';
import type { Detection } from '../src/core/types.js';
import { createVlmDetector, type VlmDetection, type VlmOptions } from '../src/detectors/vlm/index.js';
import { getDialect } from '../src/grounding/index.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type DoubleOptions, type OpenAiDouble } from './helpers/openai-double.js';

const realAnswers = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const ANSWER = realAnswers.internvl2.find((a) => a.id === 'doc-v3det')!.answer;
const internvl = getDialect('internvl2');
const work = mkdtempSync(join(tmpdir(), 'ocrdet-vlm-faults-'));

let server: OpenAiDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: DoubleOptions = {}): Promise<OpenAiDouble> {
  server = await startOpenAiDouble({ answer: () => ANSWER, ...options });
  return server;
}

/** Images of distinct widths (600, 610, …) so the double can tell them apart by the size it receives. */
async function images(count: number, prefix: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const path = join(work, `${prefix}-${i}.jpg`);
      writeFileSync(path, await solidJpeg(600 + 10 * i, 400, [i * 20, 120, 160]));
      return path;
    }),
  );
}

const fast = (server: OpenAiDouble, extra: Partial<VlmOptions> = {}): VlmOptions => ({ baseUrl: server.url, model: 'ocrdet-test-model', retryBaseMs: 10, retryMaxMs: 40, ...extra });
const expectedFor = (width: number, height: number) => internvl.parse(ANSWER, { width, height }).regions;

async function batch(paths: string[], options: VlmOptions, concurrency: number, extra: { signal?: AbortSignal } = {}): Promise<{ summary: BatchSummary; results: VlmDetection[]; counters: Record<string, number> }> {
  const detector = await createVlmDetector(options);
  const results: VlmDetection[] = [];
  try {
    const summary = await runBatch({ images: paths.map((path) => ({ path, relativePath: path })), detector, concurrency, onDetection: (d: Detection) => void results.push(d as VlmDetection), ...extra });
    return { summary, results, counters: summary.counters };
  } finally {
    await detector.close();
  }
}

describe('retried faults end in the answer', () => {
  it('a 500, a 503 and a 408, then the answer: regions as parsed, 3 retries counted and explained', async () => {
    const s = await start();
    s.faults.push({ kind: 'status', status: 500, message: 'CUDA out of memory' }, { kind: 'status', status: 503 }, { kind: 'status', status: 408 });
    const [image] = await images(1, 'five-hundred');
    const { results, counters } = await batch([image], fast(s), 1);
    expect(results[0].regions).toEqual(expectedFor(600, 400));
    expect(results[0].retries).toBe(3);
    expect(results[0].warnings).toEqual(['3 request(s) retried: HTTP 500 (CUDA out of memory); HTTP 503 (injected 503); HTTP 408 (injected 408)']);
    expect(counters).toMatchObject({ retries: 3, requests: 4 });
    expect(counters.tokens).toBeGreaterThan(0);
  });

  it('429 with Retry-After: waits at least what the server asked before trying again', async () => {
    const s = await start();
    s.faults.push({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const [image] = await images(1, 'rate-limited');
    const detector = await createVlmDetector(fast(s, { retryBaseMs: 1 }));
    const startedMs = performance.now();
    const detection = await detector.detect(image);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(990);
    expect(detection.regions).toEqual(expectedFor(600, 400));
    expect(detection.warnings?.[0]).toMatch(/HTTP 429/);
  });

  it('a response that stalls after its headers, and one that never starts, both time out and are retried', async () => {
    const s = await start();
    s.faults.push({ kind: 'stall' }, { kind: 'hang' });
    const [image] = await images(1, 'stalled');
    const detection = await (await createVlmDetector(fast(s, { timeoutMs: 300 }))).detect(image);
    expect(detection.regions).toEqual(expectedFor(600, 400));
    expect(detection.retries).toBe(2);
    expect(detection.warnings?.[0]).toMatch(/no complete answer within 300 ms \(timeout\); no complete answer within 300 ms/);
    expect(s.stats.inFlight).toBe(0); // the client closed the stalled connections
  });

  it('a connection dropped before the response, and one dropped mid-body, are retried', async () => {
    const s = await start();
    s.faults.push({ kind: 'drop' }, { kind: 'drop-mid-body' });
    const [image] = await images(1, 'dropped');
    const detection = await (await createVlmDetector(fast(s))).detect(image);
    expect(detection.regions).toEqual(expectedFor(600, 400));
    expect(detection.retries).toBe(2);
  });

  it('a 200 with an HTML body (a proxy error page) is retried', async () => {
    const s = await start();
    s.faults.push({ kind: 'non-json' });
    const [image] = await images(1, 'html');
    const detection = await (await createVlmDetector(fast(s))).detect(image);
    expect(detection.regions).toEqual(expectedFor(600, 400));
    expect(detection.warnings?.[0]).toMatch(/not JSON \("<html><head><title>502 Bad Gateway/);
  });
});

describe('answers and failures that are not retried', () => {
  it('an answer cut off mid-box (max tokens): the complete boxes, a warning, no retry', async () => {
    const s = await start();
    const keepChars = ANSWER.indexOf('<ref>screw</ref>') + '<ref>screw</ref><box>[[754, 37'.length;
    s.faults.push({ kind: 'cut', keepChars });
    const [image] = await images(1, 'cut');
    const detection = await (await createVlmDetector(fast(s))).detect(image);
    const cut = internvl.parse(ANSWER.slice(0, keepChars), { width: 600, height: 400 });
    expect(cut.regions.map((r) => r.text)).toEqual(['Bulletproof Helmet', 'Bulletproof Clothing', 'Gun Model']);
    expect(detection.regions).toEqual(cut.regions);
    expect(detection.retries).toBe(0);
    expect(detection.warnings).toEqual([...cut.warnings, expect.stringMatching(/cut off at the answer-token limit \(option "maxTokens"\)/)]);
  });

  it('a 30 MB answer is not read past maxTokens × 256 bytes + 64 KiB: an error, not retried, the connection closed early', async () => {
    const s = await start();
    const [chunked, declared] = await images(2, 'huge');
    const limit = 64 * 1024 + 512 * 256;
    for (const [path, contentLength] of [[chunked, false], [declared, true]] as const) {
      s.faults.push({ kind: 'huge', bytes: 30_000_000, contentLength });
      const detection = await (await createVlmDetector(fast(s, { maxTokens: 512 }))).detect(path);
      expect(detection.error).toEqual({
        code: 'OCRDET_SERVER',
        message: expect.stringContaining(`the response body is larger than ${limit} bytes${contentLength ? ' (Content-Length 30000' : ''}`),
      });
      expect(detection.error?.message).toMatch(/more than an answer of 512 tokens can be \(option "maxTokens"\); stopped reading/);
      expect(detection.retries).toBe(0);
      // What went out before the client hung up: the limit plus what the sockets' buffers took, far from 30 MB.
      while (s.stats.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(s.stats.hugeWritten).toBeLessThan(10_000_000);
    }
  });

  it('a 400 is not retried: that image gets an error, the others their regions', async () => {
    const s = await start();
    const paths = await images(3, 'bad-request');
    s.faultFor = (r) => (r.image?.width === 610 ? { kind: 'status', status: 400, message: "This model's maximum context length is 4096 tokens" } : undefined);
    const { summary, results } = await batch(paths, fast(s), 2);
    expect(summary).toMatchObject({ done: 3, failed: 1 });
    expect(results[1].error).toEqual({ code: 'OCRDET_SERVER', message: `${paths[1]}: POST ${s.url}/chat/completions: HTTP 400 (This model's maximum context length is 4096 tokens); not retried` });
    expect(results[1].regions).toEqual([]);
    expect(s.received.filter((r) => r.image?.width === 610)).toHaveLength(1);
    expect(results[0].regions).toEqual(expectedFor(600, 400));
    expect(results[2].regions).toEqual(expectedFor(620, 400));
  });

  it('after the last retry the image gets an error and the batch goes on: every image ends with regions or an error', async () => {
    const s = await start();
    const paths = await images(5, 'gives-up');
    s.faultFor = (r) => (r.image?.width === 620 || r.image?.width === 640 ? { kind: 'status', status: 502 } : undefined);
    const { summary, results } = await batch(paths, fast(s, { retries: 2 }), 3);
    expect(summary).toMatchObject({ total: 5, done: 5, failed: 2 });
    expect(results.map((d) => d.image)).toEqual(paths);
    for (const [i, d] of results.entries()) {
      if (i === 2 || i === 4) {
        expect(d.error).toMatchObject({ code: 'OCRDET_SERVER', message: expect.stringMatching(/HTTP 502 \(injected 502\) \(2 retries before giving up\)$/) });
        expect(d.regions).toEqual([]);
      } else {
        expect(d.error).toBeUndefined();
        expect(d.regions).toEqual(expectedFor(600 + 10 * i, 400));
      }
    }
    // 3 attempts for each failing image, 1 for the others.
    expect(s.stats.chatRequests).toBe(3 * 2 + 3);
  });

  it('a refused key (401) stops the batch with a configuration error naming the variable, never the key', async () => {
    const s = await start({ apiKey: 'sk-right-key' });
    process.env.OCRDET_FAULT_TEST_KEY = 'sk-wrong-key-0123456789';
    const paths = await images(3, 'refused');
    const run = batch(paths, fast(s, { apiKeyEnv: 'OCRDET_FAULT_TEST_KEY' }), 2);
    const error = await run.then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error?.code).toBe('OCRDET_CONFIG');
    expect(error?.message).toMatch(/HTTP 401.*Incorrect API key provided: \*\*\*.*option "apiKeyEnv"/);
    expect(error).toMatchObject({ details: { options: ['apiKeyEnv'] } });
    expect(error?.message).not.toContain('sk-wrong-key');
    expect(s.stats.authHeaders).toContain('Bearer sk-wrong-key-0123456789');
    delete process.env.OCRDET_FAULT_TEST_KEY;
  });

  it('a server that wants a key, asked without apiKeyEnv: says to name a variable, not to check one', async () => {
    const s = await start({ apiKey: 'sk-right-key' });
    const error = await batch(await images(1, 'no-key'), fast(s), 1).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error?.code).toBe('OCRDET_CONFIG');
    expect(error?.message).toMatch(/HTTP 401, the server refused the request \(Incorrect API key provided: EMPTY\.\); the server wants an API key: put it in an environment variable and name it with option "apiKeyEnv"$/);
    expect(error?.message).not.toMatch(/named by/);
  });

  it('a refused key from a named variable: the hint names that variable', async () => {
    const s = await start({ apiKey: 'sk-right-key' });
    process.env.OCRDET_FAULT_TEST_KEY2 = 'sk-wrong-key-9876543210';
    const error = await createVlmDetector({ baseUrl: s.url, apiKeyEnv: 'OCRDET_FAULT_TEST_KEY2' }).then(() => undefined, (e: unknown) => e as Error);
    delete process.env.OCRDET_FAULT_TEST_KEY2;
    expect(error?.message).toMatch(/; check the API key variable named by option "apiKeyEnv" \(OCRDET_FAULT_TEST_KEY2\)$/);
  });

  it('a model list that cannot be fetched counts its attempts in good English: 1 attempt, 3 attempts', async () => {
    const s = await start();
    const url = s.url;
    await s.goDown();
    const once = await createVlmDetector({ baseUrl: url, retries: 0 }).then(() => undefined, (e: unknown) => e as Error);
    expect(once?.message).toMatch(/\(after 1 attempt; give option "model" to skip this\)$/);
    expect(once).toMatchObject({ details: { options: ['model'] } });
    const thrice = await createVlmDetector({ baseUrl: url, retries: 2, retryBaseMs: 1, retryMaxMs: 2 }).then(() => undefined, (e: unknown) => e as Error);
    expect(thrice?.message).toMatch(/\(after 3 attempts; give option "model" to skip this\)$/);
  });

  it('a variable that is not set is a configuration error before any request', async () => {
    const s = await start();
    await expect(createVlmDetector({ baseUrl: s.url, apiKeyEnv: 'OCRDET_UNSET_VARIABLE_FOR_TEST' })).rejects.toThrow(/OCRDET_UNSET_VARIABLE_FOR_TEST is not set/);
    expect(s.stats.requests).toBe(0);
  });
});

describe('the batch under load and outages', () => {
  it('never has more than N requests in flight, tiles of many images included', async () => {
    const s = await start({ latencyMs: 30 });
    const paths = await images(6, 'in-flight');
    // 600–650 × 400 with 300×300 tiles: 3 across × 2 down + the overview = 7 requests per image, 42 in all.
    const { summary, results } = await batch(paths, fast(s, { tile: '300x300' }), 3);
    expect(summary.failed).toBe(0);
    expect(results.every((d) => d.requests === 7)).toBe(true);
    expect(s.stats.chatRequests).toBe(42);
    expect(s.stats.maxInFlight).toBe(3);
  });

  it('keeps exactly N in flight without tiles', async () => {
    const s = await start({ latencyMs: 40 });
    const { summary } = await batch(await images(12, 'plain'), fast(s), 4);
    expect(summary.done).toBe(12);
    expect(s.stats.maxInFlight).toBe(4);
  });

  it('a server that goes away mid-batch and comes back: the batch finishes with every image\'s regions', async () => {
    const s = await start({ latencyMs: 20 });
    const paths = await images(10, 'outage');
    let downOnce = false;
    const outage = (async () => {
      while (s.stats.completed < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      downOnce = true;
      await s.goDown();
      await new Promise((resolve) => setTimeout(resolve, 700));
      await s.comeBack();
    })();
    const { summary, results, counters } = await batch(paths, fast(s, { retryBaseMs: 200, retryMaxMs: 1600 }), 2);
    await outage;
    expect(downOnce).toBe(true);
    expect(summary).toMatchObject({ done: 10, failed: 0 });
    expect(counters.retries).toBeGreaterThan(0);
    results.forEach((d, i) => expect(d.regions).toEqual(expectedFor(600 + 10 * i, 400)));
  });

  it('a server that was never up: the batch stops at its first failed image (nothing could succeed), naming the URL', async () => {
    const s = await start();
    const url = s.url;
    await s.goDown();
    const run = batch(await images(4, 'gone'), { baseUrl: url, model: 'm', retries: 1, retryBaseMs: 5, retryMaxMs: 5 }, 2);
    await expect(run).rejects.toMatchObject({ code: 'OCRDET_CONFIG', message: expect.stringContaining(`the model server at ${url} refuses connections and none has answered yet`) });
  });

  it('a hard stop aborts the requests in flight: nothing is recorded for them, no connection is left open', async () => {
    const s = await start();
    s.faultFor = () => ({ kind: 'hang' });
    const abort = new AbortController();
    const run = batch(await images(4, 'aborted'), fast(s), 2, { signal: abort.signal });
    while (s.stats.inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    abort.abort();
    const { summary, results } = await run;
    expect(summary.interrupted).toBe(true);
    expect(results).toEqual([]);
    while (s.stats.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  });
});
