/**
 * EXIF orientation: every reader yields points in the ORIENTED frame (the image as a person sees it).
 * One phone-style JPEG, rendered here: stored 40×20 with a black mark at x 2–10, y 4–8 and EXIF
 * orientation 6 ("rotate 90° clockwise to display"), so it displays 20×40.
 * Orientation 6 maps a stored point (x, y) to (H − y, x) with H = 20: the mark's corners
 * (2,4) (10,4) (10,8) (2,8) land on (16,2) (16,10) (12,10) (12,2) — box [12, 2, 16, 10].
 * Formats whose tools ignore EXIF (voc-quad, icdar2015, coco) write the stored frame and are rotated;
 * LabelMe and PPOCRLabel draw on the oriented image and are taken as they are.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../src/core/types.js';
import { decodeImage } from '../src/image/decode.js';
import { readAll, tempDataset } from './helpers/datasets.js';

const STORED = { width: 40, height: 20 };
const ORIENTED_MARK = { points: [[12, 2], [16, 2], [16, 10], [12, 10]], box: [12, 2, 16, 10] };
let jpeg: Buffer;

beforeAll(async () => {
  const raw = Buffer.alloc(STORED.width * STORED.height * 3, 255);
  for (let y = 4; y < 8; y++) for (let x = 2; x < 10; x++) raw.fill(0, (y * STORED.width + x) * 3, (y * STORED.width + x) * 3 + 3);
  jpeg = await sharp(raw, { raw: { ...STORED, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
});

function only(samples: Sample[]): Sample {
  expect(samples).toHaveLength(1);
  return samples[0];
}

describe('EXIF orientation', () => {
  it('the mapping agrees with the decoder: the stored mark is inside the oriented box once decoded', async () => {
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([20, 40]);
    const grey = (x: number, y: number) => img.data[(y * img.width + x) * 3];
    expect(grey(14, 6)).toBeLessThan(80); // centre of the oriented box: the mark
    expect(grey(6, 6)).toBeGreaterThan(180); // where the stored coordinates would wrongly put it
  });

  it('voc-quad (stored frame) is rotated into the oriented frame, and its size swapped', async () => {
    const xml = `<annotation><size><width>40</width><height>20</height></size><object><name>mark</name><difficult>0</difficult><bndbox><x0>2</x0><y0>4</y0><x1>10</x1><y1>4</y1><x2>10</x2><y2>8</y2><x3>2</x3><y3>8</y3></bndbox></object></annotation>`;
    const { samples, problems } = await readAll(tempDataset({ 'Images/phone.jpg': jpeg, 'Annotations/phone.xml': xml }));
    const sample = only(samples);
    expect([sample.width, sample.height]).toEqual([20, 40]);
    expect(sample.regions[0]).toMatchObject(ORIENTED_MARK);
    expect(problems).toEqual([]);
  });

  it('voc-quad whose size is already the displayed one is taken as oriented, with a note', async () => {
    const xml = `<annotation><size><width>20</width><height>40</height></size><object><name>mark</name><bndbox><xmin>12</xmin><ymin>2</ymin><xmax>16</xmax><ymax>10</ymax></bndbox></object></annotation>`;
    const { samples, problems } = await readAll(tempDataset({ 'Images/phone.jpg': jpeg, 'Annotations/phone.xml': xml }));
    expect(only(samples).regions[0]).toMatchObject(ORIENTED_MARK);
    expect(problems.map((p) => p.kind)).toEqual(['note']);
    expect(problems[0].message).toContain('already EXIF-oriented');
  });

  it('icdar2015 (stored frame, no size in the file) takes the oriented size from the image header', async () => {
    const { samples } = await readAll(tempDataset({ 'img_7.jpg': jpeg, 'gt_img_7.txt': '2,4,10,4,10,8,2,8,mark\n' }));
    const sample = only(samples);
    expect([sample.width, sample.height]).toEqual([20, 40]);
    expect(sample.regions[0]).toMatchObject(ORIENTED_MARK);
  });

  it('coco (stored frame) is rotated', async () => {
    const coco = { images: [{ id: 1, file_name: 'phone.jpg', width: 40, height: 20 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [2, 4, 8, 4] }], categories: [{ id: 1, name: 'text' }] };
    const { samples } = await readAll(tempDataset({ 'phone.jpg': jpeg, 'instances.json': JSON.stringify(coco) }));
    const sample = only(samples);
    expect([sample.width, sample.height]).toEqual([20, 40]);
    expect(sample.regions[0]).toMatchObject(ORIENTED_MARK);
  });

  it('labelme (oriented frame) is taken as written', async () => {
    const labelme = { version: '5.0.1', shapes: [{ label: 'mark', points: [[12, 2], [16, 10]], shape_type: 'rectangle', flags: {} }], imagePath: 'phone.jpg', imageData: null, imageHeight: 40, imageWidth: 20 };
    const { samples, problems } = await readAll(tempDataset({ 'phone.jpg': jpeg, 'phone.json': JSON.stringify(labelme) }));
    const sample = only(samples);
    expect([sample.width, sample.height]).toEqual([20, 40]);
    expect(sample.regions[0]).toMatchObject(ORIENTED_MARK);
    expect(problems).toEqual([]);
  });

  it('ppocr (oriented frame: PPOCRLabel decodes with OpenCV, which applies EXIF) is taken as written', async () => {
    const label = 'data/phone.jpg\t[{"transcription": "mark", "points": [[12, 2], [16, 2], [16, 10], [12, 10]], "difficult": false}]\n';
    const { samples } = await readAll(tempDataset({ 'data/phone.jpg': jpeg, 'data/Label.txt': label }));
    const sample = only(samples);
    expect([sample.width, sample.height]).toEqual([20, 40]);
    expect(sample.regions[0]).toMatchObject(ORIENTED_MARK);
  });

  it('without probing image headers, coordinates stay as written and sizes come from the annotation', async () => {
    const coco = { images: [{ id: 1, file_name: 'phone.jpg', width: 40, height: 20 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [2, 4, 8, 4] }], categories: [] };
    const { samples } = await readAll(tempDataset({ 'phone.jpg': jpeg, 'instances.json': JSON.stringify(coco) }), { probeImages: false });
    const sample = only(samples);
    expect([sample.width, sample.height]).toEqual([40, 20]);
    expect(sample.regions[0].box).toEqual([2, 4, 10, 8]);
  });
});
