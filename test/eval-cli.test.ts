/**
 * `ocrdet eval` end to end, on the real seed-test set (examples/seed-test: 50 images, 510 care quads,
 * 150 don't care). Runs the program in this process (parseCli, then the command), as the executable would.
 * Predictions are the ground truth itself, as read by `readDataset`, written as Detection JSONL with the
 * image named three ways (relative to the dataset, absolute, bare file name) to exercise pairing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../src/datasets/index.js';
import { runInProcess } from './helpers/cli.js';
import { SEED_TEST } from './helpers/seed-test.js';

const MIXED = fileURLToPath(new URL('./fixtures/eval/results-mixed.jsonl', import.meta.url));

/** The program, run in this process (runInProcess), from the current folder. */
const ocrdet = (...args: string[]) => runInProcess(args);

let dir: string;
let selfLines: string[];
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ocrdet-eval-cli-'));
  selfLines = [];
  let i = 0;
  for await (const sample of readDataset(SEED_TEST, { probeImages: false })) {
    const ways = [path.relative(SEED_TEST, sample.image), sample.image, path.basename(sample.image)];
    selfLines.push(JSON.stringify({ image: ways[i++ % 3], regions: sample.regions.map((r) => ({ points: r.points })) }));
  }
  await writeFile(file('self.jsonl'), `${selfLines.join('\n')}\n`);
  await writeFile(file('empty.jsonl'), '');
  await writeFile(file('self-plus-unknown.jsonl'), `${selfLines.join('\n')}\n{"image":"Images/not-in-gt.jpg","regions":[]}\n`);
  await writeFile(file('first-missing.jsonl'), `${selfLines.slice(1).join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ocrdet eval on seed-test', () => {
  it('scores the ground truth against itself as 1.0 / 1.0 / 1.0', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      precision: 1,
      recall: 1,
      hmean: 1,
      matched: 510,
      gtCare: 510,
      detCare: 510,
      images: 50,
      protocol: 'icdar2015',
      iou: 0.5,
      match: 'greedy',
      gtIgnored: 150,
      detIgnored: 150,
      imagesWithoutPrediction: 0,
      unknownImages: [],
      problems: 0,
    });
  });

  it('gives recall 0 against an empty prediction file, and says why', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('empty.jsonl'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ precision: 0, recall: 0, hmean: 0, matched: 0, gtCare: 510, detCare: 0, imagesWithoutPrediction: 50 });
    expect(r.stderr).toMatch(/50 of 50 ground-truth images have no prediction/);
  });

  it('prints a readable table with one row per source', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--by', 'source');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^overall\s+1\.0000\s+1\.0000\s+1\.0000\s+510\s+510\s+510\s+50$/m);
    expect(r.stdout).toMatch(/^\s+MSRA-TD500\s+1\.0000\s+1\.0000\s+1\.0000\s+67\s+67\s+67\s+19$/m);
    expect(r.stdout).toMatch(/^\s+MTWI-2018\s+1\.0000\s+1\.0000\s+1\.0000\s+443\s+443\s+443\s+31$/m);
  });

  it('gives per-source scores in --json', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('first-missing.jsonl'), '--by', 'source', '--json');
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json.bySource)).toEqual(['MSRA-TD500', 'MTWI-2018']);
    const total = (key: string): number => json.bySource['MSRA-TD500'][key] + json.bySource['MTWI-2018'][key];
    expect([total('matched'), total('gtCare'), total('images')]).toEqual([json.matched, 510, 50]);
  });

  it('lists the worst image first with --per-image', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('first-missing.jsonl'), '--per-image', '--json');
    const json = JSON.parse(r.stdout);
    const missing = JSON.parse(selfLines[0]).image as string;
    expect(json.perImage).toHaveLength(50);
    expect(json.perImage[0]).toMatchObject({ predicted: false, matched: 0, recall: 0 });
    expect(path.basename(json.perImage[0].image)).toBe(path.basename(missing));
    expect(json.recall).toBeLessThan(1);
    expect(json.precision).toBe(1);
  });

  it('also scores 1.0 with --match optimal', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--match', 'optimal', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ hmean: 1, match: 'optimal' });
  });
});

describe('ocrdet eval on bad input', () => {
  it('reports a prediction for an image not in the ground truth and exits 1', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self-plus-unknown.jsonl'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ hmean: 1, unknownImages: ['Images/not-in-gt.jpg'] });
    expect(r.stderr).toMatch(/prediction for Images\/not-in-gt\.jpg, which is not in the ground truth/);
  });

  it('reports each bad line as file:line and goes on; exit 1', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', MIXED, '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${MIXED}:3: not JSON`);
    expect(r.stderr).toContain(`${MIXED}:7: regions[2]: has neither "points" nor "box"; region skipped`);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(JSON.parse(r.stdout)).toMatchObject({ recall: 0, problems: 6, imagesWithoutPrediction: 50 });
  });

  it.each([
    [['--match', 'best'], /match/],
    [['--iou', '1.5'], /--iou expects a number in \[0, 1\]/],
    [['--by', 'folder'], /by/],
    [['--format', 'foo'], /unknown dataset format "foo"; known: /],
  ])('exits 2 on a bad flag: %j', async (extra, message) => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 without --pred', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pred/);
  });

  it('says which file is missing', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('nope.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^OCRDET_NOT_FOUND: results file .*nope\.jsonl does not exist$/m);
  });
});
