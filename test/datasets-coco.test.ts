/**
 * coco reader against real COCO files: MMOCR's toy instances_test.json (ICDAR 2015 images converted to COCO,
 * `###` written as iscrowd) and MMOCR's coco_sample.json (bbox-only, two categories).
 * Sources: test/fixtures/README.md, "datasets".
 */
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/datasets/index.js';
import { fixture, readAll, sampleNamed, tempDataset } from './helpers/datasets.js';

const IMAGES = fixture('icdar2015', 'ch4_training_images');

describe('coco fixtures', () => {
  it('finds images by relative path, then by name, and yields one sample per image in the file', async () => {
    const { samples, problems } = await readAll(fixture('coco-text'), { images: IMAGES });
    expect(samples).toHaveLength(10);
    // file_name "test/img_1.jpg" is not under --images; "img_1.jpg" is.
    const img1 = sampleNamed(samples, 'img_1.jpg');
    expect(img1.image).toBe(`${IMAGES}/img_1.jpg`);
    expect(img1).toMatchObject({ width: 1280, height: 720, source: 'test' });
    const missing = problems.filter((p) => p.kind === 'missing-image');
    expect(missing).toHaveLength(8);
    expect(missing.every((p) => p.skipped && p.element?.startsWith('test/img_'))).toBe(true);
  });

  it("gives the same regions as ICDAR's own ground truth for the same image; iscrowd is don't care", async () => {
    const coco = sampleNamed((await readAll(fixture('coco-text'), { images: IMAGES })).samples, 'img_1.jpg');
    const icdar = (await readAll(fixture('icdar2015', 'ch4_training_localization_transcription_gt', 'gt_img_1.txt'), { images: IMAGES })).samples[0];
    expect(coco.regions.map((r) => [r.points, r.ignore ?? false])).toEqual(icdar.regions.map((r) => [r.points, r.ignore ?? false]));
    // MMOCR's converter keeps no transcription: the category name is the text.
    expect(new Set(coco.regions.map((r) => r.text))).toEqual(new Set(['text']));
  });

  it('reads bbox-only annotations with their category names, and images without annotations', async () => {
    const { samples, problems } = await readAll(fixture('coco-bbox'));
    expect(samples.map((s) => [s.image.split('/').pop(), s.width, s.height, s.regions.map((r) => r.text)])).toEqual([
      ['fake1.jpg', 800, 800, ['bus', 'car']],
      ['fake2.jpg', 800, 800, ['bus']],
      ['fake3.jpg', 800, 800, []],
    ]);
    // bbox [0, 0, 20, 20] is x, y, width, height.
    expect(samples[0].regions[0]).toEqual({ points: [[0, 0], [20, 0], [20, 20], [0, 20]], box: [0, 0, 20, 20], text: 'bus' });
    expect(problems.map((p) => p.kind)).toEqual(['note']);
  });

  it('is detected', async () => {
    expect(await detectFormat(fixture('coco-text'))).toBe('coco');
    expect(await detectFormat(fixture('coco-bbox', 'coco_sample.json'))).toBe('coco');
  });
});

describe('coco records', () => {
  const base = { categories: [{ id: 1, name: 'text' }], images: [{ id: 1, file_name: 'a.jpg', width: 100, height: 100 }] };

  it('uses a transcription field over the category name, and the largest part of a multi-part polygon', async () => {
    const annotations = [
      { id: 1, image_id: 1, category_id: 1, utf8_string: 'Hello', segmentation: [[10, 10, 20, 10, 20, 20, 10, 20], [30, 30, 90, 30, 90, 60, 30, 60]], bbox: [10, 10, 80, 50] },
      { id: 2, image_id: 1, category_id: 1, segmentation: { counts: 'abc', size: [100, 100] }, bbox: [5, 5, 10, 4], legibility: 'illegible' },
    ];
    const { samples, problems } = await readAll(tempDataset({ 'c.json': JSON.stringify({ ...base, annotations }) }));
    expect(samples[0].regions).toEqual([
      { points: [[30, 30], [90, 30], [90, 60], [30, 60]], box: [30, 30, 90, 60], text: 'Hello' },
      // An RLE mask has no polygon: its bbox is used.
      { points: [[5, 5], [15, 5], [15, 9], [5, 9]], box: [5, 5, 15, 9], text: 'text', ignore: true },
    ]);
    expect(problems.filter((p) => p.kind !== 'note' || !p.message.includes('no images found'))).toEqual([
      expect.objectContaining({ kind: 'note', message: '1 annotations have several polygons; the largest of each is used' }),
    ]);
  });

  it('bad annotations and images are one problem each; the rest is read', async () => {
    const annotations = [
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 30, 20] },
      { id: 2, image_id: 1, category_id: 1, segmentation: [[10, 10, 20]] },
      { id: 3, image_id: 1, category_id: 1, bbox: ['x', 10, 30, 20] },
      { id: 4, image_id: 1, category_id: 1 },
      { id: 5, image_id: 99, category_id: 1, bbox: [1, 1, 5, 5] },
    ];
    const images = [...base.images, { id: 2, width: 10, height: 10 }];
    const dir = tempDataset({ 'c.json': JSON.stringify({ ...base, images, annotations }) });
    const { samples, problems } = await readAll(dir);
    expect(samples).toHaveLength(1);
    expect(samples[0].regions.map((r) => r.box)).toEqual([[10, 10, 40, 30]]);
    const bad = problems.filter((p) => p.kind === 'bad-record');
    expect(bad.map((p) => p.element)).toEqual(['annotations[id=2]', 'annotations[id=3]', 'annotations[id=4]', 'images[id=2]', 'annotations']);
    expect(bad.every((p) => p.skipped)).toBe(true);
    expect(bad[4].message).toBe('1 annotations name an image_id not in "images" (99); skipped');
  });

  it('broken JSON and a JSON without images are one bad-file problem each', async () => {
    const dir = tempDataset({ 'a.json': '{"images": [\n{"id": 1,,}]}', 'b.json': '{"annotations": []}' });
    const { samples, problems } = await readAll(dir, { format: 'coco' });
    expect(samples).toEqual([]);
    const sorted = problems.map((p) => [p.kind, p.file.split('/').pop(), p.line ?? null]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(sorted).toEqual([
      ['bad-file', 'a.json', 2],
      ['bad-file', 'b.json', null],
    ]);
  });

  it('an empty file is one bad-file problem', async () => {
    const dir = tempDataset({ 'instances.json': '' });
    const { samples, problems } = await readAll(`${dir}/instances.json`, { format: 'coco' });
    expect(samples).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'bad-file', message: 'empty file', skipped: true })]);
  });
});
