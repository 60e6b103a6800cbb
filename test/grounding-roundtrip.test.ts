/**
 * Round trip on every sample of ../shared/data/seed-test (50 images, VOC-style quads): for every dialect,
 * parse(format(regions)) gives back every care region — same text, same count — with each coordinate
 * within one unit of the dialect's grid (one Qwen2.5-VL input pixel; one 1/1000, 1/999 or 1/1023 of the side;
 * one Florence-2 bin for each corner of its quads), and without a single warning.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipPoints, orderClockwise } from '../src/core/geometry.js';
import type { Point, Region, Sample } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { dialects, type GroundingDialect } from '../src/grounding/index.js';

const SEED_TEST = new URL('../../shared/data/seed-test', import.meta.url).pathname;
/** roundPixels keeps 1/100 px: the tolerance gets that much on top of one grid unit. */
const PIXEL_ROUNDING = 0.01;

/** Pixels per grid unit along x and y for one image. */
function unitPx(dialect: GroundingDialect, size: { width: number; height: number }): [number, number] {
  if (dialect.inputSize) {
    const input = dialect.inputSize(size);
    return [size.width / input.width, size.height / input.height];
  }
  const scale = { norm1000: 1000, 'norm1000-open': 1000, bins1000: 1000, norm999: 999, 'bins1024-yx': 1023 }[dialect.grid.kind];
  if (!scale) throw new Error(`no scale for grid ${dialect.grid.kind}`);
  return [size.width / scale, size.height / scale];
}

/** Largest |difference| between two quads over the best cyclic alignment, per axis. */
function quadError(a: Point[], b: Point[]): [number, number] {
  let best: [number, number] = [Infinity, Infinity];
  for (let shift = 0; shift < 4; shift++) {
    let dx = 0;
    let dy = 0;
    a.forEach((p, i) => {
      const q = b[(i + shift) % 4];
      dx = Math.max(dx, Math.abs(p[0] - q[0]));
      dy = Math.max(dy, Math.abs(p[1] - q[1]));
    });
    if (Math.max(dx, dy) < Math.max(...best)) best = [dx, dy];
  }
  return best;
}

const label = (region: Region) => (region.text ?? '').replace(/\s+/g, ' ').trim() || 'text';

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
