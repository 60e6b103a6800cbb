/**
 * One hostile or oversized annotation file is one `bad-file` problem; the run goes on with the other files.
 * Beside three real seed-test VOC files and their photos (examples/seed-test): an external entity that would
 * read /etc/passwd, "billion laughs" nested entities, 20,000 nested elements, a file over the size limit. The
 * same through the CLI (`data stats`, `data convert`): statistics and training rows for the good files, exit 1.
 * Other formats: a ppocr line over the limit, a LabelMe file over it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION_SIZE_LIMITS } from '../src/datasets/index.js';
import { runInProcess } from './helpers/cli.js';
import { readAll, SEED_TEST, tempDataset } from './helpers/datasets.js';

let dataset: string;
let good: string[];

const HOSTILE = {
  'external-entity.xml': '<?xml version="1.0"?><!DOCTYPE annotation [<!ENTITY x SYSTEM "file:///etc/passwd">]><annotation><object><name>&x;</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>',
  'laughs.xml': `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><annotation><object><name>&c;</name></object></annotation>`,
  'deep.xml': `<annotation>${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}</annotation>`,
};

beforeAll(() => {
  dataset = mkdtempSync(join(tmpdir(), 'ocrdet-hostile-'));
  mkdirSync(join(dataset, 'Annotations'));
  mkdirSync(join(dataset, 'Images'));
  good = readdirSync(join(SEED_TEST, 'Annotations')).slice(0, 3);
  for (const xml of good) {
    copyFileSync(join(SEED_TEST, 'Annotations', xml), join(dataset, 'Annotations', xml));
    const image = readdirSync(join(SEED_TEST, 'Images')).find((name) => name.startsWith(xml.replace(/\.xml$/, '').replace(/\.jpg$/, '')))!;
    copyFileSync(join(SEED_TEST, 'Images', image), join(dataset, 'Images', image));
  }
  for (const [name, content] of Object.entries(HOSTILE)) writeFileSync(join(dataset, 'Annotations', name), content);
});

describe('hostile VOC files', () => {
  it('each is one bad-file problem saying why; the three good files are read', async () => {
    const { samples, problems } = await readAll(dataset);
    expect(samples).toHaveLength(3);
    const bad = problems.filter((p) => p.kind === 'bad-file').map((p) => [p.file.split('/').pop(), p.message, p.skipped]).sort();
    expect(bad).toEqual([
      ['deep.xml', 'elements nested more than 64 deep; not read', true],
      ['external-entity.xml', 'declares entities (<!DOCTYPE … [ … ]> or <!ENTITY>): annotations have none, and they can read other files or expand without end; not read', true],
      ['laughs.xml', 'declares entities (<!DOCTYPE … [ … ]> or <!ENTITY>): annotations have none, and they can read other files or expand without end; not read', true],
    ]);
    expect(JSON.stringify(samples)).not.toContain('root:');
  });

  it('ocrdet data stats: the statistics of the good files, one line per bad one, exit 1 (not OCRDET_INTERNAL)', async () => {
    const result = await runInProcess(['data', 'stats', dataset, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/OCRDET_INTERNAL/);
    expect(result.stderr.match(/(deep|external-entity|laughs)\.xml: /g)).toHaveLength(3);
    const stats = JSON.parse(result.stdout) as { images: number; regions: number; problemsByKind: Record<string, number> };
    const alone = JSON.parse((await runInProcess(['data', 'stats', join(dataset, 'Annotations', good[0]), '--json'])).stdout) as { regions: number };
    expect(stats.images).toBe(3);
    expect(stats.regions).toBeGreaterThanOrEqual(alone.regions);
    expect(stats.problemsByKind['bad-file']).toBe(3);
  });

  it('ocrdet data convert: training rows for the good files, exit 1', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ocrdet-hostile-out-'));
    const result = await runInProcess(['data', 'convert', dataset, '--out', join(out, 'swift'), '--split', '1']);
    expect(result.stderr).not.toMatch(/OCRDET_INTERNAL/);
    expect(result.code).toBe(1);
    expect(readFileSync(join(out, 'swift', 'train.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});

describe('image paths that cannot be looked at', () => {
  it('an image path through a file (ENOTDIR; EACCES alike) is an image not found, not the end of the run', async () => {
    const labelme = (imagePath: string) => JSON.stringify({ version: '5.0.1', shapes: [{ label: 'b', points: [[1, 2], [5, 6]], shape_type: 'rectangle' }], imagePath, imageWidth: 9, imageHeight: 9 });
    const { samples, problems } = await readAll(tempDataset({ 'a.json': labelme('a.json/x.jpg'), 'b.json': labelme('b.jpg') }), { format: 'labelme' });
    expect(samples.map((s) => s.regions.map((r) => r.text))).toEqual([['b'], ['b']]);
    expect(problems.some((p) => p.file.endsWith('a.json') || p.message.includes('a.json/x.jpg'))).toBe(true);
  });
});

describe('size limits', () => {
  it('the defaults, per format', () => {
    expect(ANNOTATION_SIZE_LIMITS).toEqual({ 'voc-quad': 16 * 2 ** 20, icdar2015: 16 * 2 ** 20, labelme: 64 * 2 ** 20, ppocr: 16 * 2 ** 20, coco: 500 * 2 ** 20, results: 64 * 2 ** 20 });
  });

  it('a VOC file over 16 MiB is not read: one bad-file problem naming its size and the limit', async () => {
    const big = `<annotation>${' '.repeat(16 * 2 ** 20)}</annotation>`;
    const dir = tempDataset({ 'Annotations/big.xml': big, 'Annotations/ok.xml': readFileSync(join(dataset, 'Annotations', good[0])) });
    const { samples, problems } = await readAll(dir, { probeImages: false });
    expect(samples).toHaveLength(1);
    expect(problems.filter((p) => p.kind === 'bad-file').map((p) => p.message)).toEqual([`${Buffer.byteLength(big)} bytes, more than an annotation file may be (16 MiB); not read`]);
  });

  it('maxAnnotationBytes replaces the limit; a LabelMe file over it is a bad file', async () => {
    const shapes = Array.from({ length: 200 }, (_, i) => ({ label: `t${i}`, points: [[1, 1], [9, 9]], shape_type: 'rectangle' }));
    const dir = tempDataset({ 'a.json': JSON.stringify({ version: '5', shapes, imagePath: 'a.jpg', imageWidth: 10, imageHeight: 10 }), 'b.json': JSON.stringify({ version: '5', shapes: [], imagePath: 'b.jpg', imageWidth: 10, imageHeight: 10 }) });
    const { samples, problems } = await readAll(dir, { format: 'labelme', probeImages: false, maxAnnotationBytes: 4096 });
    expect(samples.map((s) => s.image.split('/').pop())).toEqual(['b.jpg']);
    expect(problems.find((p) => p.kind === 'bad-file')?.message).toMatch(/^\d+ bytes, more than an annotation file may be \(4096 bytes\); not read$/);
    await expect(readAll(dir, { format: 'labelme', maxAnnotationBytes: 0 })).rejects.toThrow('option "maxAnnotationBytes" expected a positive whole number of bytes, received 0');
  });

  it('ppocr: a line over the limit is skipped without being held; the lines after it are read', async () => {
    const line = (name: string, text: string) => `${name}\t[{"transcription": "${text}", "points": [[1,1],[9,1],[9,9],[1,9]]}]\n`;
    const long = line('b.jpg', 'b'.repeat(300_000));
    const dir = tempDataset({ 'Label.txt': line('a.jpg', 'a') + long + line('c.jpg', 'c') });
    const { samples, problems } = await readAll(dir, { probeImages: false, maxAnnotationBytes: 100_000 });
    expect(samples.map((s) => s.regions[0].text)).toEqual(['a', 'c']);
    expect(problems.filter((p) => p.kind === 'bad-record').map((p) => [p.line, p.message])).toEqual([[2, `a line of ${long.length - 1} bytes, more than one image's annotations may be (100000 bytes); line skipped`]]);
  });
});
