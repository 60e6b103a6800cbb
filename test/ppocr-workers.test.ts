/**
 * The embedded detector in worker threads (src/detectors/workers.ts, `workers` option of ppocr): the same
 * Detections as in the calling thread on real photos (test/fixtures/batch, from seed-test), errors that cross
 * back as the same classes, an abort that reaches the worker, a worker that dies failing only its own
 * detection, and the calling thread left free while a model runs. The workers run the build (dist/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, ModelError } from '../src/core/errors.js';
import type { Detection } from '../src/core/types.js';
import { createDetector } from '../src/detectors/index.js';
import type { Detector } from '../src/detectors/types.js';
import { WorkerDetector } from '../src/detectors/workers.js';
import { decodeImage } from '../src/image/decode.js';
import { rawImageInput } from '../src/image/sharp.js';
import { assertBuilt, REPO } from './helpers/cli.js';
import { truncatedJpeg } from './helpers/images.js';

const PHOTOS = join(REPO, 'test', 'fixtures', 'batch');
const photos = readdirSync(PHOTOS).sort().slice(0, 3).map((name) => join(PHOTOS, name));
let inThread: Detector;
let inWorkers: Detector;

beforeAll(async () => {
  assertBuilt(['detectors/worker', 'detectors/workers', 'detectors/ppocr/backend', 'detectors/ppocr/detector']);
  inThread = await createDetector({ text: false, intraOpThreads: 1 });
  inWorkers = await createDetector({ text: false, intraOpThreads: 1, workers: 2 });
}, 60_000);
afterAll(async () => {
  await inThread?.close();
  await inWorkers?.close();
});

const geometry = (d: Detection) => ({ width: d.width, height: d.height, regions: d.regions.map((r) => ({ points: r.points, score: r.score })) });

describe('ppocr in worker threads', () => {
  it('gives the Detections of the calling thread, from paths and from bytes, two workers at once', async () => {
    expect(inWorkers).toBeInstanceOf(WorkerDetector);
    expect(inWorkers.model).toBe(inThread.model);
    const fromPaths = await Promise.all(photos.map((photo) => inWorkers.detect(photo)));
    for (const [i, photo] of photos.entries()) {
      const direct = await inThread.detect(photo);
      expect(fromPaths[i].regions.length, photo).toBeGreaterThan(0);
      expect(geometry(fromPaths[i])).toEqual(geometry(direct));
      expect(fromPaths[i].image).toBe(photo);
    }
    const fromBytes = await inWorkers.detect(readFileSync(photos[0]), { name: 'upload.jpg' });
    expect(fromBytes.image).toBe('upload.jpg');
    expect(geometry(fromBytes)).toEqual(geometry(fromPaths[0]));
    // Decoded pixels (how a PDF page reaches a detector) stay pixels on the far side.
    const pixels = await decodeImage(photos[1]);
    const fromPixels = await inWorkers.detect(rawImageInput(pixels), { name: 'page-1' });
    expect(geometry(fromPixels)).toEqual(geometry(fromPaths[1]));
  }, 60_000);

  it('a bad image comes back as the same failed Detection', async () => {
    const bytes = await truncatedJpeg();
    const [there, here] = [await inWorkers.detect(bytes, { name: 'cut.jpg' }), await inThread.detect(bytes, { name: 'cut.jpg' })];
    expect(there.error).toEqual(here.error);
    expect(there.error?.code).toBe('OCRDET_BAD_IMAGE');
  });

  it('an abort reaches the worker: the detection stops (between recognition batches) with InterruptedError', async () => {
    const detector = await createDetector({ intraOpThreads: 1, workers: 1 });
    try {
      const abort = new AbortController();
      let recognised = 0;
      const pending = detector.detect(photos[0], { signal: abort.signal });
      setTimeout(() => abort.abort(), 100);
      await expect(pending).rejects.toBeInstanceOf(InterruptedError);
      // Not aborted: the same photo is recognised in full (the abort, not a failure, stopped it).
      recognised = (await detector.detect(photos[0])).regions.filter((r) => r.text).length;
      expect(recognised).toBeGreaterThan(0);
    } finally {
      await detector.close();
    }
  }, 60_000);

  it('options are checked once, before any worker starts; a model directory that is missing fails the start', async () => {
    await expect(createDetector({ workers: 2, limitSideLen: -1 })).rejects.toThrow(/ppocr: option "limitSideLen" must be > 0/);
    await expect(createDetector({ workers: 1, modelDir: '/nonexistent/models' })).rejects.toThrow(/nonexistent/);
  });

  it('a worker that dies fails only its detection (OCRDET_MODEL); the next one runs in a new worker', async () => {
    const detector = (await createDetector({ text: false, intraOpThreads: 1, workers: 1 })) as WorkerDetector;
    try {
      const pending = detector.detect(photos[0]);
      const [thread] = (detector as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads;
      await thread.worker.terminate();
      await expect(pending).rejects.toBeInstanceOf(ModelError);
      const again = await detector.detect(photos[0]);
      expect(again.regions.length).toBeGreaterThan(0);
    } finally {
      await detector.close();
    }
  }, 60_000);

  it('leaves the calling thread free while the model runs: its timers keep their pace (in the calling thread they wait for each model run)', async () => {
    /** The longest gap between 10 ms ticks of a timer while `work` runs. */
    const longestPause = async (work: () => Promise<unknown>) => {
      let last = performance.now();
      let longest = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 10);
      await work();
      // A tick held back by a blocked thread runs only now: let it report the pause before stopping.
      await new Promise((resolve) => setTimeout(resolve, 30));
      clearInterval(timer);
      return longest;
    };
    const big = photos[0]; // 1600×1200: the det model runs on 960×720
    const here = await longestPause(() => inThread.detect(big));
    const there = await longestPause(() => inWorkers.detect(big));
    expect(there, `longest pause: ${Math.round(here)} ms in the calling thread, ${Math.round(there)} ms with workers`).toBeLessThan(here / 2);
  }, 60_000);
});
