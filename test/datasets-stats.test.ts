/**
 * `datasetStats` and `ocrdet data stats` on seed-test. Expected figures were counted independently of
 * ocrdet (a few lines of Python over the XML: objects per file, name lengths) and, for the short-side
 * buckets, are the peers' published counts (the team's study of the JS peers on seed-test: 143 / 168 / 199).
 */
import { describe, expect, it } from 'vitest';
import { datasetStats, readDataset } from '../src/datasets/index.js';
import { shortSidePx } from '../src/datasets/stats.js';
import { runInProcess } from './helpers/cli.js';
import { SEED_TEST, fixture, tempDataset } from './helpers/datasets.js';

describe('datasetStats on seed-test', () => {
  it('counts images, regions, don\'t care, sources and problems', async () => {
    const stats = await datasetStats(SEED_TEST);
    expect(stats).toMatchObject({
      format: 'voc-quad',
      images: 50,
      imagesWithoutSize: 0,
      regions: 660,
      ignored: 150,
      unpaired: 0,
      problems: 12,
      skipped: 0,
      bySource: {
        'MSRA-TD500': { images: 19, regions: 67, ignored: 0 },
        'MTWI-2018': { images: 31, regions: 593, ignored: 150 },
      },
    });
    expect(stats.problemsByKind['out-of-image']).toBe(12);
  });

  it('describes the distributions: regions per image, short sides, characters per text', async () => {
    const stats = await datasetStats(SEED_TEST, { probeImages: false });
    expect(stats.regionsPerImage).toEqual({ count: 50, min: 1, median: 9, max: 54, mean: 13.2 });
    expect(stats.shortSidePx).toEqual({ under16: 143, from16to32: 168, atLeast32: 199 });
    expect(stats.charactersPerText).toEqual({ count: 510, min: 1, median: 4, max: 47, mean: 4.488 });
    expect(stats.shapes.axisAligned + stats.shapes.rotatedQuads).toBe(510);
    expect(stats.shapes.polygons).toBe(0);
  });

  it('short side of a quad is the smaller mean of opposite edges: a 10×4 box tilted 90° is still 4', () => {
    expect(shortSidePx([[0, 0], [10, 0], [10, 4], [0, 4]])).toBe(4);
    expect(shortSidePx([[4, 0], [4, 10], [0, 10], [0, 0]])).toBe(4);
    // A 3-4-5 parallelogram: opposite edges 5 and 5, 10 and 10.
    expect(shortSidePx([[0, 0], [10, 0], [13, 4], [3, 4]])).toBe(5);
  });
});

describe('what throws instead of being reported', () => {
  it('a dataset path that does not exist, an unknown format, an undetectable folder, a missing images folder', async () => {
    const first = (path: string, options = {}) => readDataset(path, options)[Symbol.asyncIterator]().next();
    await expect(first('/no/such/dataset')).rejects.toMatchObject({ code: 'OCRDET_NOT_FOUND' });
    // A format given by name that finds nothing is not an empty dataset: it names the format the path has.
    await expect(datasetStats(SEED_TEST, { format: 'icdar2015' })).rejects.toThrow(`${SEED_TEST}: no icdar2015 annotations found; it looks like voc-quad (leave out option "format", or give option "format" voc-quad)`);
    await expect(first(SEED_TEST, { format: 'yolo' })).rejects.toThrow('unknown dataset format "yolo"; known: results, voc-quad, labelme, coco, ppocr, icdar2015');
    await expect(first(tempDataset({ 'notes.md': '# nothing here' }))).rejects.toMatchObject({ code: 'OCRDET_USAGE' });
    await expect(first(SEED_TEST, { images: '/no/such/images' })).rejects.toMatchObject({ code: 'OCRDET_NOT_FOUND', details: { options: ['images'] } });
  });
});

describe('ocrdet data stats', () => {
  it('--json prints the datasetStats object; exit 0 when nothing was skipped; each problem one line on stderr', async () => {
    const { code, stdout, stderr } = await runInProcess(['data', 'stats', SEED_TEST, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(await datasetStats(SEED_TEST))));
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => /^\/.+\.xml: object\[\d+\]: points? .* outside the \d+×\d+ image; kept as written$/.test(l))).toBe(true);
  });

  it('prints a table: images, regions, per-image and size figures, sources', async () => {
    const { code, stdout } = await runInProcess(['data', 'stats', SEED_TEST]);
    expect(code).toBe(0);
    expect(stdout).toContain('images                50');
    expect(stdout).toContain("660  (510 care, 150 don't care)");
    expect(stdout).toContain('<16 px: 143 · 16–32 px: 168 · ≥32 px: 199');
    expect(stdout).toMatch(/MTWI-2018\s+31 images\s+593 regions\s+150 don't care/);
  });

  it('exits 1 when something was skipped (an annotation without its image)', async () => {
    const { code, stderr } = await runInProcess(['data', 'stats', fixture('voc-quad')]);
    expect(code).toBe(1);
    expect(stderr).toContain('MSRA_TD500_IMG_1805.xml: MSRA_TD500_IMG_1805.jpg: annotation without its image');
  });

  it('exits 2 for usage errors: no dataset, an unknown format', async () => {
    expect((await runInProcess(['data', 'stats'])).code).toBe(2);
    const { code, stderr } = await runInProcess(['data', 'stats', SEED_TEST, '--format', 'yolo']);
    expect(code).toBe(2);
    expect(stderr).toContain('OCRDET_USAGE');
  });
});
