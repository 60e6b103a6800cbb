/**
 * voc-quad reader against real files: seed-test itself (examples/seed-test), three of its files copied
 * into test/fixtures/datasets/voc-quad (one with the `x.jpg.xml` ↔ `x.jpg.jpg` naming, one whose image was
 * left out so it is unpaired), and mmdetection's plain VOC 000001.xml (annotation only, stale <filename>).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/datasets/index.js';
import { SEED_TEST, fixture, readAll, sampleNamed, tempDataset } from './helpers/datasets.js';

const ODD = 'MTWI2018_TB16doxPpXXXXcxXXXX4GhJ_pXX_055051.jpg';

describe('voc-quad on seed-test', () => {
  it('reads all 50 images: 510 care quads and 150 don\'t-care quads, as the peers counted', async () => {
    const { samples, problems } = await readAll(SEED_TEST);
    expect(samples).toHaveLength(50);
    const regions = samples.flatMap((s) => s.regions);
    expect(regions.filter((r) => !r.ignore)).toHaveLength(510);
    expect(regions.filter((r) => r.ignore)).toHaveLength(150);
    // Every don't-care region is both difficult=1 and "###" in these files.
    expect(regions.filter((r) => r.ignore).every((r) => r.text === '###')).toBe(true);
    // Nothing is skipped; the only problems are quads poking out of their image (kept as annotated).
    expect(problems.filter((p) => p.skipped)).toEqual([]);
    expect(new Set(problems.map((p) => p.kind))).toEqual(new Set(['out-of-image']));
    expect(problems).toHaveLength(12);
  });

  it('takes source from <type>: 19 MSRA-TD500 images (67 regions) and 31 MTWI-2018 images (593)', async () => {
    const { samples } = await readAll(SEED_TEST);
    const by = (source: string) => samples.filter((s) => s.source === source);
    expect(by('MSRA-TD500')).toHaveLength(19);
    expect(by('MSRA-TD500').reduce((n, s) => n + s.regions.length, 0)).toBe(67);
    expect(by('MTWI-2018')).toHaveLength(31);
    expect(by('MTWI-2018').reduce((n, s) => n + s.regions.length, 0)).toBe(593);
  });

  it('is detected as voc-quad', async () => {
    expect(await detectFormat(SEED_TEST)).toBe('voc-quad');
  });
});

describe('voc-quad fixtures', () => {
  it('pairs x.jpg.xml with x.jpg.jpg and reads its four quads, clockwise from the top-left', async () => {
    const { samples } = await readAll(fixture('voc-quad'));
    const odd = sampleNamed(samples, `${ODD}.jpg`);
    expect(odd.image).toBe(fixture('voc-quad', 'Images', `${ODD}.jpg`));
    expect([odd.width, odd.height]).toEqual([350, 300]);
    expect(odd.source).toBe('MTWI-2018');
    expect(odd.regions.map((r) => r.text)).toEqual(['预订电话：', '6276', '夕时尚宾', '飞猪']);
    expect(odd.regions[0]).toEqual({ points: [[165, 166], [265, 166], [265, 186], [165, 186]], box: [165, 166, 265, 186], text: '预订电话：' });
  });

  it('reads one XML file of an Annotations/ folder with its image from the sibling Images/', async () => {
    const { samples, problems } = await readAll(fixture('voc-quad', 'Annotations', `${ODD}.xml`));
    expect(samples.map((s) => s.image)).toEqual([fixture('voc-quad', 'Images', `${ODD}.jpg`)]);
    expect(problems).toEqual([]);
  });

  it('keeps a quad with negative corners as written, with one out-of-image warning naming the object', async () => {
    const { samples, problems } = await readAll(fixture('voc-quad'));
    const sample = sampleNamed(samples, 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.jpg');
    expect(sample.regions).toHaveLength(22);
    expect(sample.regions.filter((r) => r.ignore)).toHaveLength(6);
    // object[4] "广": (-6,20) (49,-23) (72,7) (16,51); the top-left point (smallest x + y) is (-6, 20).
    expect(sample.regions[3]).toMatchObject({ points: [[-6, 20], [49, -23], [72, 7], [16, 51]], text: '广' });
    const warning = problems.find((p) => p.element === 'object[4]' && p.file.endsWith('MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.xml'));
    expect(warning).toMatchObject({ kind: 'out-of-image' });
    expect(warning?.skipped).toBeFalsy();
    expect(warning?.message).toContain('(-6, 20) (49, -23)');
  });

  it('yields an annotation whose image is missing with the size the XML gives, and reports it unpaired', async () => {
    const { samples, problems } = await readAll(fixture('voc-quad'));
    expect(samples).toHaveLength(3);
    const lonely = sampleNamed(samples, 'MSRA_TD500_IMG_1805.jpg');
    expect([lonely.width, lonely.height]).toEqual([1600, 1200]);
    expect(lonely.regions).toHaveLength(3);
    const unpaired = problems.filter((p) => p.kind === 'unpaired');
    expect(unpaired).toHaveLength(1);
    expect(unpaired[0]).toMatchObject({ file: fixture('voc-quad', 'Annotations', 'MSRA_TD500_IMG_1805.xml'), skipped: true });
  });

  it('reports an image without annotation, and pairs names that differ only in case', async () => {
    const src = fixture('voc-quad');
    const dataset = tempDataset({
      [`Annotations/${ODD}.xml`]: readFileSync(join(src, 'Annotations', `${ODD}.xml`)),
      'Annotations/SHOUTING.XML': readFileSync(join(src, 'Annotations', 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.xml')),
      [`Images/${ODD}.jpg`]: readFileSync(join(src, 'Images', `${ODD}.jpg`)),
      'Images/shouting.jpg': readFileSync(join(src, 'Images', 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.jpg')),
      'Images/stray.jpg': readFileSync(join(src, 'Images', `${ODD}.jpg`)),
    });
    const { samples, problems } = await readAll(dataset);
    expect(samples.map((s) => s.image.split('/').pop()).sort()).toEqual([`${ODD}.jpg`, 'shouting.jpg']);
    expect(problems.filter((p) => p.kind === 'unpaired')).toEqual([
      expect.objectContaining({ file: join(dataset, 'Images', 'stray.jpg'), skipped: true }),
    ]);
  });

  it('reads plain VOC xmin…ymax boxes, by file name even when <filename> is stale, annotation-only with one note', async () => {
    const { samples, problems } = await readAll(fixture('voc-plain'));
    expect(samples).toHaveLength(1);
    // mmdetection's 000001.xml says <filename>000002.jpg</filename>; the image that would pair is 000001.jpg.
    expect(samples[0]).toEqual({
      image: fixture('voc-plain', 'VOC2012', 'Images', '000001.jpg'),
      width: 335,
      height: 500,
      regions: [{ points: [[139, 200], [207, 200], [207, 301], [139, 301]], box: [139, 200, 207, 301], text: 'train' }],
      source: 'VOC2012',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'note' });
    expect(problems[0].message).toContain('annotations only');
  });
});

describe('voc-quad bad input', () => {
  const good = readFileSync(fixture('voc-quad', 'Annotations', `${ODD}.xml`), 'utf8');

  it('broken XML, an empty file and an XML without <annotation> are one problem each; the good file is read', async () => {
    const dataset = tempDataset({
      'Annotations/good.xml': good,
      'Annotations/broken.xml': '<annotation>\n<object><name>a</name>\n</annotation>\n',
      'Annotations/empty.xml': '',
      'Annotations/other.xml': '<svg></svg>',
    });
    const { samples, problems } = await readAll(dataset);
    expect(samples).toHaveLength(1);
    expect(samples[0].regions).toHaveLength(4);
    const byFile = Object.fromEntries(problems.filter((p) => p.kind === 'bad-file').map((p) => [p.file.split('/').pop(), p]));
    expect(byFile['broken.xml']).toMatchObject({ line: 3, skipped: true });
    expect(byFile['broken.xml'].message).toMatch(/^broken XML: /);
    expect(byFile['empty.xml'].message).toBe('empty file');
    expect(byFile['other.xml'].message).toBe('no <annotation> root element');
  });

  it('a coordinate that is not a number drops that object only; a zero-area box is degenerate; a box outside is dropped', async () => {
    const objects = [
      '<object><name>ok</name><difficult>0</difficult><bndbox><x0>10</x0><y0>10</y0><x1>50</x1><y1>10</y1><x2>50</x2><y2>30</y2><x3>10</x3><y3>30</y3></bndbox></object>',
      '<object><name>nan</name><difficult>0</difficult><bndbox><x0>10</x0><y0>NaN</y0><x1>50</x1><y1>10</y1><x2>50</x2><y2>30</y2><x3>10</x3><y3>30</y3></bndbox></object>',
      '<object><name>flat</name><difficult>0</difficult><bndbox><xmin>10</xmin><ymin>40</ymin><xmax>60</xmax><ymax>40</ymax></bndbox></object>',
      '<object><name>away</name><difficult>0</difficult><bndbox><xmin>500</xmin><ymin>10</ymin><xmax>520</xmax><ymax>20</ymax></bndbox></object>',
      '<object><name>nobox</name></object>',
    ];
    const dataset = tempDataset({ 'Annotations/a.xml': `<annotation><size><width>100</width><height>80</height></size>${objects.join('')}</annotation>` });
    const { samples, problems } = await readAll(dataset);
    expect(samples[0].regions.map((r) => r.text)).toEqual(['ok']);
    const at = (element: string) => problems.find((p) => p.element === element);
    expect(at('object[2]')).toMatchObject({ kind: 'bad-record', skipped: true });
    expect(at('object[2]')?.message).toContain('not a number');
    expect(at('object[3]')).toMatchObject({ kind: 'degenerate', skipped: true });
    expect(at('object[4]')).toMatchObject({ kind: 'out-of-image', skipped: true });
    expect(at('object[4]')?.message).toContain('entirely outside the 100×80 image');
    expect(at('object[5]')).toMatchObject({ kind: 'bad-record', skipped: true });
  });

  it('an unreadable image is one bad-file problem on the image; the annotation is still read with its size', async () => {
    const dataset = tempDataset({ [`Annotations/${ODD}.xml`]: good, [`Images/${ODD}.jpg`]: 'not an image at all' });
    const { samples, problems } = await readAll(dataset);
    expect(samples).toHaveLength(1);
    expect([samples[0].width, samples[0].height]).toEqual([350, 300]);
    expect(samples[0].regions).toHaveLength(4);
    expect(problems).toEqual([expect.objectContaining({ kind: 'bad-file', file: join(dataset, 'Images', `${ODD}.jpg`), skipped: true })]);
    expect(problems[0].message).toMatch(/^image header unreadable \(/);
  });
});
