/**
 * `GET /healthz` over the vlm backend tells whether its model server answers: the server built over a real
 * vlm detector pointed at a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js),
 * which goes down and comes back; and the cache that keeps health checks from hammering the model server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Detector, DetectorHealth } from '../src/detectors/types.js';
import { createVlmDetector } from '../src/detectors/vlm/index.js';
import { buildServer } from '../src/server/app.js';
import { HealthCache } from '../src/server/health.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';

let double: OpenAiDouble | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await double?.close();
  app = undefined;
  double = undefined;
});

async function serveVlm(healthCacheMs: number): Promise<{ app: FastifyInstance; double: OpenAiDouble }> {
  double = await startOpenAiDouble();
  const detector = await createVlmDetector({ baseUrl: double.url, model: 'ocrdet-test-model' });
  app = await buildServer(detector, { version: '9.9.9', healthCacheMs });
  return { app, double };
}

describe('GET /healthz with --backend vlm', () => {
  it('is 200 "ok" while the model server answers GET /models, 503 "degraded" with the reason while it is down', async () => {
    const { app, double } = await serveVlm(0);
    const up = await app.inject({ method: 'GET', url: '/healthz' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ status: 'ok', version: '9.9.9', backend: 'vlm', model: 'ocrdet-test-model', inFlight: 0, waiting: 0 });

    await double.goDown();
    const down = await app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'degraded', backend: 'vlm', model: 'ocrdet-test-model' });
    expect(down.json().reason).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${double.port}/v1/models: connection failed`));

    await double.comeBack();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json().status).toBe('ok');
  });

  it('a refused key is degraded too, and the key never appears in the reason', async () => {
    double = await startOpenAiDouble({ apiKey: 'sk-right' });
    process.env.OCRDET_HEALTH_TEST_KEY = 'sk-wrong-health-key';
    const detector = await createVlmDetector({ baseUrl: double.url, model: 'ocrdet-test-model', apiKeyEnv: 'OCRDET_HEALTH_TEST_KEY' });
    app = await buildServer(detector, { healthCacheMs: 0 });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    delete process.env.OCRDET_HEALTH_TEST_KEY;
    expect(response.statusCode).toBe(503);
    expect(response.json().reason).toMatch(/HTTP 401, the server refused the request/);
    expect(response.body).not.toContain('sk-wrong-health-key');
  });

  it('checks the model server at most once per healthCacheMs, however often it is asked', async () => {
    const { app, double } = await serveVlm(60_000);
    const before = double.stats.requests;
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/healthz' })));
    answers.push(await app.inject({ method: 'GET', url: '/healthz' }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(double.stats.requests - before).toBe(1);
  });
});

describe('HealthCache', () => {
  const detectorWith = (health?: () => Promise<DetectorHealth>): Detector => ({ backend: 'x', model: 'm', detect: async () => { throw new Error('unused'); }, close: async () => {}, ...(health ? { health } : {}) });

  it('a detector without health() (the embedded ppocr) is always ok', async () => {
    expect(await new HealthCache(detectorWith(), 5000).check()).toEqual({ status: 'ok' });
  });

  it('reuses a result for cacheMs after its check started, then checks again', async () => {
    let checks = 0;
    let nowMs = 0;
    const cache = new HealthCache(detectorWith(async () => ({ status: checks++ === 0 ? 'degraded' : 'ok', reason: 'first' })), 5000, () => nowMs);
    expect((await cache.check()).status).toBe('degraded');
    nowMs = 4999;
    expect((await cache.check()).status).toBe('degraded');
    nowMs = 5000;
    expect((await cache.check()).status).toBe('ok');
    expect(checks).toBe(2);
  });

  it('a health() that throws is reported as degraded with its message, not as an error', async () => {
    const cache = new HealthCache(detectorWith(async () => { throw new Error('socket hang up'); }), 0);
    expect(await cache.check()).toEqual({ status: 'degraded', reason: 'socket hang up' });
  });
});
