/**
 * The library API from src/index.ts with the real PP-OCRv4 detector: `createDetector` (default backend and
 * options), `runBatch` creating and closing its own detector, `detectMany` over real photos.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BACKENDS, createDetector, detectMany, runBatch, UsageError } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/batch', import.meta.url));
const PHOTO = join(FIXTURES, 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.jpg');

describe('createDetector', () => {
  it('defaults to the embedded ppocr backend: `await createDetector()` then `detect(path)`', async () => {
    const detector = await createDetector();
    try {
      const result = await detector.detect(PHOTO);
      expect(result).toMatchObject({ image: PHOTO, width: 310, height: 310, backend: 'ppocr' });
      expect(result.regions.some((r) => (r.text ?? '').length > 0)).toBe(true);
    } finally {
      await detector.close();
    }
  }, 120_000);

  it('passes backend options through (text: false → no text) and rejects unknown backends and options', async () => {
    const detector = await createDetector({ backend: 'ppocr', text: false });
    try {
      const result = await detector.detect(PHOTO);
      expect(result.regions.length).toBeGreaterThan(0);
      expect(result.regions.every((r) => r.text === undefined)).toBe(true);
      expect(result.timings.rec).toBeUndefined();
    } finally {
      await detector.close();
    }
    // @ts-expect-error — not a backend name
    await expect(createDetector({ backend: 'nope' })).rejects.toThrow(/unknown detector backend "nope"; known: ppocr/);
    // @ts-expect-error — not a ppocr option
    await expect(createDetector({ unclipRatioo: 2 })).rejects.toThrow(UsageError);
  }, 120_000);

  it('lists each backend with its CLI flags and default concurrency', () => {
    const ppocr = BACKENDS.get('ppocr');
    expect(ppocr.flags.map((f) => f.flags)).toEqual(['--no-text', '--orientation <mode>', '--min-text-score <p>', '--model-dir <dir>', '--threads <n>', '--max-pixels <n>', '--workers <n>']);
    expect(ppocr.defaultConcurrency).toBeGreaterThanOrEqual(1);
  });
});

describe('runBatch and detectMany with the default backend', () => {
  it('runBatch creates the detector from options, reports each result in input order, and closes it', async () => {
    const seen: string[] = [];
    const summary = await runBatch({ inputs: [FIXTURES], detectorOptions: { text: false }, onDetection: (d) => void seen.push(d.image) });
    expect(summary).toMatchObject({ total: 5, done: 5, failed: 0 });
    expect(seen.map((p) => p.split(/[\\/]/).pop())).toEqual([
      'MSRA_TD500_IMG_1904.jpg',
      'MTWI2018_TB15sdOLXXXXXX2XpXXunYpLFXX.jpg',
      'MTWI2018_TB16V4vLXXXXXX6aXXXunYpLFXX.jpg',
      'MTWI2018_TB16doxPpXXXXcxXXXX4GhJ_pXX_055051.jpg.jpg',
      'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.jpg',
    ]);
  }, 300_000);

  it('detectMany yields the same Detections as detecting one by one', async () => {
    const detector = await createDetector({ text: false });
    try {
      const batch: unknown[] = [];
      for await (const detection of detectMany([FIXTURES], { detector, concurrency: 2 })) batch.push(detection.regions);
      const single: unknown[] = [];
      for (const name of ['MSRA_TD500_IMG_1904.jpg', 'MTWI2018_TB15sdOLXXXXXX2XpXXunYpLFXX.jpg', 'MTWI2018_TB16V4vLXXXXXX6aXXXunYpLFXX.jpg', 'MTWI2018_TB16doxPpXXXXcxXXXX4GhJ_pXX_055051.jpg.jpg', 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.jpg']) {
        single.push((await detector.detect(join(FIXTURES, name))).regions);
      }
      expect(batch).toEqual(single);
    } finally {
      await detector.close();
    }
  }, 300_000);
});
