/**
 * The HTTP API over the real embedded detector, through fastify's inject() (no socket): the same
 * Detection as the library, the error payloads and statuses, and the concurrency gate.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fromErrorPayload } from '../src/core/errors.js';
import type { Detection } from '../src/core/types.js';
import { createDetector } from '../src/detectors/index.js';
import type { Detector } from '../src/detectors/types.js';
import { buildServer } from '../src/server/app.js';
import { Semaphore } from '../src/server/semaphore.js';
import { bombPng, truncatedJpeg } from './helpers/images.js';

// A real photo from seed-test (MTWI2018), see test/fixtures/README.md "ppocr".
const PHOTO = new URL('./fixtures/ppocr/MTWI2018_TB16GBCLXXXXXcXXFXXunYpLFXX.jpg', import.meta.url).pathname;

let detector: Detector;
let app: FastifyInstance;

beforeAll(async () => {
  detector = await createDetector({ text: false });
  app = await buildServer(detector, { version: '9.9.9', maxUploadBytes: 2_000_000 });
});
afterAll(async () => {
  await app.close();
  await detector.close();
});

describe('POST /v1/detect', () => {
  it('answers a raw image body with the same Detection the library gives', async () => {
    const bytes = readFileSync(PHOTO);
    const response = await app.inject({ method: 'POST', url: '/v1/detect?name=photo.jpg', headers: { 'content-type': 'image/jpeg' }, payload: bytes });
    expect(response.statusCode).toBe(200);
    const detection = response.json() as Detection;
    const direct = await detector.detect(bytes, { name: 'photo.jpg' });
    expect(detection.image).toBe('photo.jpg');
    expect([detection.width, detection.height]).toEqual([direct.width, direct.height]);
    expect(detection.regions.length).toBeGreaterThan(3);
    expect(detection.regions.map((r) => r.points)).toEqual(direct.regions.map((r) => r.points));
  });

  it('accepts JSON with a base64 data: URL', async () => {
    const image = `data:image/jpeg;base64,${readFileSync(PHOTO).toString('base64')}`;
    const response = await app.inject({ method: 'POST', url: '/v1/detect', payload: { image, name: 'b64.jpg' } });
    expect(response.statusCode).toBe(200);
    expect((response.json() as Detection).image).toBe('b64.jpg');
  });

  it('a truncated JPEG is 422 OCRDET_BAD_IMAGE, and the payload rebuilds the same error class', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/detect?name=broken.jpg', headers: { 'content-type': 'image/jpeg' }, payload: await truncatedJpeg() });
    expect(response.statusCode).toBe(422);
    const error = fromErrorPayload(response.json());
    expect(error.code).toBe('OCRDET_BAD_IMAGE');
    // The message names the upload, not "<buffer of N bytes>".
    expect(error.message).toMatch(/^broken\.jpg: truncated or corrupt/);
  });

  it('a decompression bomb is refused with 422, not decoded', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'image/png' }, payload: bombPng() });
    expect(response.statusCode).toBe(422);
    expect(response.json().message).toMatch(/pixel limit/);
  });

  it('bad requests: 400 for JSON without image, 415 for text/plain, 413 over the size limit, 404 elsewhere', async () => {
    const noImage = await app.inject({ method: 'POST', url: '/v1/detect', payload: { picture: 'x' } });
    expect(noImage.statusCode).toBe(400);
    expect(noImage.json().code).toBe('OCRDET_USAGE');
    expect(noImage.json().message).toMatch(/image/);
    const text = await app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    const big = await app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(2_100_000) });
    expect(big.statusCode).toBe(413);
    expect((await app.inject({ method: 'GET', url: '/v2/nothing' })).statusCode).toBe(404);
  });
});

describe('GET /healthz and the page', () => {
  it('reports the backend, the model and the version', async () => {
    const health = (await app.inject({ method: 'GET', url: '/healthz' })).json();
    expect(health).toMatchObject({ status: 'ok', version: '9.9.9', backend: 'ppocr', inFlight: 0, waiting: 0 });
    expect(health.model).toMatch(/PP-OCRv4/);
  });

  it('serves the page and its script', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<script type="module" src="app.js">');
    expect((await app.inject({ method: 'GET', url: '/app.js' })).body).toContain('v1/detect');
  });
});

describe('Semaphore', () => {
  it('never runs more than its limit, and runs everything in arrival order', async () => {
    const gate = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => gate.run(async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
      running--;
      return i;
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => task(i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
