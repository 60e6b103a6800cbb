/**
 * The answer budget: an image whose answer is over --max-answer-tokens is cut into overlapping crops whose
 * answers fit and which together hold every region (--overflow crop), or skipped (--overflow skip); either
 * way the report names it. The dense image is rendered by the test (60 numbered words, ground truth
 * measured from the ink: test/helpers/text-images.ts) and written as an ICDAR 2015 dataset.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { planCrops, tileSpans } from '../src/datasets/crops.js';
import { estimateTokens } from '../src/datasets/tokens.js';
import { getDialect } from '../src/grounding/index.js';
import { probeImage } from '../src/image/probe.js';
import { assistantOf, readJsonl, tempOut } from './helpers/convert.js';
import { tempDataset } from './helpers/datasets.js';
import { solidJpeg } from './helpers/images.js';
import { renderTextLines } from './helpers/text-images.js';

const WIDTH = 900;
const HEIGHT = 1200;
const BUDGET = 300;
let dataset = '';
let truth: { text: string; box: number[] }[] = [];

beforeAll(async () => {
  const lines = Array.from({ length: 60 }, (_, i) => ({ text: `word${String(i + 1).padStart(2, '0')}`, x: 40 + (i % 3) * 290, y: 50 + Math.floor(i / 3) * 57, fontSizePx: 30 }));
  const { png, quads } = await renderTextLines(WIDTH, HEIGHT, lines);
  const gt = quads.map((q, i) => `${q.flatMap(([x, y]) => [x, y]).join(',')},${lines[i].text}`).join('\n');
  dataset = tempDataset({ 'dense.png': png, 'gt_dense.txt': `${gt}\n` });
  truth = quads.map((q, i) => ({ text: lines[i].text, box: [Math.min(...q.map((p) => p[0])), Math.min(...q.map((p) => p[1])), Math.max(...q.map((p) => p[0])), Math.max(...q.map((p) => p[1]))] }));
}, 120_000);

describe('--overflow crop', () => {
  it('cuts the over-budget image into crops whose answers fit and which together hold every word where it is', async () => {
    const out = tempOut('crops');
    const report = await convertDataset(dataset, { out, format: 'icdar2015', maxAnswerTokens: BUDGET, split: 1 });
    expect(report.budget).toMatchObject({ overBudget: 1, cropped: 1, skipped: 0 });
    expect(report.budget!.images[0].tokens).toBeGreaterThan(BUDGET);
    const rows = readJsonl<{ messages: { role: string; content: string }[]; images: string[] }>(join(out, 'train.jsonl'));
    expect(rows.length).toBe(report.samples.fromCrops);
    expect(rows.length).toBeGreaterThanOrEqual(Math.ceil(report.budget!.images[0].tokens / BUDGET));
    expect(readdirSync(join(out, 'crops'))).toHaveLength(rows.length);
    const dialect = getDialect('internvl2');
    const found = new Map<string, number[][]>();
    for (const row of rows) {
      const answer = assistantOf(row);
      expect(estimateTokens(answer)).toBeLessThanOrEqual(BUDGET);
      // Crops are named <stem>-<hash>-<x>-<y>.png after their top-left corner in the image.
      const [, x0, y0] = /-(\d+)-(\d+)\.png$/.exec(basename(row.images[0]))!.map(Number);
      const size = await probeImage(row.images[0]);
      expect(x0 + size.width).toBeLessThanOrEqual(WIDTH);
      expect(y0 + size.height).toBeLessThanOrEqual(HEIGHT);
      for (const region of dialect.parse(answer, size).regions) {
        const boxes = found.get(region.text!) ?? [];
        boxes.push([region.box[0] + x0, region.box[1] + y0, region.box[2] + x0, region.box[3] + y0]);
        found.set(region.text!, boxes);
      }
    }
    for (const word of truth) {
      const boxes = found.get(word.text);
      expect(boxes, `${word.text} is in no crop`).toBeDefined();
      // Kept whole in at least one crop: its box comes back within a grid unit (1/1000 of a crop side ≤ 1.2 px) + rounding.
      expect(boxes!.some((b) => b.every((v, i) => Math.abs(v - word.box[i]) <= 1.5)), `${word.text} at [${word.box}] vs ${JSON.stringify(boxes)}`).toBe(true);
    }
    expect(report.regions.cutByCrops).toBe(0);
  });

  it('--overflow skip drops the image and names it in the report', async () => {
    const out = tempOut('skip');
    const problems: string[] = [];
    const report = await convertDataset(dataset, { out, format: 'icdar2015', maxAnswerTokens: BUDGET, overflow: 'skip', onProblem: (p) => problems.push(`${p.kind}: ${p.message}`) });
    expect(report.samples.total).toBe(0);
    expect(report.budget).toMatchObject({ overBudget: 1, cropped: 0, skipped: 1 });
    expect(report.budget!.images[0].image).toBe(join(dataset, 'dense.png'));
    expect(report.regions.dropped['over-budget']).toBe(60);
    expect(problems.filter((p) => p.startsWith('over-budget'))).toHaveLength(1);
  });

  it('an image that no layout of crops can bring under the budget is skipped and reported', async () => {
    const long = 'x'.repeat(2_000);
    const root = tempDataset({ 'a.jpg': await solidJpeg(200, 100), 'gt_a.txt': `10,10,190,10,190,90,10,90,${long}\n` });
    const report = await convertDataset(root, { out: tempOut('uncroppable'), format: 'icdar2015', maxAnswerTokens: 100, split: 1 });
    expect(report.budget).toMatchObject({ overBudget: 1, uncroppable: 1 });
    expect(report.samples.total).toBe(0);
  });
});

describe('planCrops', () => {
  const square = (x: number, y: number, w: number, h: number, text: string): Region => ({ points: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], box: [x, y, x + w, y + h], text });

  it('tileSpans cover the side, overlap by the given amount (capped), and end on the last pixel', () => {
    expect(tileSpans(1000, 1, 50)).toEqual([[0, 1000]]);
    const spans = tileSpans(1000, 4, 50);
    expect(spans[0][0]).toBe(0);
    expect(spans[3][1]).toBe(1000);
    for (let i = 1; i < spans.length; i++) expect(spans[i - 1][1] - spans[i][0]).toBe(50);
    // 90 px of overlap between 4 tiles of a 100 px side is capped at 100 / 5 = 20 px.
    expect(tileSpans(100, 4, 90).every(([a], i, all) => i === 0 || all[i - 1][1] - a <= 20)).toBe(true);
  });

  it('keeps a region that no tile holds half of in the tile holding most of it, and counts it as cut', () => {
    // Tiles at most 400 px wide force 4 columns over 1000 px (overlap capped at 1000 / 5 = 200 px): the
    // full-width line has 40 % in each, so it is kept once, clipped, in the first of them.
    const regions = [square(0, 10, 1000, 20, 'wide'), square(100, 100, 40, 20, 'a'), square(800, 100, 40, 20, 'b')];
    const plan = planCrops(regions, { width: 1000, height: 200 }, { fits: (_r, size) => size.width <= 400 })!;
    expect([plan.rows, plan.cols]).toEqual([1, 4]);
    expect(plan.cut).toBe(1);
    const holding = plan.tiles.filter((t) => t.regions.some((r) => r.text === 'wide'));
    expect(holding).toHaveLength(1);
    expect(holding[0].rect).toEqual([0, 0, 400, 200]);
    expect(holding[0].regions.find((r) => r.text === 'wide')!.box).toEqual([0, 10, 400, 30]);
    const texts = plan.tiles.flatMap((t) => t.regions.map((r) => r.text));
    expect(texts.filter((t) => t === 'a').length).toBeGreaterThanOrEqual(1);
    expect(texts.filter((t) => t === 'b').length).toBeGreaterThanOrEqual(1);
  });

  it('prefers horizontal strips, which do not cut text lines, and keeps a line in every strip holding all of it', () => {
    const regions = Array.from({ length: 6 }, (_, i) => square(50, 20 + i * 100, 800, 30, `line${i}`));
    const plan = planCrops(regions, { width: 900, height: 620 }, { fits: (r) => r.length <= 3 })!;
    expect([plan.rows, plan.cols]).toEqual([2, 1]);
    expect(plan.cut).toBe(0);
    const texts = plan.tiles.flatMap((t) => t.regions.map((r) => r.text));
    for (let i = 0; i < 6; i++) expect(texts).toContain(`line${i}`);
    for (const tile of plan.tiles) for (const r of tile.regions) expect(r.box[2] - r.box[0]).toBe(800);
  });

  it('gives up (undefined) when a single region cannot fit any tile', () => {
    expect(planCrops([square(0, 0, 100, 100, 'x')], { width: 100, height: 100 }, { fits: () => false })).toBeUndefined();
  });

});
