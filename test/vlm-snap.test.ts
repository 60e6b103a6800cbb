/**
 * Quad snapping and agreement (src/detectors/vlm/snap.ts, agreement.ts, text-check.ts) with the real bundled
 * det model (src/detectors/ppocr/text-map.ts): on rendered lines whose ink quads are known, and on seed-test
 * photos through the vlm backend against a PROTOCOL DOUBLE of an OpenAI-compatible server
 * (test/helpers/truth-double.js) that answers each image's ground-truth boxes in a grounding dialect — the
 * answer of a model that is exactly right, as far as a box-only model can be, or that answer with errors put in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundsOf, boxIoU, boxToPoints, polygonIoU } from '../src/core/geometry.js';
import type { Box, Detection, Point, Sample } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { createTextMapper, type TextMap, type TextMapper } from '../src/detectors/ppocr/text-map.js';
import { agreementOf } from '../src/detectors/vlm/agreement.js';
import { createVlmDetector } from '../src/detectors/vlm/backend.js';
import { reparseRecord } from '../src/detectors/vlm/reparse.js';
import { snapBox, snapRegions } from '../src/detectors/vlm/snap.js';
import { evaluate, seededRandom } from '../src/eval/index.js';
import { dialects, getDialect } from '../src/grounding/index.js';
import { SEED_TEST } from './helpers/seed-test.js';
import { renderTextLines } from './helpers/text-images.js';
import { answerText, exactBoxes, injectedBoxes } from './helpers/truth-answers.js';
import { startTruthDouble, type TruthDouble } from './helpers/truth-double.js';

let mapper: TextMapper;
beforeAll(async () => {
  mapper = await createTextMapper();
});
afterAll(async () => {
  await mapper?.close();
});

const bounds = (quad: Point[]): Box => boundsOf(quad);

describe('snapBox: an axis-aligned box → the text quad inside it', () => {
  it('turns the box of a slanted line into the line’s own quad, far closer to the ink than the box', async () => {
    const { png, quads } = await renderTextLines(900, 600, [{ text: 'Slanted shop sign', x: 150, y: 200, fontSizePx: 48, angleDeg: 25 }]);
    const map = await mapper.textMap(png);
    const ink = quads[0];
    const box = bounds(ink);
    const quad = snapBox(box, map);
    expect(quad).toBeDefined();
    // The box of a 25° line holds as much background as text: under the 0.5 that evaluation counts.
    expect(polygonIoU(boxToPoints(box), ink)).toBeLessThan(0.5);
    expect(polygonIoU(quad!, ink)).toBeGreaterThan(0.6);
  });

  it('keeps a box over plain background (no text found)', async () => {
    const { png } = await renderTextLines(900, 600, [{ text: 'Elsewhere', x: 80, y: 120, fontSizePx: 40 }]);
    const map = await mapper.textMap(png);
    const [region] = snapRegions([{ points: boxToPoints([500, 350, 800, 420]), box: [500, 350, 800, 420] }], map);
    expect(region.snapped).toBe(false);
    expect(region.box).toEqual([500, 350, 800, 420]);
  });

  it('leaves out a neighbouring line that only crosses a corner of the box', async () => {
    const lines = [
      { text: 'First slanted line', x: 120, y: 200, fontSizePx: 40, angleDeg: 20 },
      { text: 'Second slanted line', x: 120, y: 280, fontSizePx: 40, angleDeg: 20 },
    ];
    const { png, quads } = await renderTextLines(900, 700, lines);
    const map = await mapper.textMap(png);
    const box = bounds(quads[0]);
    // The first line's box reaches into the second line …
    expect(polygonIoU(boxToPoints(box), quads[1])).toBeGreaterThan(0);
    const quad = snapBox(box, map)!;
    // … but the snapped quad is the first line's alone.
    expect(polygonIoU(quad, quads[0])).toBeGreaterThan(0.6);
    expect(polygonIoU(quad, quads[1])).toBeLessThan(0.05);
  });

  it('leaves out a small word that lies wholly inside the box, in the corner a slanted line leaves empty', async () => {
    const lines = [
      { text: 'Slanted shop sign', x: 150, y: 200, fontSizePx: 48, angleDeg: 25 },
      { text: 'ok', x: 470, y: 215, fontSizePx: 30 },
    ];
    const { png, quads } = await renderTextLines(900, 600, lines);
    const map = await mapper.textMap(png);
    const box = bounds(quads[0]);
    expect(boundsOf(quads[1]).every((v, i) => (i < 2 ? v >= box[i] : v <= box[i]))).toBe(true);
    const quad = snapBox(box, map)!;
    expect(polygonIoU(quad, quads[0])).toBeGreaterThan(0.6);
    expect(polygonIoU(quad, quads[1])).toBe(0);
  });

  it('keeps a box that holds only the start of a long word (the text found is mostly outside it)', async () => {
    const { png, quads } = await renderTextLines(1000, 400, [{ text: 'Supercalifragilistic', x: 60, y: 200, fontSizePx: 60 }]);
    const map = await mapper.textMap(png);
    const [x1, y1, x2, y2] = bounds(quads[0]);
    const part: Box = [x1, y1, x1 + (x2 - x1) * 0.3, y2];
    const [region] = snapRegions([{ points: boxToPoints(part), box: part, text: 'Super' }], map);
    expect(region).toMatchObject({ snapped: false, box: part, text: 'Super' });
  });

  it('joins the words of a line into one quad', async () => {
    const { png, quads } = await renderTextLines(1000, 600, [{ text: 'three spaced words', x: 100, y: 250, fontSizePx: 50, angleDeg: 15 }]);
    const map = await mapper.textMap(png);
    const quad = snapBox(bounds(quads[0]), map)!;
    expect(polygonIoU(quad, quads[0])).toBeGreaterThan(0.6);
  });
});

describe('agreementOf: IoU with the best-matching embedded detection, and the page mean', () => {
  const det = (box: Box) => ({ points: boxToPoints(box) });

  it('gives each region its best IoU, 0 when no detection overlaps it', () => {
    // [0,0,10,10] against [0,0,10,5]: 50 / 100 = 1/2. Against [5,0,15,10]: 50 / 150 = 1/3. [100,…]: nothing.
    const result = agreementOf([{ box: [0, 0, 10, 10] }, { box: [100, 100, 110, 110] }], [det([5, 0, 15, 10]), det([0, 0, 10, 5])]);
    expect(result.regions).toEqual([0.5, 0]);
  });

  it('counts an embedded detection no region found as a 0 in the page mean', () => {
    // One region agreeing exactly (1), one detection left out (0): (1 + 0) / 2.
    const result = agreementOf([{ box: [0, 0, 10, 10] }], [det([0, 0, 10, 10]), det([50, 50, 60, 60])]);
    expect(result).toEqual({ regions: [1], page: 0.5, missed: 1 });
  });

  it('agrees fully on a page where neither found anything, and not at all where only one did', () => {
    expect(agreementOf([], []).page).toBe(1);
    expect(agreementOf([], [det([0, 0, 10, 10])]).page).toBe(0);
    expect(agreementOf([{ box: [0, 0, 10, 10] }], []).page).toBe(0);
  });
});

/** Seed-test samples by image path (MSRA-TD500 holds most of the slanted lines). */
async function seedTest(): Promise<Sample[]> {
  const samples: Sample[] = [];
  for await (const sample of readDataset(SEED_TEST)) samples.push(sample);
  return samples;
}

describe('--snap and agreement through the vlm backend, against a server answering the exact ground-truth boxes', () => {
  let samples: Sample[];
  let slanted: Sample[];
  beforeAll(async () => {
    samples = await seedTest();
    // Five photos whose care lines are slanted the most (their boxes overlap their quads least).
    const slant = (s: Sample) => {
      const care = s.regions.filter((r) => !r.ignore);
      return care.reduce((sum, r) => sum + polygonIoU(boxToPoints(r.box), r.points), 0) / Math.max(1, care.length);
    };
    slanted = [...samples].filter((s) => s.regions.some((r) => !r.ignore)).sort((a, b) => slant(a) - slant(b)).slice(0, 5);
  });

  async function truthServer(dialect: string, boxesOf: (s: Sample) => ReturnType<typeof exactBoxes>, known: Sample[]): Promise<TruthDouble> {
    const byImage = new Map(known.map((s) => [s.image, s]));
    return startTruthDouble({
      images: known.map((s) => ({ key: s.image, image: s.image })),
      answer: (key, request) => {
        const sample = byImage.get(key)!;
        return answerText(getDialect(dialect), boxesOf(sample), sample, { width: request.image!.width!, height: request.image!.height! });
      },
    });
  }

  async function detectAll(url: string, dialect: string, known: Sample[], options: Record<string, unknown>): Promise<Detection[]> {
    const detector = await createVlmDetector({ baseUrl: url, model: 'ocrdet-test-model', dialect, saveRaw: true, ...options });
    try {
      return await Promise.all(known.map((s) => detector.detect(s.image)));
    } finally {
      await detector.close();
    }
  }

  it.each(dialects.names())('%s: snapped regions score a higher hmean than the same answers unsnapped', async (dialect) => {
    const server = await truthServer(dialect, exactBoxes, slanted);
    try {
      const snapped = await detectAll(server.url, dialect, slanted, { snap: true });
      // The same answers, re-parsed without the det model: what the run would have given without --snap.
      const plain = snapped.map((d) => ({ ...d, ...(reparseRecord(d as unknown as Record<string, unknown>, {}) as object) }) as Detection);
      const [without, withSnap] = [await evaluate(slanted, plain), await evaluate(slanted, snapped)];
      expect(withSnap.hmean).toBeGreaterThan(without.hmean + 0.1);
      const regions = snapped.flatMap((d) => d.regions as (Detection['regions'][number] & { snapped: boolean; agreement: number })[]);
      expect(regions.filter((r) => r.snapped).length).toBeGreaterThanOrEqual(regions.length / 2);
      for (const region of regions) expect(region.agreement).toBeGreaterThanOrEqual(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('agreement ranks wrong regions (shifted, invented) below right ones: AUC ≥ 0.8 over 20 photos', async () => {
    const photos = samples.slice(0, 20);
    const seed = 3;
    const server = await truthServer('internvl2', (s) => injectedBoxes(s, seed, { seededRandom, boxIoU }).boxes, photos);
    try {
      const detections = await detectAll(server.url, 'internvl2', photos, { agreement: true });
      const right: number[] = [];
      const wrong: number[] = [];
      detections.forEach((d, i) => {
        const care = photos[i].regions.filter((r) => !r.ignore);
        expect((d as Detection & { agreement: number }).agreement).toBeGreaterThanOrEqual(0);
        for (const region of d.regions as (Detection['regions'][number] & { agreement: number; snapped?: boolean })[]) {
          expect(region.snapped).toBeUndefined(); // agreement alone never moves a box
          (care.some((g) => boxIoU(g.box, region.box) >= 0.5) ? right : wrong).push(region.agreement);
        }
      });
      expect(wrong.length).toBeGreaterThan(10);
      let pairs = 0;
      for (const r of right) for (const w of wrong) pairs += r > w ? 1 : r === w ? 0.5 : 0;
      expect(pairs / (right.length * wrong.length)).toBeGreaterThanOrEqual(0.8);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('the det pass', () => {
  it('maps the whole image: the probability map covers it, boxes are in its pixels', async () => {
    const { png } = await renderTextLines(640, 480, [{ text: 'Map me', x: 100, y: 200, fontSizePx: 50 }]);
    const map: TextMap = await mapper.textMap(png);
    expect(map.original).toEqual({ width: 640, height: 480 });
    expect(map.map.width * map.map.height).toBe(map.map.data.length);
    expect(map.boxes.length).toBe(1);
    expect(map.timings.det).toBeGreaterThan(0);
  });
});
