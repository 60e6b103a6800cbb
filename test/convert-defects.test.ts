/**
 * The reference system's training data (its rows: test/fixtures/train/seed-scripts/ocr_det_test_dataset.head3.jsonl) has three defects. Each test
 * here states a property of the converter's output that the defect breaks, checks it on ocrdet's output for
 * seed-test, and shows the same check failing on the reference's own rows (head3) or on seed-test rendered
 * the reference's way (`referenceAnswer`: first object only, corners 0 and 2 of the quad, raw pixels).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { getDialect } from '../src/grounding/index.js';
import { assistantOf, HEAD3, missingRegions, readJsonl, SEED_TEST, seedTestByImage, tempOut } from './helpers/convert.js';

const internvl2 = getDialect('internvl2');
type Row = { messages: { role: string; content: string }[]; images: string[] };

/** What the reference's script wrote for an image: the first object, box = corners 0 and 2, in pixels. */
function referenceAnswer(sample: Sample, rawPoints: [number, number][]): string {
  const [x0, y0] = rawPoints[0];
  const [x2, y2] = rawPoints[2];
  return `<ref>${sample.regions.find((r) => !r.ignore)!.text}</ref><box>[[${x0},${y0},${x2},${y2}]]</box>`;
}

/** The boxes of an InternVL answer as written (numbers, not decoded). */
function writtenBoxes(answer: string): number[][] {
  return [...answer.matchAll(/\[(\d+), ?(\d+), ?(\d+), ?(\d+)\]/g)].map((m) => m.slice(1, 5).map(Number));
}

let truth: Map<string, Sample>;
let rows: Row[] = [];
beforeAll(async () => {
  truth = await seedTestByImage();
  const out = tempOut('defects');
  await convertDataset(SEED_TEST, { out });
  rows = [...readJsonl<Row>(join(out, 'train.jsonl')), ...readJsonl<Row>(join(out, 'val.jsonl'))];
});

describe("the reference's defects, caught in the converter's output", () => {
  it('defect 1, only the first box kept: every answer holds one box per care region of its image (510, not 50)', () => {
    const holdsEveryRegion = (answer: string, sample: Sample): boolean => {
      const { regions } = internvl2.parse(answer, sample);
      return regions.length === sample.regions.filter((r) => !r.ignore).length && missingRegions(sample, regions, internvl2).length === 0;
    };
    let boxes = 0;
    for (const row of rows) {
      const sample = truth.get(row.images[0])!;
      expect(holdsEveryRegion(assistantOf(row), sample), row.images[0]).toBe(true);
      boxes += writtenBoxes(assistantOf(row)).length;
    }
    expect(boxes).toBe(510);
    // The same check on the reference's way of writing an image with several regions fails.
    const many = [...truth.values()].find((s) => s.regions.filter((r) => !r.ignore).length > 10)!;
    const first = many.regions.find((r) => !r.ignore)!;
    expect(holdsEveryRegion(referenceAnswer(many, first.points as [number, number][]), many)).toBe(false);
  });

  it('defect 2, raw pixels where InternVL2 reads 0–1000: no number above 1000, and each box decodes onto its region', () => {
    let beyond1000InPixels = 0;
    for (const row of rows) {
      const sample = truth.get(row.images[0])!;
      for (const box of writtenBoxes(assistantOf(row))) expect(Math.max(...box)).toBeLessThanOrEqual(1000);
      if (sample.regions.some((r) => !r.ignore && Math.max(...r.box) > 1000)) beyond1000InPixels++;
    }
    // Images where pixels would have exceeded 1000 (the MSRA-TD500 photos are 1296 px and more).
    expect(beyond1000InPixels).toBeGreaterThan(5);
    // The reference's way — pixels — decodes somewhere else on a 1600-px-wide image: the check fails.
    const photo = [...truth.values()].find((s) => s.width >= 1600)!;
    const region = photo.regions.find((r) => !r.ignore && r.box[0] > 100)!;
    const wide = { ...photo, regions: [region] };
    const [x1, y1, x2, y2] = region.box.map(Math.round);
    const pixels = `<ref>${region.text}</ref><box>[[${x1}, ${y1}, ${x2}, ${y2}]]</box>`;
    expect(missingRegions(wide, internvl2.parse(pixels, wide).regions, internvl2)).toHaveLength(1);
  });

  it('defect 3, degenerate boxes from corners 0 and 2: every box has width and height and bounds all four corners', () => {
    const proper = (box: number[]): boolean => box[2] > box[0] && box[3] > box[1];
    // The reference's own rows: [[90,398,311,398]], [[640,12,731,12]], [[45,698,243,698]] — all zero height.
    const head3 = readJsonl<{ response: string }>(HEAD3);
    expect(head3.map((r) => writtenBoxes(r.response.replace(/,/g, ', ')).every(proper))).toEqual([false, false, false]);
    // seed-test quads whose corner 2 is not below-right of corner 0 (text rising to the right): the
    // reference's rule gives an inverted or empty box for each; ocrdet gives the true bounds.
    let risky = 0;
    for (const row of rows) {
      const sample = truth.get(row.images[0])!;
      const answer = assistantOf(row);
      expect(writtenBoxes(answer).every(proper), row.images[0]).toBe(true);
      const decoded = internvl2.parse(answer, sample).regions;
      for (const region of sample.regions.filter((r) => !r.ignore)) {
        const [[ax, ay], , [cx, cy]] = region.points;
        if (cx > ax && cy > ay) continue;
        risky++;
        const [ux, uy] = [sample.width / 1000, sample.height / 1000];
        const clipped = region.points.map(([x, y]) => [Math.min(Math.max(x, 0), sample.width), Math.min(Math.max(y, 0), sample.height)]);
        const holds = decoded.some(
          (d) => d.text === region.text && clipped.every(([x, y]) => x >= d.box[0] - ux && x <= d.box[2] + ux && y >= d.box[1] - uy && y <= d.box[3] + uy),
        );
        expect(holds, `${sample.image}: ${region.text} ${JSON.stringify(region.points)}`).toBe(true);
      }
    }
    expect(risky).toBeGreaterThan(20);
  });
});
