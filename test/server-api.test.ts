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
import { WorkQueue } from '../src/server/queue.js';
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
    const wrongMethod = await app.inject({ method: 'GET', url: '/v1/detect?name=x' });
    expect([wrongMethod.statusCode, wrongMethod.headers.allow]).toEqual([405, 'POST']);
    expect(wrongMethod.json()).toMatchObject({ code: 'OCRDET_USAGE', message: 'GET /v1/detect: use POST (the image as the body, a form or JSON)' });
  });
});

/** A multipart/form-data body encoded as a browser or `curl -F` would (the platform's FormData). */
async function formBody(fields: Record<string, string | { bytes: Buffer; fileName: string; type: string }>): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(key, value);
    else form.append(key, new Blob([value.bytes], { type: value.type }), value.fileName);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type')! } };
}

describe('POST /v1/detect: what a client is told', () => {
  it('a JSON body with a misspelled field: one sentence, the route said once', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/detect', payload: { img: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: 'OCRDET_USAGE', message: 'POST /v1/detect body: "image" is required (a base64 string or data: URL); unknown field "img"' });
  });

  it('a JSON "image" of the wrong type says what it got', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/detect', payload: { image: 5, name: '' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('POST /v1/detect body: "image" must be a base64 string or data: URL, not a number; "name" must be a string of 1 to 500 characters');
  });

  it('415 names the content type received, every form accepted, and a curl line for this server', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'text/csv', host: 'ocr.example:8098' }, payload: 'a,b' });
    expect(response.statusCode).toBe(415);
    expect(response.json().message).toBe(
      'Content-Type "text/csv" is not accepted: send the image or PDF as the body (Content-Type: image/*, application/pdf or application/octet-stream), ' +
        'as multipart/form-data with a file field "image", or as JSON {"image": "<a base64 string or data: URL>"}; ' +
        "e.g. curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg' http://ocr.example:8098/v1/detect",
    );
  });
});

describe('POST /v1/detect: multipart/form-data (curl -F image=@photo.jpg)', () => {
  it('answers the same Detection as a raw body, named after the uploaded file', async () => {
    const bytes = readFileSync(PHOTO);
    const response = await app.inject({ method: 'POST', url: '/v1/detect', ...(await formBody({ image: { bytes, fileName: 'shop.jpg', type: 'image/jpeg' } })) });
    expect(response.statusCode).toBe(200);
    const detection = response.json() as Detection;
    expect(detection.image).toBe('shop.jpg');
    const direct = await detector.detect(bytes, { name: 'shop.jpg' });
    expect(detection.regions.map((r) => r.points)).toEqual(direct.regions.map((r) => r.points));
  });

  it('a "name" field wins over the file name; a truncated JPEG is 422 like any other', async () => {
    const named = await app.inject({ method: 'POST', url: '/v1/detect', ...(await formBody({ name: 'receipt-7', image: { bytes: await truncatedJpeg(), fileName: 'x.jpg', type: 'image/jpeg' } })) });
    expect(named.statusCode).toBe(422);
    expect(named.json().message).toMatch(/^receipt-7: truncated or corrupt/);
  });

  it('a form without a file field "image" is 400 naming what came instead; two files are 413', async () => {
    const wrong = await app.inject({ method: 'POST', url: '/v1/detect', ...(await formBody({ photo: { bytes: Buffer.from('x'), fileName: 'x.jpg', type: 'image/jpeg' } })) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toBe('POST /v1/detect body: a file field "image" is required (curl -F image=@photo.jpg …); unknown field "photo"');
    const file = { bytes: readFileSync(PHOTO), fileName: 'a.jpg', type: 'image/jpeg' };
    const two = await app.inject({ method: 'POST', url: '/v1/detect', ...(await formBody({ image: file, image2: file })) });
    expect(two.statusCode).toBe(413);
    expect(two.json().code).toBe('OCRDET_USAGE');
  });

  it('a file over the size limit is 413, as a raw body would be', async () => {
    const big = await app.inject({ method: 'POST', url: '/v1/detect', ...(await formBody({ image: { bytes: Buffer.alloc(2_100_000), fileName: 'big.png', type: 'image/png' } })) });
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toBe('request body larger than 2000000 bytes');
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

describe('WorkQueue', () => {
  it('never runs more than its concurrency, and runs everything in arrival order', async () => {
    const gate = new WorkQueue(2, 8);
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
