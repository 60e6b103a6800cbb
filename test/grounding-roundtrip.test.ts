/**
 * Round trip on every sample of ../shared/data/seed-test (50 images, VOC-style quads): for every dialect,
 * parse(format(regions)) gives back every care region — same text, same count — with each coordinate
 * within one unit of the dialect's grid (one Qwen2.5-VL input pixel; one 1/1000, 1/999 or 1/1023 of the side;
 * one Florence-2 bin for each corner of its quads), and without a single warning.
 */
import { existsSync } from 'node:fs';
import { SEED_TEST } from './helpers/shared.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipPoints, orderClockwise } from '../src/core/geometry.js';
import type { Sample } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { dialects } from '../src/grounding/index.js';
import { PIXEL_ROUNDING, label, quadError, unitPx } from './helpers/grounding.js';

let samples: Sample[] = [];
beforeAll(async () => {
  for await (const sample of readDataset(SEED_TEST, { format: 'voc-quad' })) samples.push(sample);
  samples = samples.sort((a, b) => a.image.localeCompare(b.image));
});

describe.skipIf(!existsSync(SEED_TEST))('round trip on seed-test', () => {
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
        const [ux, uy] = unitPx(dialect, size);
        const unmatched = [...regions];
        for (const original of care) {
          const clipped = orderClockwise(clipPoints(original.points, size));
          const xs = clipped.map((p) => p[0]);
          const ys = clipped.map((p) => p[1]);
          const bounds = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
          const index = unmatched.findIndex((found) => {
            if ((found.text ?? '') !== label(original)) return false;
            if (dialect.keepsQuads) {
              const [dx, dy] = quadError(found.points, clipped);
              return dx <= ux + PIXEL_ROUNDING && dy <= uy + PIXEL_ROUNDING;
            }
            return found.box.every((v, i) => Math.abs(v - bounds[i]) <= (i % 2 === 0 ? ux : uy) + PIXEL_ROUNDING);
          });
          expect(index, `${where}: "${original.text}" at [${bounds.join(', ')}] not given back`).toBeGreaterThanOrEqual(0);
          unmatched.splice(index, 1);
          checked++;
        }
      }
      expect(checked).toBe(510);
    });
  }
});
