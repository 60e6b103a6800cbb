/**
 * Well-formed files with the wrong things inside (nulls, numbers and strings where objects are expected)
 * never throw out of the stream: every reader reports them and goes on.
 */
import { describe, expect, it } from 'vitest';
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
