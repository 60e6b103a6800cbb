/**
 * labelme reader against real LabelMe files: LabelMe's own examples/primitives (every shape type) and
 * examples/tutorial/apc2016_obj3.json (image embedded as imageData), and MMOCR's toy img_1.json, written on
 * another machine (its imagePath is MMOCR's repository path). Sources: test/fixtures/README.md, "datasets".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/datasets/index.js';
import { fixture, readAll, tempDataset } from './helpers/datasets.js';

describe('labelme fixtures', () => {
  it('reads rectangles and polygons as regions and skips the other shape types with one note', async () => {
    const { samples, problems } = await readAll(fixture('labelme'));
    expect(samples).toEqual([
      {
        image: fixture('labelme', 'primitives.jpg'),
        width: 560,
        height: 450,
        regions: [
          { points: [[32, 35], [132, 35], [132, 135], [32, 135]], box: [32, 35, 132, 135], text: 'rectangle' },
          { points: [[391, 33], [542, 33], [542, 135], [391, 135]], box: [391, 33, 542, 135], text: 'rectangle' },
          // Drawn counter-clockwise (69,318) (45,403) (173,406) (198,321): re-ordered clockwise from the top-left.
          { points: [[69, 318], [198, 321], [173, 406], [45, 403]], box: [45, 318, 198, 406], text: 'polygon' },
        ],
      },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'note', file: fixture('labelme', 'primitives.json') });
    expect(problems[0].message).toBe('not text regions, skipped: 1 circle, 1 line, 1 point, 1 linestrip, 1 mask shapes');
  });

  it('reads the image embedded in imageData when no image file is there (imagePath names the JSON itself)', async () => {
    const { samples, problems } = await readAll(fixture('labelme-embedded'));
    expect(problems).toEqual([]);
    expect(samples).toHaveLength(1);
    expect(samples[0].image).toBe(fixture('labelme-embedded', 'apc2016_obj3.jpg'));
    expect([samples[0].width, samples[0].height]).toEqual([1210, 907]);
    expect(samples[0].regions.map((r) => [r.text, r.points.length])).toEqual([
      ['shelf', 4],
      ['highland_6539_self_stick_notes', 10],
      ['mead_index_cards', 9],
      ['kong_air_dog_squeakair_tennis_ball', 28],
    ]);
  });

  it('takes the size from the embedded image header when the JSON gives none', async () => {
    const json = JSON.parse(readFileSync(fixture('labelme-embedded', 'apc2016_obj3.json'), 'utf8')) as Record<string, unknown>;
    delete json.imageWidth;
    delete json.imageHeight;
    const { samples } = await readAll(tempDataset({ 'a.json': JSON.stringify(json) }));
    expect([samples[0].width, samples[0].height]).toEqual([1210, 907]);
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
    const jpeg = readFileSync(fixture('labelme', 'primitives.jpg'));
    const json = { version: '5.0.1', shapes: [{ label: 'a', points: [[1, 1], [9, 9]], shape_type: 'rectangle' }], imagePath: '..\\images\\p.jpg', imageData: null, imageHeight: 450, imageWidth: 560 };
    const dir = tempDataset({ 'images/p.jpg': jpeg, 'json/p.json': JSON.stringify(json) });
    const { samples, problems } = await readAll(`${dir}/json`);
    expect(problems).toEqual([]);
    expect(samples[0].image).toBe(`${dir}/images/p.jpg`);
  });

  it('is detected', async () => {
    expect(await detectFormat(fixture('labelme'))).toBe('labelme');
    expect(await detectFormat(fixture('labelme-embedded', 'apc2016_obj3.json'))).toBe('labelme');
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
