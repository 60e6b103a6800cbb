/**
 * Well-formed files with the wrong things inside (nulls, numbers and strings where objects are expected)
 * never throw out of the stream: every reader reports them and goes on.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readLines, readTextFile, textLines } from '../src/datasets/files.js';
import { readAll, tempDataset } from './helpers/datasets.js';

describe('odd structures are reported, never thrown', () => {
  it('voc-quad: text where elements are expected', async () => {
    const xml = '<annotation><size>big</size><object>text</object><object><name>a</name><bndbox>1,2</bndbox></object></annotation>';
    const { samples, problems } = await readAll(tempDataset({ 'Annotations/a.xml': xml }));
    expect(samples).toHaveLength(1);
    expect(samples[0].regions).toEqual([]);
    expect(problems.filter((p) => p.kind === 'bad-record').map((p) => p.element)).toEqual(['object[1]', 'object[2]']);
  });

  it('labelme: null and numbers as shapes, a string as points', async () => {
    const json = { version: '5.0.1', shapes: [null, 5, { label: 'a', points: 'abc' }], imagePath: 'a.jpg', imageWidth: 'wide' };
    const { samples, problems } = await readAll(tempDataset({ 'a.json': JSON.stringify(json) }), { format: 'labelme' });
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ width: 0, height: 0, regions: [] });
    expect(problems.filter((p) => p.kind === 'bad-record').map((p) => p.element)).toEqual(['shapes[0]', 'shapes[1]', 'shapes[2]']);
  });

  it('coco: null images and annotations, a string size, a null bbox', async () => {
    const json = { images: [null, 5, { id: 1, file_name: 'a.jpg', width: 'x', height: 3 }], annotations: [null, { id: 7, image_id: 1, bbox: null }], categories: [null] };
    const { samples, problems } = await readAll(tempDataset({ 'c.json': JSON.stringify(json) }), { format: 'coco' });
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ width: 0, height: 0, regions: [] });
    expect(problems.filter((p) => p.kind === 'bad-record').map((p) => p.element)).toEqual(['images[0]', 'images[1]', 'annotations[id=7]']);
  });

  it('ppocr: null and numbers as items, an object as points', async () => {
    const { samples, problems } = await readAll(tempDataset({ 'Label.txt': 'a.jpg\t[null, 5, {"transcription": 1, "points": {"x": 1}}]\n' }));
    expect(samples).toHaveLength(1);
    expect(samples[0].regions).toEqual([]);
    expect(problems.filter((p) => p.kind === 'bad-record').map((p) => p.element)).toEqual(['a.jpg item 1', 'a.jpg item 2', 'a.jpg item 3']);
  });
});

describe('small annotation files are read whole, with the line rules of a streamed read', () => {
  const texts = ['', '\n', 'a', 'a\n', 'a\r\nb\r\n', 'a\rb', 'a\n\nb\n\n', '\uFEFFx_1,2\r\ny', 'a\r\n\r\n'];
  it.each(texts.map((t) => [JSON.stringify(t), t]))('%s: textLines(readTextFile) = readLines (node:readline)', async (_name, text) => {
    const dir = tempDataset({ 'f.txt': text });
    const file = join(dir, 'f.txt');
    const streamed = [];
    for await (const line of readLines(file)) streamed.push(line);
    expect([...textLines(readTextFile(file))]).toEqual(streamed);
  });

  it('a BOM before LabelMe JSON and VOC XML is not an error', async () => {
    const xml = '\uFEFF<annotation><object><name>a</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>6</ymax></bndbox></object></annotation>';
    const voc = await readAll(tempDataset({ 'Annotations/a.xml': xml }));
    expect(voc.samples[0].regions.map((r) => r.text)).toEqual(['a']);
    const json = { version: '5.0.1', shapes: [{ label: 'b', points: [[1, 2], [5, 6]], shape_type: 'rectangle' }], imagePath: 'a.jpg', imageWidth: 9, imageHeight: 9 };
    const labelme = await readAll(tempDataset({ 'a.json': `\uFEFF${JSON.stringify(json)}` }), { format: 'labelme' });
    expect(labelme.samples[0].regions.map((r) => r.text)).toEqual(['b']);
  });
});
