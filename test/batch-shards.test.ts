/**
 * Shards (src/batch/shard.ts) and `mergeResults` (src/batch/merge.ts): the parts of a batch are disjoint, cover
 * the inputs exactly, stay put when files are added, come from the schedulers' variables; a batch run part by
 * part and merged gives one run's file. The batch runs the real engine over real image files with the test's
 * HeaderDetector (one region per image, from the image's real header: test/helpers/batch-detector.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInput } from '../src/batch/inputs.js';
import { expandInputs } from '../src/batch/inputs.js';
import { mergeResults } from '../src/batch/merge.js';
import { runBatch } from '../src/batch/run.js';
import { inShard, parseShard, shardFromEnvironment, shardOfPath, shardResultsPath, type Shard } from '../src/batch/shard.js';
import { UsageError } from '../src/core/errors.js';
import { HeaderDetector } from './helpers/batch-detector.js';
import { solidJpeg } from './helpers/images.js';
import { numberedPdf } from './helpers/pdfs.js';

const work = mkdtempSync(join(tmpdir(), 'ocrdet-shards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const inputsNamed = (names: string[]): ImageInput[] => names.map((name) => ({ path: join('scans', name), relativePath: name }));
const names = (count: number, prefix = 'page') => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}.jpg`);
const parts = (count: number): Shard[] => Array.from({ length: count }, (_, index) => ({ index, count }));

describe('which part an input belongs to', () => {
  it('the N parts are disjoint and together exactly the inputs, for N = 1 … 7', () => {
    const inputs = inputsNamed([...names(300), 'sub/a.jpg', 'sub/deeper/b.png', 'ünïcode 文字.jpg']);
    for (let n = 1; n <= 7; n++) {
      const taken = parts(n).map((shard) => inputs.filter((image) => inShard(image, shard)).map((image) => image.path));
      expect(taken.flat().sort(), `N = ${n}`).toEqual(inputs.map((image) => image.path).sort());
      expect(new Set(taken.flat()).size, `N = ${n}: an input in two parts`).toBe(inputs.length);
    }
  });

  it('adding and removing files never moves the others', () => {
    const before = inputsNamed(names(200));
    const after = inputsNamed([...names(200).slice(50), ...names(120, 'new')]);
    const partOf = (list: ImageInput[]) => new Map(list.map((image) => [image.path, parts(5).findIndex((shard) => inShard(image, shard))]));
    const was = partOf(before);
    for (const [path, part] of partOf(after)) if (was.has(path)) expect(part, path).toBe(was.get(path));
  });

  it("depends on the file's path alone: pages of one document (they share its path) stay in one part", () => {
    const pages = [1, 2, 3, 4, 5].map((page) => ({ path: 'scans/report.pdf', relativePath: `report-p${page}.pdf`, page }));
    for (const shard of parts(9)) expect(new Set(pages.map((page) => inShard(page, shard))).size).toBe(1);
    expect(shardOfPath('./scans/a.jpg', 9)).toBe(shardOfPath('scans/a.jpg', 9));
    expect(shardOfPath('scans\\a.jpg', 9)).toBe(shardOfPath('scans/a.jpg', 9));
  });

  it('spreads 10 000 inputs evenly: each of 4 parts within 2 500 ± 250 (± 5.8 standard deviations)', () => {
    const inputs = inputsNamed(names(10_000));
    for (const shard of parts(4)) {
      const size = inputs.filter((image) => inShard(image, shard)).length;
      expect(Math.abs(size - 2500), `part ${shard.index + 1}: ${size}`).toBeLessThanOrEqual(250);
    }
  });
});

describe('naming a part', () => {
  it('K/N is 1-based; 0/N, K > N and other forms are usage errors that show the form', () => {
    expect(parseShard('3/16')).toEqual({ index: 2, count: 16 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(() => parseShard('0/4')).toThrow(/part 0 of 4 does not exist \(parts are 1 to 4\)/);
    expect(() => parseShard('5/4')).toThrow(/part 5 of 4 does not exist/);
    expect(() => parseShard('3')).toThrow(/expected K\/N, e\.g\. 3\/16/);
    expect(() => parseShard('1/0')).toThrow(UsageError);
  });

  it('auto: a SLURM array as submitted, 0-based or 1-based or with a step; the count from the array', () => {
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '16' })).toEqual({ index: 0, count: 16 });
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '16', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '16' })).toEqual({ index: 15, count: 16 });
    // --array=1-7:2 → tasks 1, 3, 5, 7: four parts.
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 2, count: 4 });
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/not on the array's steps/);
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' }, 8)).toThrow(/"shards" 8 contradicts the array's 4 tasks/);
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2' })).toThrow(/SLURM_ARRAY_TASK_COUNT is not/);
  });

  it('auto: a Kubernetes Indexed Job, 0-based JOB_COMPLETION_INDEX, with the count given (Kubernetes does not set it)', () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '7' }, 8)).toEqual({ index: 7, count: 8 });
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '7' })).toThrow(/give option "shards" N, the Job's completions/);
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '8' }, 8)).toThrow(/part 9 of 8 does not exist/);
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: 'x' }, 8)).toThrow(/not a whole number/);
    expect(() => shardFromEnvironment({})).toThrow(/neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/);
  });

  it("each part's results file has its part before the extension", () => {
    expect(shardResultsPath('out/dets.jsonl', { index: 2, count: 16 })).toBe('out/dets.3-of-16.jsonl');
    expect(shardResultsPath('out/dets', { index: 0, count: 2 })).toBe('out/dets.1-of-2');
  });
});

describe('a batch in parts, merged', () => {
  let scans: string;
  const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const { timings: _timings, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  });

  beforeAll(async () => {
    scans = join(work, 'scans');
    mkdirSync(join(scans, 'sub'), { recursive: true });
    for (let i = 0; i < 24; i++) writeFileSync(join(scans, i % 3 === 0 ? 'sub' : '', `scan-${i}.jpg`), await solidJpeg(100 + i, 80 + i));
    writeFileSync(join(scans, 'broken.jpg'), Buffer.from('not a jpeg at all'));
  });

  async function run(out: string, shard?: Shard) {
    return runBatch({ inputs: [scans], detector: new HeaderDetector(), out, concurrency: 3, ...(shard ? { shard } : {}) });
  }

  it('3 parts, each run on its own, merge into the lines of one run, in its order (a failed image included)', async () => {
    const single = join(work, 'single.jsonl');
    await run(single);
    const files = [];
    let total = 0;
    for (const shard of parts(3)) {
      const file = shardResultsPath(join(work, 'parts', 'dets.jsonl'), shard);
      const summary = await run(file, shard);
      total += summary.total;
      expect(summary.total, `part ${shard.index + 1} is empty: the test proves little`).toBeGreaterThan(0);
      files.push(file);
    }
    expect(total).toBe(25);
    const merged = join(work, 'merged.jsonl');
    const summary = await mergeResults({ parts: files.reverse(), out: merged, inputs: [scans] });
    expect(summary).toMatchObject({ written: 25, failed: 1, duplicates: 0, missing: [], outside: 0 });
    expect(lines(merged)).toEqual(lines(single));
  });

  it("a document's pages stay in one part; with overlays, each part names its overlays as one run does", async () => {
    const folder = join(work, 'docs');
    mkdirSync(folder);
    for (let i = 0; i < 6; i++) writeFileSync(join(folder, `report-${i}.pdf`), await numberedPdf(2 + (i % 2)));
    // Names that one run tells apart only because it sees them all: report-0.pdf page 1 and report-0-p1.jpg.
    writeFileSync(join(folder, 'report-0-p1.jpg'), await solidJpeg(90, 60));
    writeFileSync(join(folder, 'report-1.png'), await solidJpeg(90, 60));
    const overlaysOf = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    const single = join(work, 'docs-single.jsonl');
    await runBatch({ inputs: [folder], detector: new HeaderDetector(), out: single, overlayDir: join(work, 'ov-single'), dpi: 36 });
    const files: string[] = [];
    for (const shard of parts(3)) {
      const file = shardResultsPath(join(work, 'docs-parts', 'dets.jsonl'), shard);
      await runBatch({ inputs: [folder], detector: new HeaderDetector(), out: file, overlayDir: join(work, 'ov-parts'), dpi: 36, shard });
      const documents = new Map<string, Set<number>>();
      for (const line of lines(file)) if (line.page) documents.set(String(line.image), (documents.get(String(line.image)) ?? new Set()).add(Number(line.page)));
      // Every document a part has, it has whole.
      for (const [image, pages] of documents) expect(pages.size, image).toBe(Number(/report-(\d)/.exec(image)![1]) % 2 === 1 ? 3 : 2);
      files.push(file);
    }
    const merged = join(work, 'docs-merged.jsonl');
    await mergeResults({ parts: files, out: merged, inputs: [folder] });
    expect(lines(merged)).toEqual(lines(single));
    expect(overlaysOf(join(work, 'ov-parts'))).toEqual(overlaysOf(join(work, 'ov-single')));
  });

  it('a part that holds no input leaves an empty file, and the merge of every part is the one run', async () => {
    const folder = join(work, 'lone');
    mkdirSync(folder);
    writeFileSync(join(folder, 'only.jpg'), await solidJpeg(70, 50));
    // One input in two parts: whichever part its hash picks, the other is empty.
    const files = parts(2).map((shard) => shardResultsPath(join(work, 'lone-parts', 'dets.jsonl'), shard));
    const totals: number[] = [];
    for (const [i, shard] of parts(2).entries()) totals.push((await runBatch({ inputs: [folder], detector: new HeaderDetector(), out: files[i], shard })).total);
    expect(totals.sort()).toEqual([0, 1]);
    expect(files.map((file) => lines(file).length).sort()).toEqual([0, 1]);
    const merged = join(work, 'lone-merged.jsonl');
    expect(await mergeResults({ parts: files, out: merged, inputs: [folder] })).toMatchObject({ written: 1, missing: [] });
  });

  it('names the inputs no part has, keeps each image once when parts overlap, and leaves out a torn last line', async () => {
    const all = await expandInputs([scans]);
    const first = join(work, 'overlap-1.jsonl');
    const second = join(work, 'overlap-2.jsonl');
    await run(first, { index: 0, count: 2 });
    await run(second, { index: 0, count: 3 });
    // A task killed mid-write: a half line at the end.
    writeFileSync(second, `${readFileSync(second, 'utf8')}{"image":"scans/sc`);
    const notices: string[] = [];
    const merged = join(work, 'overlap.jsonl');
    const summary = await mergeResults({ parts: [first, second], out: merged, inputs: [scans], onNotice: (m) => notices.push(m) });
    const done = new Set(lines(merged).map((line) => line.image));
    expect(done.size).toBe(summary.written);
    const expectedMissing = all.filter((image) => !inShard(image, { index: 0, count: 2 }) && !inShard(image, { index: 0, count: 3 })).map((image) => image.path);
    expect(summary.missing).toEqual(expectedMissing);
    expect(summary.missing.length).toBeGreaterThan(0);
    const both = all.filter((image) => inShard(image, { index: 0, count: 2 }) && inShard(image, { index: 0, count: 3 })).length;
    expect(summary.duplicates).toBe(both);
    expect(summary.written + summary.missing.length).toBe(all.length);
    expect(notices.some((n) => /half-written last line/.test(n))).toBe(true);
  });

  it('of two lines of one image, the one with regions is kept, whichever part comes first', async () => {
    const folder = join(work, 'fixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.jpg'), await solidJpeg(50, 40));
    writeFileSync(join(folder, 'late.jpg'), Buffer.from('still being copied'));
    const before = join(work, 'fixed-before.jsonl');
    const after = join(work, 'fixed-after.jsonl');
    await runBatch({ inputs: [folder], detector: new HeaderDetector(), out: before });
    writeFileSync(join(folder, 'late.jpg'), await solidJpeg(60, 40));
    await runBatch({ inputs: [folder], detector: new HeaderDetector(), out: after });
    for (const order of [[before, after], [after, before]]) {
      const merged = join(work, 'fixed-merged.jsonl');
      rmSync(merged, { force: true });
      const summary = await mergeResults({ parts: order, out: merged, inputs: [folder] });
      expect(summary).toMatchObject({ written: 2, failed: 0, duplicates: 2 });
      const late = lines(merged).find((line) => String(line.image).endsWith('late.jpg'));
      expect(late?.error).toBeUndefined();
      expect(late?.width).toBe(60);
    }
  });

  it('refuses to overwrite a file that is not one of the parts, and can merge into one of them', async () => {
    const a = join(work, 'into-a.jsonl');
    const b = join(work, 'into-b.jsonl');
    await run(a, { index: 0, count: 2 });
    await run(b, { index: 1, count: 2 });
    const other = join(work, 'other.jsonl');
    writeFileSync(other, 'precious\n');
    await expect(mergeResults({ parts: [a, b], out: other })).rejects.toThrow(/exists and is not one of the parts/);
    expect(readFileSync(other, 'utf8')).toBe('precious\n');
    const summary = await mergeResults({ parts: [a, b], out: a });
    expect(summary.written).toBe(25);
    expect(lines(a)).toHaveLength(25);
  });
});
