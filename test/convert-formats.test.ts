/**
 * The other row shapes and formats: ms-swift 2.x rows with the reference's own prompts (--prompts-from its
 * head3 file), ICDAR 2015 and COCO written from seed-test and read back by ocrdet's own readers (same
 * images, same regions, don't-care kept), image paths absolute / relative / copied.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { readDataset } from '../src/datasets/index.js';
import { getDialect } from '../src/grounding/index.js';
import { probeImage } from '../src/image/probe.js';
import { HEAD3, missingRegions, readJsonl, SEED_TEST, seedTestByImage, tempOut } from './helpers/convert.js';
import { tempDataset } from './helpers/datasets.js';

let truth: Map<string, Sample>;
beforeAll(async () => {
  truth = await seedTestByImage();
});

async function readBack(path: string, options: Parameters<typeof readDataset>[1]): Promise<Sample[]> {
  const samples: Sample[] = [];
  for await (const sample of readDataset(path, options)) samples.push(sample);
  return samples;
}

/** Regions as comparable values: text (### for don't care) and points rounded to 0.01 px, sorted. */
function regionKeys(sample: Sample): string[] {
  return sample.regions
    .map((r) => `${r.ignore ? '###' : (r.text ?? '')} ${r.points.map(([x, y]) => `${Math.round(x * 100) / 100},${Math.round(y * 100) / 100}`).join(' ')}`)
    .sort();
}

describe('row shapes and exchange formats', () => {
  it('--swift-version 2 writes the reference\'s system/query/response/images rows, with its prompts via --prompts-from', async () => {
    const out = tempOut('swift2');
    await convertDataset(SEED_TEST, { out, swiftVersion: 2, promptsFrom: HEAD3 });
    const reference = readJsonl<{ system: string; query: string }>(HEAD3)[0];
    const rows = readJsonl<{ system: string; query: string; response: string; images: string[] }>(join(out, 'train.jsonl'));
    expect(rows).toHaveLength(45);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['system', 'query', 'response', 'images']);
      expect(row.system).toBe(reference.system);
      expect(row.query).toBe('请目标检测图像中的信息并给出边界框');
      const sample = truth.get(row.images[0])!;
      const { regions } = getDialect('internvl2').parse(row.response, sample);
      expect(missingRegions(sample, regions, getDialect('internvl2'))).toEqual([]);
    }
  });

  it('--to icdar writes gt_<image>.txt files that the icdar2015 reader reads back to the same regions, ### included', async () => {
    const out = tempOut('icdar');
    const report = await convertDataset(SEED_TEST, { out, to: 'icdar' });
    expect(report.samples).toMatchObject({ train: 45, val: 5 });
    const back = [
      ...(await readBack(join(out, 'train'), { format: 'icdar2015', images: join(SEED_TEST, 'Images') })),
      ...(await readBack(join(out, 'val'), { format: 'icdar2015', images: join(SEED_TEST, 'Images') })),
    ];
    expect(back).toHaveLength(50);
    for (const sample of back) {
      const original = truth.get(sample.image)!;
      expect(original, sample.image).toBeDefined();
      expect(regionKeys(sample)).toEqual(regionKeys(original));
    }
    const list = readFileSync(join(out, 'train-images.tsv'), 'utf8').trim().split('\n');
    expect(list).toHaveLength(45);
    expect(list.every((line) => truth.has(line.split('\t')[1]))).toBe(true);
  });

  it('--to coco writes train.json / val.json that the coco reader reads back to the same regions, iscrowd for ###', async () => {
    const out = tempOut('coco');
    await convertDataset(SEED_TEST, { out, to: 'coco' });
    const train = JSON.parse(readFileSync(join(out, 'train.json'), 'utf8'));
    expect(train.images).toHaveLength(45);
    expect(train.categories).toEqual([{ id: 1, name: 'text', supercategory: 'text' }]);
    expect(train.annotations.filter((a: { iscrowd: number }) => a.iscrowd === 1).length).toBeGreaterThan(0);
    const back = [...(await readBack(join(out, 'train.json'), { format: 'coco' })), ...(await readBack(join(out, 'val.json'), { format: 'coco' }))];
    expect(back).toHaveLength(50);
    for (const sample of back) expect(regionKeys(sample)).toEqual(regionKeys(truth.get(sample.image)!));
  });

  it('--paths rel writes paths relative to the output folder; abs (the default) writes absolute ones', async () => {
    const rel = tempOut('rel');
    await convertDataset(SEED_TEST, { out: rel, paths: 'rel' });
    for (const row of readJsonl<{ images: string[] }>(join(rel, 'train.jsonl'))) {
      expect(row.images[0].startsWith('/')).toBe(false);
      expect(truth.has(resolve(rel, row.images[0]))).toBe(true);
    }
    const abs = tempOut('abs');
    await convertDataset(SEED_TEST, { out: abs });
    for (const row of readJsonl<{ images: string[] }>(join(abs, 'train.jsonl'))) expect(truth.has(row.images[0])).toBe(true);
  });

  it('--copy-images copies the images into the output folder; ICDAR output then reads back without --images', async () => {
    const out = tempOut('copy');
    const report = await convertDataset(SEED_TEST, { out, to: 'icdar', copyImages: true, paths: 'rel' });
    expect(report.copiedImages).toBe(50);
    const back = await readBack(join(out, 'train'), { format: 'icdar2015' });
    expect(back).toHaveLength(45);
    for (const sample of back) {
      expect(sample.image.startsWith(join(out, 'images'))).toBe(true);
      const original = [...truth.values()].find((s) => basename(sample.image).startsWith(basename(s.image).replace(/\.[^.]+$/, '')))!;
      expect(readFileSync(sample.image).equals(readFileSync(original.image))).toBe(true);
      expect(regionKeys(sample)).toEqual(regionKeys(original));
    }
  });

  it('writes an upright copy of an image with an EXIF orientation (trainers ignore it) and answers for that copy', async () => {
    // Stored 40×20 with a black mark at x 2–10, y 4–8, EXIF orientation 6: displayed 20×40 with the mark at
    // [12, 2, 16, 10] (test/datasets-exif.test.ts works the mapping out).
    const raw = Buffer.alloc(40 * 20 * 3, 255);
    for (let y = 4; y < 8; y++) for (let x = 2; x < 10; x++) raw.fill(0, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const xml = '<annotation><size><width>40</width><height>20</height></size><object><name>mark</name><difficult>0</difficult><bndbox><x0>2</x0><y0>4</y0><x1>10</x1><y1>4</y1><x2>10</x2><y2>8</y2><x3>2</x3><y3>8</y3></bndbox></object></annotation>';
    const out = tempOut('exif');
    const report = await convertDataset(tempDataset({ 'Images/phone.jpg': jpeg, 'Annotations/phone.xml': xml }), { out, split: 1 });
    expect(report.uprightCopies).toBe(1);
    const [row] = readJsonl<{ messages: { role: string; content: string }[]; images: string[] }>(join(out, 'train.jsonl'));
    expect(row.images[0].startsWith(join(out, 'upright'))).toBe(true);
    const copy = await probeImage(row.images[0]);
    expect([copy.width, copy.height, copy.orientation]).toEqual([20, 40, 1]);
    const { data } = await sharp(row.images[0]).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(data[6 * 20 + 14]).toBeLessThan(80); // inside [12, 2, 16, 10]: the mark, as PIL will read the copy
    const [region] = getDialect('internvl2').parse(row.messages[1].content, copy).regions;
    expect(region.box.map((v, i) => Math.abs(v - [12, 2, 16, 10][i]) <= (i % 2 ? 0.04 : 0.02))).toEqual([true, true, true, true]);
  });
});

