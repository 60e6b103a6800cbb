/**
 * The train/val split: exact counts by image, byte-identical output for the same input and seed whatever
 * order the images are read in, another split for another seed, per-source proportions with --split-by
 * source, and repeated images caught.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDataset } from '../src/datasets/convert.js';
import { DUPLICATE, SplitLedger, VAL, seededHash53, valCount } from '../src/datasets/split.js';
import { readJsonl, SEED_TEST, seedTestByImage, tempOut } from './helpers/convert.js';

describe('split arithmetic', () => {
  it('val gets round(n × (1 − split)), halves up: 50 at 0.9 → 5; 5 at 0.9 → 1; 19 → 2; 31 → 3; all at 1.0 → 0', () => {
    expect(valCount(50, 0.9)).toBe(5);
    expect(valCount(5, 0.9)).toBe(1);
    expect(valCount(19, 0.9)).toBe(2);
    expect(valCount(31, 0.9)).toBe(3);
    expect(valCount(50, 1)).toBe(0);
    expect(valCount(3, 0.5)).toBe(2);
  });

  it('the hash is a pure function of key and seed, spread evenly: 10,000 keys below 0.9 of the range are 9,000 ± 1 %', () => {
    expect(seededHash53('Images/a.jpg', 42)).toBe(seededHash53('Images/a.jpg', 42));
    expect(seededHash53('Images/a.jpg', 42)).not.toBe(seededHash53('Images/a.jpg', 43));
    expect(seededHash53('Images/a.jpg', 42)).not.toBe(seededHash53('Images/b.jpg', 42));
    let below = 0;
    for (let i = 0; i < 10_000; i++) if (seededHash53(`Images/img_${i}.jpg`, 7) < 0.9 * 2 ** 53) below++;
    expect(below).toBeGreaterThan(8_910);
    expect(below).toBeLessThan(9_090);
  });

  it('the ledger gives the same images to val whatever order they were added in, and marks repeats', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const sidesOf = (order: string[]): Map<string, number> => {
      const ledger = new SplitLedger();
      order.forEach((key, i) => ledger.add({ hash: seededHash53(key, 1), offset: i, length: 1, source: undefined }));
      const { side } = ledger.assign(0.75, 'image');
      return new Map(order.map((key, i) => [key, side[i]]));
    };
    const forward = sidesOf(keys);
    const backward = sidesOf([...keys].reverse());
    expect([...forward].filter(([, s]) => s === VAL)).toHaveLength(10);
    for (const key of keys) expect(backward.get(key), key).toBe(forward.get(key));
    const ledger = new SplitLedger();
    ['a', 'b', 'a'].forEach((key, i) => ledger.add({ hash: seededHash53(key, 1), offset: i, length: 1, source: undefined }));
    expect([...ledger.assign(0.5, 'image').side]).toContain(DUPLICATE);
    expect(ledger.assign(0.5, 'image').side[2]).toBe(DUPLICATE);
  });
});

describe('split of seed-test', () => {
  it('is byte-identical for the same seed, different for another seed', async () => {
    const [a, b, c] = [tempOut('seed-a'), tempOut('seed-b'), tempOut('seed-c')];
    await convertDataset(SEED_TEST, { out: a, seed: 42 });
    await convertDataset(SEED_TEST, { out: b, seed: 42 });
    await convertDataset(SEED_TEST, { out: c, seed: 7 });
    for (const file of ['train.jsonl', 'val.jsonl']) expect(readFileSync(join(b, file)).equals(readFileSync(join(a, file))), file).toBe(true);
    const valA = readJsonl<{ images: string[] }>(join(a, 'val.jsonl')).map((r) => r.images[0]);
    const valC = readJsonl<{ images: string[] }>(join(c, 'val.jsonl')).map((r) => r.images[0]);
    expect(valC).toHaveLength(5);
    expect(new Set(valC)).not.toEqual(new Set(valA));
    expect(readFileSync(join(c, 'train.jsonl')).equals(readFileSync(join(a, 'train.jsonl')))).toBe(false);
  });

  it('--split-by source keeps each source at 9:1 (MSRA-TD500 19 → 2 val, MTWI-2018 31 → 3 val)', async () => {
    const truth = await seedTestByImage();
    const out = tempOut('by-source');
    const report = await convertDataset(SEED_TEST, { out, splitBy: 'source' });
    const val = readJsonl<{ images: string[] }>(join(out, 'val.jsonl')).map((r) => truth.get(r.images[0])!.source);
    expect(val.filter((s) => s === 'MSRA-TD500')).toHaveLength(2);
    expect(val.filter((s) => s === 'MTWI-2018')).toHaveLength(3);
    expect(report.samples).toMatchObject({ train: 45, val: 5 });
  });

  it('--split 0.5 halves it; --split 1 puts everything in train', async () => {
    const half = await convertDataset(SEED_TEST, { out: tempOut('half'), split: 0.5 });
    expect(half.samples).toMatchObject({ train: 25, val: 25 });
    const all = await convertDataset(SEED_TEST, { out: tempOut('all'), split: 1 });
    expect(all.samples).toMatchObject({ train: 50, val: 0 });
  });
});
