/**
 * labelme reader against real LabelMe files: labelme-rs's Mandrill.json (every shape type), an augmentation
 * project's demo3.json (image embedded as imageData), and MMOCR's toy img_1.json, written on another machine
 * (its imagePath is MMOCR's repository path). Sources: test/fixtures/README.md, "datasets".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/datasets/index.js';
import { fixture, readAll, tempDataset } from './helpers/datasets.js';

describe('labelme fixtures', () => {
  it('reads rectangles and polygons as regions and skips the other shape types with one note', async () => {
    // labelme-rs's Mandrill.json: every LabelMe shape type, floating-point corners as LabelMe writes them.
    const json = JSON.parse(readFileSync(fixture('labelme', 'Mandrill.json'), 'utf8')) as { shapes: { label: string; points: [number, number][]; shape_type: string }[] };
    const [eye1, eye2] = json.shapes.filter((s) => s.shape_type === 'polygon').map((s) => s.points);
    const [[x1, y1], [x2, y2]] = json.shapes.find((s) => s.shape_type === 'rectangle')!.points;
    const { samples, problems } = await readAll(fixture('labelme'));
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ image: fixture('labelme', 'Mandrill.jpg'), width: 256, height: 256 });
    expect(samples[0].regions.map((r) => r.text)).toEqual(['Eye', 'Eye', 'Nose']);
    // Clockwise on screen already, starting at the top-left corner: kept as drawn.
    expect(samples[0].regions[0].points).toEqual(eye1);
    // Drawn from its left corner (145.7, 37.3): the same ring, started at the top-left one (158.1, 19.9).
    expect(samples[0].regions[1].points).toEqual([...eye2.slice(1), eye2[0]]);
    // A rectangle is its two opposite corners in LabelMe.
    expect(samples[0].regions[2].points).toEqual([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]);
    expect(samples[0].regions[2].box).toEqual([x1, y1, x2, y2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'note', file: fixture('labelme', 'Mandrill.json') });
    expect(problems[0].message).toBe('not text regions, skipped: 6 linestrip, 2 circle, 1 line, 3 point shapes');
  });

  it('skips a LabelMe 5 mask shape (a bitmap, not a quadrilateral) in the same note', async () => {
    const json = JSON.parse(readFileSync(fixture('labelme', 'Mandrill.json'), 'utf8')) as { shapes: unknown[] };
    // LabelMe ≥ 5.1 writes masks as two corners plus a base64 PNG of the cut-out (a 1×1 one here).
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
    json.shapes.push({ label: 'Fur', points: [[10, 10], [11, 11]], group_id: null, shape_type: 'mask', flags: {}, mask: png });
    const dir = tempDataset({ 'Mandrill.json': JSON.stringify(json), 'Mandrill.jpg': readFileSync(fixture('labelme', 'Mandrill.jpg')) });
    const { samples, problems } = await readAll(dir);
    expect(samples[0].regions.map((r) => r.text)).toEqual(['Eye', 'Eye', 'Nose']);
    expect(problems.map((p) => p.message)).toEqual(['not text regions, skipped: 6 linestrip, 2 circle, 1 line, 3 point, 1 mask shapes']);
  });

  it('reads the image embedded in imageData when the file imagePath names is not there', async () => {
    const { samples, problems } = await readAll(fixture('labelme-embedded'));
    expect(problems).toEqual([]);
    expect(samples).toHaveLength(1);
    expect(samples[0].image).toBe(fixture('labelme-embedded', 'demo3.jpg'));
    expect([samples[0].width, samples[0].height]).toEqual([338, 338]);
    expect(samples[0].regions.map((r) => [r.text, r.points.length])).toEqual([['Astronaut', 121]]);
  });

  it('takes the size from the embedded image header when the JSON gives none', async () => {
    const json = JSON.parse(readFileSync(fixture('labelme-embedded', 'demo3.json'), 'utf8')) as Record<string, unknown>;
    delete json.imageWidth;
    delete json.imageHeight;
    const { samples } = await readAll(tempDataset({ 'a.json': JSON.stringify(json) }));
    expect([samples[0].width, samples[0].height]).toEqual([338, 338]);
  });

  it("finds an image written on another machine by name under --images, and reads the same regions as ICDAR's gt", async () => {
    const images = fixture('icdar2015', 'ch4_training_images');
    const labelme = await readAll(fixture('labelme-other-machine'), { images });
    expect(labelme.problems).toEqual([]);
    expect(labelme.samples[0].image).toBe(`${images}/img_1.jpg`);
    const icdar = await readAll(fixture('icdar2015', 'ch4_training_localization_transcription_gt', 'gt_img_1.txt'), { images });
    expect(labelme.samples[0].regions).toEqual(icdar.samples[0].regions);
    expect(labelme.samples[0].regions.filter((r) => r.ignore)).toHaveLength(3);
  });

  it('without the image, keeps the JSON size and says once that it reads annotations only', async () => {
    const { samples, problems } = await readAll(fixture('labelme-other-machine'));
    expect([samples[0].width, samples[0].height]).toEqual([1280, 720]);
    expect(problems.map((p) => p.kind)).toEqual(['note']);
  });

  it('resolves a Windows-style relative imagePath', async () => {
    const jpeg = readFileSync(fixture('labelme', 'Mandrill.jpg'));
    const json = { version: '5.0.1', shapes: [{ label: 'a', points: [[1, 1], [9, 9]], shape_type: 'rectangle' }], imagePath: '..\\images\\p.jpg', imageData: null, imageHeight: 256, imageWidth: 256 };
    const dir = tempDataset({ 'images/p.jpg': jpeg, 'json/p.json': JSON.stringify(json) });
    const { samples, problems } = await readAll(`${dir}/json`);
    expect(problems).toEqual([]);
    expect(samples[0].image).toBe(`${dir}/images/p.jpg`);
  });

  it('is detected', async () => {
    expect(await detectFormat(fixture('labelme'))).toBe('labelme');
    expect(await detectFormat(fixture('labelme-embedded', 'demo3.json'))).toBe('labelme');
  });
});

describe('labelme bad input', () => {
  it('broken JSON (with its line), an empty file, a JSON without shapes, a NaN point and a zero-size rectangle', async () => {
    const shapes = [
      { label: 'ok', points: [[1, 1], [30, 1], [30, 9], [1, 9]], shape_type: 'polygon' },
      { label: 'nan', points: [[1, 1], [null, 1], [30, 9]], shape_type: 'polygon' },
      { label: 'flat', points: [[5, 5], [5, 5]], shape_type: 'rectangle' },
    ];
    const dataset = tempDataset({
      'good.json': JSON.stringify({ version: '5.0.1', shapes, imagePath: 'x.jpg', imageHeight: 50, imageWidth: 50 }),
      'broken.json': '{\n  "version": "5.0.1",\n  "shapes": [\n    {"label": "a",}\n  ]\n}\n',
      'empty.json': '',
      'other.json': '{"version": "5.0.1", "imagePath": "x.jpg"}',
    });
    const { samples, problems } = await readAll(dataset, { format: 'labelme' });
    expect(samples).toHaveLength(1);
    expect(samples[0].regions.map((r) => r.text)).toEqual(['ok']);
    const byFile = (name: string) => problems.filter((p) => p.file.endsWith(`/${name}`));
    expect(byFile('broken.json')).toEqual([expect.objectContaining({ kind: 'bad-file', line: 4, skipped: true })]);
    expect(byFile('empty.json')).toEqual([expect.objectContaining({ kind: 'bad-file', message: 'empty file' })]);
    expect(byFile('other.json')).toEqual([expect.objectContaining({ kind: 'bad-file', message: 'not a LabelMe file (no "shapes" list)' })]);
    const good = byFile('good.json');
    expect(good.find((p) => p.element === 'shapes[1]')).toMatchObject({ kind: 'bad-record', skipped: true });
    expect(good.find((p) => p.element === 'shapes[2]')).toMatchObject({ kind: 'degenerate', skipped: true });
  });
});
