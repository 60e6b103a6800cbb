/**
 * Tiling's effect on recall, measured. A 2400×1800 page is rendered with known ground truth: 4 headlines
 * (56 px) and 24 small lines (13 px). A PROTOCOL DOUBLE of an OpenAI-compatible server
 * (test/helpers/openai-double.js) plays the model: for each image it receives it finds which piece of the
 * page it is (by comparing pixels with the whole page and with every planned tile), and answers — in the
 * Qwen2-VL dialect's own format — with the ground-truth lines it could read there: lines mostly inside the
 * piece whose ink is at least LEGIBLE_PX tall in the image as SENT. That is the assumption this test rests on
 * (a model cannot read text a few pixels high), standing in for a real model's loss of small text in
 * downscaled images. Recall and precision are ICDAR 2015 hmean-IoU counts (src/eval/image.ts).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Box, Region } from '../src/core/types.js';
import { createVlmDetector } from '../src/detectors/vlm/index.js';
import { planTiles, parseTileSpec } from '../src/detectors/vlm/plan.js';
import { scoreImage } from '../src/eval/image.js';
import { getDialect } from '../src/grounding/index.js';
import type { PixelRect } from '../src/image/encode.js';
import { startOpenAiDouble, type DoubleRequest, type OpenAiDouble } from './helpers/openai-double.js';

const PAGE = { width: 2400, height: 1800 };
/** Ink height, in pixels of the image sent, below which the simulated model does not see a line. */
const LEGIBLE_PX = 10;
const dialect = getDialect('qwen2-vl');
const BUDGET = 28 * 28 * 1280; // Qwen2-VL's pixel budget (src/grounding/image-rules.ts QWEN2_VL_RESIZE)

interface Line {
  text: string;
  x: number;
  y: number;
  fontSizePx: number;
}

const LINES: Line[] = [
  ...['QUARTERLY REPORT 2024', 'Warehouse inventory', 'Shipping summary', 'Signed and approved'].map((text, i) => ({ text, x: 120 + (i % 2) * 1150, y: 140 + Math.floor(i / 2) * 1450, fontSizePx: 56 })),
  ...Array.from({ length: 24 }, (_, i) => ({ text: `Item ${String(i + 1).padStart(2, '0')}: ${(i * 7.25 + 3).toFixed(2)} EUR`, x: 140 + (i % 3) * 780, y: 420 + Math.floor(i / 3) * 130, fontSizePx: 13 })),
];

function svg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f4f1ea"/>${body}</svg>`);
}
const textElement = (l: Line, x = l.x, y = l.y) => `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${l.fontSizePx}" fill="#111111">${l.text}</text>`;

/** The line's ink box on the page: rendered alone on a small canvas at the same sub-pixel position, measured, moved. */
async function inkBox(line: Line): Promise<Box> {
  const pad = line.fontSizePx;
  const width = line.text.length * line.fontSizePx + 2 * pad;
  const height = 3 * line.fontSizePx;
  const { data, info } = await sharp(svg(width, height, textElement(line, pad, 2 * line.fontSizePx))).greyscale().raw().toBuffer({ resolveWithObject: true });
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[y * info.width + x] >= 128) continue;
      [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
    }
  }
  const dx = line.x - pad;
  const dy = line.y - 2 * line.fontSizePx;
  return [x1 + dx, y1 + dy, x2 + dx, y2 + dy];
}

const regionOf = (box: Box, text: string): Region => ({ points: [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]], box, text });

let truth: Region[];
let pageFile: string;
let pageGrey: { data: Buffer; width: number; height: number };
const thumbnails = new Map<string, Buffer>();
const THUMB = 24;

async function thumbnail(input: sharp.Sharp): Promise<Buffer> {
  return input.greyscale().resize(THUMB, THUMB, { fit: 'fill' }).raw().toBuffer();
}

function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

const rectKey = (r: PixelRect) => `${r.left},${r.top},${r.width},${r.height}`;

/** The simulated model: which piece of the page this is, and the lines it can read there. */
async function simulatedAnswer(request: DoubleRequest): Promise<string> {
  const received = await thumbnail(sharp(request.image!.bytes));
  let best: { key: string; difference: number } = { key: '', difference: Infinity };
  for (const [key, thumb] of thumbnails) {
    const difference = meanDifference(received, thumb);
    if (difference < best.difference) best = { key, difference };
  }
  // Not a tiling test if the pieces sent were not pieces of the page.
  if (best.difference > 4) throw new Error(`received an image that is no planned piece of the page (mean difference ${best.difference.toFixed(1)})`);
  const [left, top, width, height] = best.key.split(',').map(Number);
  const scale = request.image!.height! / height;
  const visible = truth.flatMap((region) => {
    const [x1, y1, x2, y2] = region.box;
    const clipped: Box = [Math.max(x1, left), Math.max(y1, top), Math.min(x2, left + width), Math.min(y2, top + height)];
    const insideShare = Math.max(0, clipped[2] - clipped[0]) * Math.max(0, clipped[3] - clipped[1]) / ((x2 - x1) * (y2 - y1));
    if (insideShare < 0.6 || (y2 - y1) * scale < LEGIBLE_PX) return [];
    return [regionOf([clipped[0] - left, clipped[1] - top, clipped[2] - left, clipped[3] - top], region.text!)];
  });
  return dialect.format(visible, { width, height });
}

let server: OpenAiDouble;

beforeAll(async () => {
  truth = await Promise.all(LINES.map(async (line) => regionOf(await inkBox(line), line.text)));
  const png = await sharp(svg(PAGE.width, PAGE.height, LINES.map((l) => textElement(l)).join(''))).png().toBuffer();
  pageFile = join(mkdtempSync(join(tmpdir(), 'ocrdet-vlm-tiling-')), 'page.png');
  writeFileSync(pageFile, png);
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  pageGrey = { data, width: info.width, height: info.height };
  const pieces: PixelRect[] = [{ left: 0, top: 0, ...PAGE }, ...planTiles(PAGE, parseTileSpec('auto'), { maxPixels: BUDGET, overlap: 0.2, maxTiles: 16, overview: true })];
  for (const rect of pieces) {
    thumbnails.set(rectKey(rect), await thumbnail(sharp(pageGrey.data, { raw: { width: pageGrey.width, height: pageGrey.height, channels: 1 } }).extract(rect)));
  }
  server = await startOpenAiDouble({ answer: simulatedAnswer });
});
afterAll(async () => server?.close());

async function detectPage(tile: string) {
  const detector = await createVlmDetector({ baseUrl: server.url, dialect: 'qwen2-vl', tile, saveRaw: true });
  const before = server.stats.chatRequests;
  const detection = await detector.detect(pageFile);
  const scores = scoreImage(truth, detection.regions.map((r) => r.points), { iou: 0.5, areaPrecision: 0.5, match: 'greedy' });
  return { detection, requests: server.stats.chatRequests - before, recall: scores.matched / scores.gtCare, precision: scores.matched / scores.detCare };
}

describe('tiling recovers small text', () => {
  it('whole page: the small lines are lost; tiles + overview: every line found once', async () => {
    const whole = await detectPage('off');
    const tiled = await detectPage('auto');
    console.info(
      `tiling recall on a 2400×1800 page (4 headlines 56 px, 24 lines 13 px; legible ≥ ${LEGIBLE_PX} px as sent): ` +
        `off ${whole.recall.toFixed(3)} (precision ${whole.precision.toFixed(3)}, ${whole.requests} request), ` +
        `auto ${tiled.recall.toFixed(3)} (precision ${tiled.precision.toFixed(3)}, ${tiled.requests} requests)`,
    );
    // Whole page sent at 1156×867 (scale 0.482): 13 px lines become ~6 px, 56 px headlines ~26 px.
    expect(whole.requests).toBe(1);
    expect(whole.recall).toBeCloseTo(4 / 28, 5);
    expect(whole.precision).toBe(1);
    // Auto: 3 × 2 tiles of ~934×1000 sent at full resolution, plus the overview.
    expect(tiled.requests).toBe(7);
    expect(tiled.recall).toBe(1);
    // Lines seen by two overlapping tiles (and headlines cut by tile borders) were merged, not doubled:
    // the 7 answers hold more boxes than there are lines.
    const boxesAnswered = tiled.detection.raw!.reduce((n, part) => n + part.answer.split('<|box_start|>').length - 1, 0);
    expect(boxesAnswered).toBeGreaterThan(28);
    expect(tiled.precision).toBe(1);
    expect(tiled.detection.regions).toHaveLength(28);
    expect(new Set(tiled.detection.regions.map((r) => r.text))).toEqual(new Set(LINES.map((l) => l.text)));
  });
});
