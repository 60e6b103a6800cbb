/**
 * What every backend promises the batch engine, the CLI and the server (src/detectors/types.ts), checked on
 * each of them alike: the embedded ppocr with its bundled models (detection only), and vlm against the
 * PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js: real HTTP on 127.0.0.1).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError } from '../src/core/errors.js';
import { createDetector, type Detector } from '../src/detectors/index.js';
import { solidJpeg, truncatedJpeg } from './helpers/images.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';

const work = mkdtempSync(join(tmpdir(), 'ocrdet-contract-'));
let server: OpenAiDouble;

beforeAll(async () => {
  server = await startOpenAiDouble({ answer: () => '<ref>word</ref><box>[[100, 100, 500, 300]]</box>' });
});
afterAll(async () => {
  await server?.close();
});

const BACKENDS: { name: string; create: () => Promise<Detector> }[] = [
  { name: 'ppocr', create: () => createDetector({ text: false }) },
  { name: 'vlm', create: () => createDetector({ backend: 'vlm', baseUrl: server.url, model: 'ocrdet-test-model', retries: 0 }) },
];

describe.each(BACKENDS)('the $name backend', ({ name, create }) => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await create();
  });
  afterAll(async () => {
    await detector?.close();
  });

  it('throws InterruptedError for an image whose signal is already aborted, and sends nothing', async () => {
    const asked = server.stats.chatRequests;
    await expect(detector.detect(await solidJpeg(64, 64), { name: 'stopped.jpg', signal: AbortSignal.abort() })).rejects.toBeInstanceOf(InterruptedError);
    expect(server.stats.chatRequests).toBe(asked);
  });

  it('returns a bad image as a Detection with error { code, message } and no regions, never a throw', async () => {
    const file = join(work, `${name}-truncated.jpg`);
    writeFileSync(file, await truncatedJpeg());
    const detection = await detector.detect(file);
    expect(detection).toMatchObject({ image: file, width: 0, height: 0, regions: [], backend: name, model: detector.model });
    expect(detection.error).toEqual({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/truncated-?\.jpg|truncated or corrupt/) });
    expect(detection.timings.total).toBeGreaterThanOrEqual(0);
  });

  it('returns a missing file as a Detection with error OCRDET_NOT_FOUND', async () => {
    const file = join(work, 'nowhere.png');
    const detection = await detector.detect(file);
    expect(detection).toMatchObject({ image: file, regions: [], error: { code: 'OCRDET_NOT_FOUND', message: expect.stringMatching(/no such file/) } });
  });

  it('detects a plain image with no error', async () => {
    const detection = await detector.detect(await solidJpeg(640, 480), { name: 'plain.jpg' });
    expect(detection).toMatchObject({ image: 'plain.jpg', width: 640, height: 480, backend: name });
    expect(detection.error).toBeUndefined();
  });
});
