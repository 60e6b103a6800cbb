/**
 * ocrdet's own results (Detection JSONL) read as a dataset (src/datasets/readers/results.ts): detected from
 * the path, read by `data stats`, `data convert` and `eval --gt`, unsure regions don't care. Inputs: results
 * files written here line by line (scores chosen to sit on each side of the thresholds), and the real embedded
 * detector's results on seed-test photos.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import type { Detection, Region, Sample } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { datasetStats, detectFormat, RESULTS_DEFAULTS } from '../src/datasets/index.js';
import { createPpocrDetector } from '../src/detectors/ppocr/index.js';
import { evaluate } from '../src/eval/index.js';
import { getDialect } from '../src/grounding/index.js';
import { fixture, readAll, SEED_TEST, tempDataset } from './helpers/datasets.js';
import { runInProcess } from './helpers/cli.js';
import { readJsonl } from './helpers/convert.js';

const PHOTOS = ['MSRA_TD500_IMG_0504.jpg', 'MTWI2018_TB15GFULXXXXXaBXXXXunYpLFXX.jpg', 'MSRA_TD500_IMG_1730.jpg'];

/** A quad [x1, y1, x2, y2] as points, clockwise from the top-left. */
const quad = ([x1, y1, x2, y2]: number[]) => [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];

/** A results file of one 640×480 image (photo.jpg beside it) with regions on each side of the thresholds. */
function scoredResults(): string {
  const dir = tempDataset({ 'photo.jpg': readFileSync(join(SEED_TEST, 'Images', 'MSRA_TD500_IMG_0504.jpg')) });
  const regions = [
    { points: quad([10, 10, 200, 60]), score: 0.95, text: 'SURE', textScore: 0.98 }, // a label
    { points: quad([10, 100, 200, 150]), score: 0.65, text: 'FAINT', textScore: 0.97 }, // score under 0.7
    { points: quad([10, 200, 200, 250]), score: 0.9, text: 'M?', textScore: 0.3 }, // text score under 0.5
    { points: quad([10, 300, 200, 350]), text: 'VLM' }, // no score at all (a multimodal model's region)
  ];
  const lines = [
    { image: 'photo.jpg', width: 1728, height: 1296, regions, backend: 'ppocr', model: 'm', timings: {} },
    { image: 'broken.jpg', regions: [], error: { code: 'OCRDET_BAD_IMAGE', message: 'broken.jpg: truncated JPEG' }, backend: 'ppocr', model: 'm', timings: {} },
  ];
  writeFileSync(join(dir, 'dets.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return join(dir, 'dets.jsonl');
}

const care = (s: Sample) => s.regions.filter((r) => !r.ignore).map((r) => r.text);
const dontCare = (s: Sample) => s.regions.filter((r) => r.ignore).map((r) => r.text);

describe('results as a dataset: which detections are labels', () => {
  it('is detected from the file: JSONL, one pretty Detection, an array; never LabelMe or COCO JSON', async () => {
    const file = scoredResults();
    expect(await detectFormat(file)).toBe('results');
    const [first] = readFileSync(file, 'utf8').split('\n').map((l) => l && JSON.parse(l));
    const dir = tempDataset({ 'one.json': JSON.stringify(first, null, 2), 'many.json': JSON.stringify([first]) });
    expect(await detectFormat(join(dir, 'one.json'))).toBe('results');
    expect(await detectFormat(join(dir, 'many.json'))).toBe('results');
    expect(await detectFormat(fixture('labelme', 'Mandrill.json'))).toBe('labelme');
    expect(await detectFormat(fixture('coco-text'))).toBe('coco');
  });

  it("makes a region don't care when its score is under 0.7 or its text score under 0.5; one without a score is a label", async () => {
    expect(RESULTS_DEFAULTS).toEqual({ minScore: 0.7, minTextScore: 0.5 });
    const { samples, problems } = await readAll(scoredResults());
    expect(samples).toHaveLength(1);
    expect(care(samples[0])).toEqual(['SURE', 'VLM']);
    expect(dontCare(samples[0])).toEqual(['FAINT', 'M?']);
    // Scores stay on the regions; sizes come from the line, checked against the image.
    expect(samples[0].regions[0]).toMatchObject({ score: 0.95, textScore: 0.98 });
    expect(samples[0]).toMatchObject({ width: 1728, height: 1296 });
    // A failed image is reported and left out, never read as an image without text.
    expect(problems).toEqual([expect.objectContaining({ kind: 'bad-record', line: 2, element: 'broken.jpg', skipped: true, message: 'the detector failed on this image (OCRDET_BAD_IMAGE: broken.jpg: truncated JPEG); sample skipped' })]);
  });

  it('leaves out a page of a document (its pixels are a rendering no dataset can name), and says so', async () => {
    const dir = tempDataset({ 'scan.pdf': '%PDF-1.7\n' });
    const line = { image: 'scan.pdf', page: 2, dpi: 200, width: 1654, height: 2339, regions: [{ points: quad([10, 10, 200, 60]), score: 0.9 }], backend: 'ppocr', model: 'm', timings: {} };
    writeFileSync(join(dir, 'pages.jsonl'), `${JSON.stringify(line)}\n`);
    const { samples, problems } = await readAll(join(dir, 'pages.jsonl'));
    expect(samples).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'bad-record', line: 1, element: 'scan.pdf page 2', skipped: true, message: expect.stringMatching(/^a page of a document, not an image file; sample skipped/) })]);
  });

  it('takes other thresholds, and no text threshold where the task needs no text', async () => {
    const file = scoredResults();
    expect(care((await readAll(file, { minScore: 0.6 })).samples[0])).toEqual(['SURE', 'FAINT', 'VLM']);
    expect(care((await readAll(file, { minTextScore: 0 })).samples[0])).toEqual(['SURE', 'M?', 'VLM']);
    expect(care((await readAll(file, { minScore: 0.96, minTextScore: 0.99 })).samples[0])).toEqual(['VLM']);
  });

  it('refuses the thresholds for annotations (they judge detections) and outside [0, 1]', async () => {
    const refused = await readAll(SEED_TEST, { minScore: 0.5 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UsageError);
    expect(refused).toMatchObject({ message: 'option "minScore" judges detections: it applies to ocrdet\'s results (format results), not to voc-quad annotations', details: { options: ['minScore'] } });
    await expect(readAll(scoredResults(), { minTextScore: 1.5 })).rejects.toThrow(/option "minTextScore" expects a number in \[0, 1\], got 1.5/);
  });

  it('reports a line (or a one-document file) over the size limit and reads on', async () => {
    const file = scoredResults();
    const { samples, problems } = await readAll(file, { maxAnnotationBytes: 300 });
    // Line 1 (four regions) is over 300 bytes; line 2, the failed image, is not.
    expect(samples).toEqual([]);
    expect(problems.map((p) => [p.kind, p.line, p.message])).toEqual([
      ['bad-record', 1, expect.stringMatching(/^a line of \d+ bytes, more than one image's detections may be \(300 bytes\); line skipped$/)],
      ['bad-record', 2, expect.stringMatching(/^the detector failed on this image/)],
    ]);
    const [first] = readFileSync(file, 'utf8').split('\n');
    const pretty = join(tempDataset({}), 'one.json');
    writeFileSync(pretty, JSON.stringify(JSON.parse(first), null, 2));
    const document = await readAll(pretty, { maxAnnotationBytes: 300 });
    expect(document.problems.map((p) => [p.kind, p.message])).toEqual([['bad-file', expect.stringMatching(/^one JSON document of \d+ bytes, more than 300 bytes; not read/)]]);
  });

  it('finds images by the path recorded, from the working folder, else from the results file’s folder', async () => {
    const dir = tempDataset({});
    const image = join(SEED_TEST, 'Images', PHOTOS[0]);
    copyFileSync(image, join(dir, 'beside.jpg'));
    const line = (path: string) => JSON.stringify({ image: path, regions: [{ points: quad([1, 1, 50, 50]), score: 0.9 }] });
    writeFileSync(join(dir, 'dets.jsonl'), `${line(relative(process.cwd(), image))}\n${line('beside.jpg')}\n`);
    const { samples, problems } = await readAll(join(dir, 'dets.jsonl'));
    expect(problems).toEqual([]);
    expect(samples.map((s) => s.image).sort()).toEqual([image, join(dir, 'beside.jpg')].sort());
    // No size on the lines: read from each image's header.
    expect(samples.map((s) => [s.width, s.height])).toEqual([[1728, 1296], [1728, 1296]]);
  });
});

describe('the embedded detector’s results as training data and as ground truth', () => {
  let dir: string;
  let detections: Detection[];
  beforeAll(async () => {
    dir = tempDataset({});
    // Every region kept (as autolabel keeps them): the ones the recogniser is unsure of too.
    const detector = await createPpocrDetector({ minTextScore: 0 });
    try {
      detections = [];
      for (const name of PHOTOS) detections.push(await detector.detect(join(SEED_TEST, 'Images', name)));
    } finally {
      await detector.close();
    }
    writeFileSync(join(dir, 'dets.jsonl'), `${detections.map((d) => JSON.stringify(d)).join('\n')}\n`);
  });

  const sure = (r: Region) => (r.score ?? 1) >= 0.7 && (r.textScore ?? 1) >= 0.5;

  it('data stats counts the sure regions as care and the rest as don’t care', async () => {
    const stats = await datasetStats(join(dir, 'dets.jsonl'));
    const regions = detections.flatMap((d) => d.regions);
    expect(stats).toMatchObject({ format: 'results', images: 3, regions: regions.length, ignored: regions.filter((r) => !sure(r)).length, skipped: 0 });
    expect(stats.ignored).toBeGreaterThan(0);
  });

  it('data convert writes each image’s sure regions as its answer, exactly as the dialect formats them', async () => {
    const out = join(dir, 'data');
    const report = await convertDataset(join(dir, 'dets.jsonl'), { out, split: 1 });
    expect(report).toMatchObject({ format: 'results', problems: { skipped: 0 } });
    expect(report.regions.dropped['dont-care']).toBe(detections.flatMap((d) => d.regions).filter((r) => !sure(r)).length);
    const rows = readJsonl<{ messages: { role: string; content: string }[]; images: string[] }>(join(out, 'train.jsonl'));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const detection = detections.find((d) => row.images[0] === d.image)!;
      const answer = row.messages.find((m) => m.role === 'assistant')!.content;
      const { regions } = getDialect('internvl2').parse(answer, detection);
      const texts = (list: Region[]) => list.map((r) => r.text).sort();
      expect(texts(regions)).toEqual(texts(detection.regions.filter(sure)));
    }
  });

  it('--task boxes keeps regions whose text is unsure: only the detector score counts', async () => {
    const out = join(dir, 'boxes');
    const report = await convertDataset(join(dir, 'dets.jsonl'), { out, split: 1, task: 'boxes' });
    expect(report.regions.inAnswers).toBe(detections.flatMap((d) => d.regions).filter((r) => (r.score ?? 1) >= 0.7).length);
    await expect(convertDataset(join(dir, 'dets.jsonl'), { out, task: 'boxes', minTextScore: 0.3 })).rejects.toThrow(/option "minTextScore" judges recognised text: it applies to option "task" text, not boxes/);
  });

  it('eval --gt: the same results as ground truth and as predictions score 1, the unsure ones ignored', async () => {
    const { samples } = await readAll(join(dir, 'dets.jsonl'), { minTextScore: 0 });
    const report = await evaluate(samples, detections);
    expect(report).toMatchObject({ precision: 1, recall: 1, hmean: 1 });
    expect(report.gtIgnored).toBe(detections.flatMap((d) => d.regions).filter((r) => (r.score ?? 1) < 0.7).length);
    const cli = await runInProcess(['eval', '--gt', join(dir, 'dets.jsonl'), '--pred', join(dir, 'dets.jsonl'), '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ hmean: 1, gtCare: report.gtCare });
  });
});
