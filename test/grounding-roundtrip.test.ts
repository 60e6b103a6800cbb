/**
 * Round trip on every sample of examples/seed-test (50 images, VOC-style quads): for every dialect,
 * parse(format(regions)) gives back every care region — same text, same count — with each coordinate
 * within one unit of the dialect's grid (one Qwen2.5-VL input pixel; one 1/1000, 1/999 or 1/1023 of the side;
 * one Florence-2 bin for each corner of its quads), and without a single warning.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { dialects } from '../src/grounding/index.js';
import { missingRegions } from './helpers/grounding.js';
import { SEED_TEST } from './helpers/seed-test.js';

let samples: Sample[] = [];
beforeAll(async () => {
  for await (const sample of readDataset(SEED_TEST, { format: 'voc-quad' })) samples.push(sample);
  samples = samples.sort((a, b) => a.image.localeCompare(b.image));
});

describe('round trip on seed-test', () => {
  it('reads the 50 samples and their 510 care regions', () => {
    expect(samples).toHaveLength(50);
    expect(samples.flatMap((s) => s.regions.filter((r) => !r.ignore))).toHaveLength(510);
  });

  for (const dialect of dialects.all()) {
    it(`${dialect.name}: every care region comes back within one grid unit, without warnings`, () => {
      let checked = 0;
      for (const sample of samples) {
        const size = { width: sample.width, height: sample.height };
        const care = sample.regions.filter((r) => !r.ignore);
        const answer = dialect.format(sample.regions, size);
        const { regions, warnings } = dialect.parse(answer, size);
        const where = `${dialect.name} on ${sample.image}`;
        expect(warnings, where).toEqual([]);
        expect(regions, where).toHaveLength(care.length);
        expect(missingRegions(sample, regions, dialect).map((r) => `"${r.text}" at [${r.box.join(', ')}]`), `${where}: not given back`).toEqual([]);
        checked += care.length;
      }
      expect(checked).toBe(510);
    });
  }
});
