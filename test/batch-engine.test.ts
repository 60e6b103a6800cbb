/**
 * The batch engine (src/batch/run.ts, iterate.ts) on its own behaviour: order, concurrency, resume, stop,
 * abort, errors. The detector here is HeaderDetector (test/helpers/batch-detector.ts), a small real
 * in-process Detector that reads image headers, because what is under test is the engine, not detection;
 * the end-to-end runs with the real PP-OCRv4 detector are in test/detect-cli-*.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError, UsageError } from '../src/core/errors.js';
import { detectMany } from '../src/batch/iterate.js';
import { runBatch } from '../src/batch/run.js';
import { HeaderDetector, until } from './helpers/batch-detector.js';
import { solidJpeg } from './helpers/images.js';

/** The 8 test images (nothing else is ever written here). */
let dir: string;
let images: string[];
/** Results files and other per-test files. */
const scratch = mkdtempSync(join(tmpdir(), 'ocrdet-engine-scratch-'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocrdet-engine-'));
  images = [];
  // Image i is (20 + i) × 10 px, so every line says which image it is about.
  for (let i = 0; i < 8; i++) {
    const path = join(dir, `img${i}.jpg`);
    writeFileSync(path, await solidJpeg(20 + i, 10));
    images.push(path);
  }
});

function linesOf(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A line without its timings (they differ between runs). */
function withoutTimings(line: Record<string, unknown>): Record<string, unknown> {
  const { timings: _timings, ...rest } = line;
  return rest;
}

function freshOut(name: string): string {
  return join(mkdtempSync(join(scratch, `${name}-`)), 'dets.jsonl');
}

describe('runBatch', () => {
  it('writes one line per image in input order although the first image finishes last', async () => {
    const detector = new HeaderDetector().hold('img0.jpg');
    const out = freshOut('order');
    const run = runBatch({ images: images.map((path) => ({ path, relativePath: path })), detector, concurrency: 3, out });
    await until(() => detector.finished.length === 7);
    expect(detector.finished).not.toContain('img0.jpg');
    detector.release('img0.jpg');
    const summary = await run;
    expect(summary).toMatchObject({ total: 8, done: 8, failed: 0, skipped: 0, interrupted: false });
    expect(linesOf(out).map((l) => l.image)).toEqual(images);
    expect(linesOf(out).map((l) => l.width)).toEqual([20, 21, 22, 23, 24, 25, 26, 27]);
    expect(detector.maxInFlight).toBe(3);
    expect(detector.closed).toBe(false); // the caller's detector stays open
  });

  it('skips images already in --out and cuts only a half-written last line', async () => {
    const complete = freshOut('complete');
    await runBatch({ inputs: [dir], detector: new HeaderDetector(), concurrency: 2, out: complete });
    const full = readFileSync(complete, 'utf8');
    const lines = full.split('\n');
    // As a kill -9 in the middle of a write leaves it: three finished lines and half of the fourth.
    const out = freshOut('torn');
    writeFileSync(out, `${lines.slice(0, 3).join('\n')}\n${lines[3].slice(0, 40)}`);
    const notices: string[] = [];
    const detector = new HeaderDetector();
    const summary = await runBatch({ inputs: [dir], detector, concurrency: 2, out, onNotice: (m) => notices.push(m) });
    expect(summary).toMatchObject({ total: 8, skipped: 3, done: 5 });
    expect(detector.started).toEqual(['img3.jpg', 'img4.jpg', 'img5.jpg', 'img6.jpg', 'img7.jpg']);
    expect(notices.join('\n')).toMatch(/half-written last line \(40 bytes\)/);
    expect(readFileSync(out, 'utf8').startsWith(`${lines.slice(0, 3).join('\n')}\n`)).toBe(true);
    expect(linesOf(out).map(withoutTimings)).toEqual(linesOf(complete).map(withoutTimings));
  });

  it('refuses to touch a results file that is damaged in the middle or is not a results file (a usage error: nothing done)', async () => {
    const damaged = freshOut('damaged');
    const good = JSON.stringify({ image: images[0], width: 20, height: 10, regions: [] });
    const content = `${good}\n{"image": "oops\n${good}\n`;
    writeFileSync(damaged, content);
    await expect(runBatch({ inputs: [dir], detector: new HeaderDetector(), out: damaged })).rejects.toThrow(UsageError);
    await expect(runBatch({ inputs: [dir], detector: new HeaderDetector(), out: damaged })).rejects.toThrow(/:2: not a Detection JSON line/);
    expect(readFileSync(damaged, 'utf8')).toBe(content);
    // --out pointing at an image by mistake: no newline-free "torn line" rescue for bytes we did not write.
    const notOurs = join(mkdtempSync(join(scratch, 'jpeg-')), 'photo.jpg');
    const jpeg = await solidJpeg(8, 8);
    writeFileSync(notOurs, jpeg);
    await expect(runBatch({ inputs: [dir], detector: new HeaderDetector(), out: notOurs })).rejects.toMatchObject({ code: 'OCRDET_USAGE', exitCode: 2 });
    expect(readFileSync(notOurs).equals(jpeg)).toBe(true);
  });

  it('keeps images that failed before unless retryErrors, which replaces their error lines', async () => {
    const folder = mkdtempSync(join(scratch, 'retry-'));
    const good = join(folder, 'a.jpg');
    const broken = join(folder, 'b.jpg');
    writeFileSync(good, await solidJpeg(30, 10));
    writeFileSync(broken, Buffer.alloc(0));
    const out = join(folder, 'out', 'dets.jsonl');
    const first = await runBatch({ inputs: [folder], detector: new HeaderDetector(), out });
    expect(first).toMatchObject({ done: 2, failed: 1 });
    expect(linesOf(out)[1].error).toMatchObject({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/empty file/) });

    const again = await runBatch({ inputs: [folder], detector: new HeaderDetector(), out });
    expect(again).toMatchObject({ done: 0, skipped: 2, previouslyFailed: 1 });

    writeFileSync(broken, await solidJpeg(40, 10)); // the user fixed the file
    const detector = new HeaderDetector();
    const retried = await runBatch({ inputs: [folder], detector, out, retryErrors: true });
    expect(retried).toMatchObject({ done: 1, failed: 0, skipped: 1, previouslyFailed: 0 });
    expect(detector.started).toEqual(['b.jpg']);
    expect(linesOf(out).map((l) => [l.image, l.width, l.error])).toEqual([
      [good, 30, undefined],
      [broken, 40, undefined],
    ]);
  });

  it('resumes a file of an older ocrdet, whose failed images hold their error as a `CODE: message` line', async () => {
    const out = freshOut('old-errors');
    const ok = { image: images[0], width: 20, height: 10, regions: [], backend: 'header', model: 'm', timings: { total: 1 } };
    const failed = { image: images[1], width: 0, height: 0, regions: [], backend: 'header', model: 'm', timings: { total: 1 }, error: 'OCRDET_BAD_IMAGE: img1.jpg: truncated or corrupt file' };
    writeFileSync(out, `${JSON.stringify(ok)}\n${JSON.stringify(failed)}\n`);
    const subset = images.slice(0, 3).map((path) => ({ path, relativePath: path }));
    expect(await runBatch({ images: subset, detector: new HeaderDetector(), out })).toMatchObject({ done: 1, skipped: 2, previouslyFailed: 1 });
    const retried = await runBatch({ images: subset, detector: new HeaderDetector(), out, retryErrors: true });
    expect(retried).toMatchObject({ done: 1, failed: 0, skipped: 2 });
    expect(linesOf(out).map((l) => [l.image, l.width, l.error])).toEqual([
      [images[0], 20, undefined],
      [images[2], 22, undefined],
      [images[1], 21, undefined],
    ]);
  });

  it('on stop, finishes and writes the images in flight, starts no other, and a rerun completes the file', async () => {
    const out = freshOut('stop');
    const stop = new AbortController();
    const detector = new HeaderDetector().hold('img1.jpg');
    const run = runBatch({ inputs: [dir], detector, concurrency: 2, out, stopSignal: stop.signal });
    await detector.whenStarted('img2.jpg'); // img0 done, img1 held, img2 running
    stop.abort();
    detector.release('img1.jpg');
    const summary = await run;
    expect(summary.interrupted).toBe(true);
    expect(detector.started).toEqual(['img0.jpg', 'img1.jpg', 'img2.jpg']);
    expect(linesOf(out).map((l) => l.image)).toEqual(images.slice(0, 3));
    const rest = await runBatch({ inputs: [dir], detector: new HeaderDetector(), out });
    expect(rest).toMatchObject({ skipped: 3, done: 5, interrupted: false });
    expect(linesOf(out).map((l) => l.image)).toEqual(images);
  });

  it('on abort, drops the image cut off (not recorded: the rerun does it) and keeps finished ones', async () => {
    const out = freshOut('abort');
    const abort = new AbortController();
    const detector = new HeaderDetector().hold('img0.jpg');
    const run = runBatch({ inputs: [dir], detector, concurrency: 2, out, signal: abort.signal });
    await until(() => detector.finished.includes('img1.jpg'));
    abort.abort();
    const summary = await run;
    expect(summary.interrupted).toBe(true);
    const recorded = linesOf(out).map((l) => l.image);
    expect(recorded).not.toContain(images[0]);
    expect(recorded).toContain(images[1]);
    await runBatch({ inputs: [dir], detector: new HeaderDetector(), out });
    const all = linesOf(out).map((l) => l.image as string);
    expect([...all].sort()).toEqual(images);
    expect(new Set(all).size).toBe(all.length);
  });

  it('stops at a broken detector (ModelError) instead of failing every image, keeping finished lines', async () => {
    const out = freshOut('fatal');
    const detector = new HeaderDetector();
    const detect = detector.detect.bind(detector);
    detector.detect = async (input, options) => {
      if (String(input).endsWith('img2.jpg')) throw new ModelError('det model: file is corrupt');
      return detect(input, options);
    };
    await expect(runBatch({ inputs: [dir], detector, concurrency: 1, out })).rejects.toThrow(ModelError);
    expect(linesOf(out).map((l) => l.image)).toEqual(images.slice(0, 2));
  });

  it('turns an unexpected exception for one image into an error line and goes on', async () => {
    const out = freshOut('bug');
    const detector = new HeaderDetector();
    const detect = detector.detect.bind(detector);
    detector.detect = async (input, options) => {
      if (String(input).endsWith('img3.jpg')) throw new TypeError("Cannot read properties of undefined (reading 'x')");
      return detect(input, options);
    };
    const failures: string[] = [];
    const summary = await runBatch({ inputs: [dir], detector, out, onImageError: (image, error) => failures.push(`${image}: ${error.code}: ${error.message}`) });
    expect(summary).toMatchObject({ done: 8, failed: 1 });
    expect(failures).toEqual([`${images[3]}: OCRDET_INTERNAL: Cannot read properties of undefined (reading 'x')`]);
    expect(linesOf(out)[3]).toMatchObject({ image: images[3], regions: [], error: { code: 'OCRDET_INTERNAL', message: "Cannot read properties of undefined (reading 'x')" } });
  });

  it('refuses a second writer on the same --out while the first runs', async () => {
    const out = freshOut('lock');
    const detector = new HeaderDetector().hold('img0.jpg');
    const first = runBatch({ inputs: [dir], detector, out });
    await detector.whenStarted('img0.jpg');
    await expect(runBatch({ inputs: [dir], detector: new HeaderDetector(), out })).rejects.toThrow(UsageError);
    detector.release('img0.jpg');
    await expect(first).resolves.toMatchObject({ done: 8 });
  });

  it('sums the counters the backend reports and reports progress up to done = todo', async () => {
    const seen: number[] = [];
    const summary = await runBatch({ inputs: [dir], detector: new HeaderDetector(), onProgress: (p) => seen.push(p.done) });
    expect(summary.counters).toEqual({ probes: 8 });
    expect(seen.at(-1)).toBe(8);
  });

  it('rejects usage errors: --out is a directory, concurrency 0, an input that matches nothing', async () => {
    await expect(runBatch({ inputs: [dir], detector: new HeaderDetector(), out: dir })).rejects.toThrow(/is a directory/);
    await expect(runBatch({ inputs: [dir], detector: new HeaderDetector(), concurrency: 0 })).rejects.toThrow(UsageError);
    await expect(runBatch({ inputs: [join(dir, 'nope-*.png')], detector: new HeaderDetector() })).rejects.toThrow(/matched no image or PDF files/);
  });
});

describe('detectMany', () => {
  it('yields Detections in input order', async () => {
    const detector = new HeaderDetector().hold('img0.jpg');
    const seen: unknown[] = [];
    const iterate = (async () => {
      for await (const detection of detectMany([dir], { detector, concurrency: 4 })) seen.push(detection.width);
    })();
    await until(() => detector.finished.length >= 3);
    detector.release('img0.jpg');
    await iterate;
    expect(seen).toEqual([20, 21, 22, 23, 24, 25, 26, 27]);
  });

  it('stops the batch when the loop is left early', async () => {
    const detector = new HeaderDetector();
    for await (const detection of detectMany([dir], { detector, concurrency: 2, maxWaiting: 1 })) {
      expect(detection.width).toBe(20);
      break;
    }
    // At most what was in flight or waiting when the loop ended was started, not all 8.
    expect(detector.started.length).toBeLessThan(8);
    expect(detector.inFlight).toBe(0);
  });
});
