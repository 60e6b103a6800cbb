/**
 * Blocks and reading order (src/core/blocks.ts): hand-drawn boxes whose order a person reads off the
 * drawing, then real pages through the PP-OCRv4 detector: a two-column PDF checked against poppler's own
 * text layer (test/fixtures/pdf/two-columns.poppler.json, recorded by `pdftotext -bbox-layout`), and a page
 * of vertical Chinese columns made with pdf-lib and Noto Sans SC.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupBlocks, isVerticalBox } from '../src/core/blocks.js';
import { boxIoU } from '../src/core/geometry.js';
import type { Box, Detection, Sample } from '../src/core/types.js';
import { createPpocrDetector, type PpocrDetector } from '../src/detectors/ppocr/index.js';
import { evaluate } from '../src/eval/index.js';
import { PdfDocument } from '../src/image/pdf.js';
import { rawImageInput } from '../src/image/sharp.js';
import { VERTICAL_COLUMNS, pointsToPixels, twoColumnPage, verticalCjkPage } from './helpers/pdfs.js';

const line = (box: Box) => ({ box });
/** The lines of each block, by the names given to the boxes. */
const named = (blocks: ReturnType<typeof groupBlocks>, names: readonly string[]) => blocks.map((b) => b.lines.map((i) => names[i]));

describe('groupBlocks on drawn boxes', () => {
  it('reads a title, two columns whose paragraph gaps are level, then a footer: column by column', () => {
    // 12 px lines, 16 px apart; paragraph gaps at the same height in both columns.
    const boxes: [string, Box][] = [['title', [100, 10, 400, 34]]];
    for (const [column, x] of [['a', 20], ['b', 260]] as const) {
      let y = 60;
      for (const paragraph of [1, 2]) {
        for (let i = 1; i <= 3; i++, y += 16) boxes.push([`${column}${paragraph}.${i}`, [x, y, x + 200, y + 12]]);
        y += 20;
      }
    }
    boxes.push(['footer', [60, 200, 420, 214]]);
    // Shuffled: the order of regions must not matter.
    const shuffled = [...boxes].sort((p, q) => (p[0] < q[0] ? 1 : -1));
    const blocks = groupBlocks(shuffled.map(([, box]) => line(box)));
    expect(named(blocks, shuffled.map(([n]) => n))).toEqual([
      ['title'],
      ['a1.1', 'a1.2', 'a1.3'],
      ['a2.1', 'a2.2', 'a2.3'],
      ['b1.1', 'b1.2', 'b1.3'],
      ['b2.1', 'b2.2', 'b2.3'],
      ['footer'],
    ]);
    expect(blocks[1].box).toEqual([20, 60, 220, 104]);
  });

  it('keeps pieces of one line together and reads them left to right', () => {
    const names = ['right', 'left', 'next line'];
    const blocks = groupBlocks([line([130, 10, 200, 24]), line([10, 10, 120, 24]), line([10, 28, 200, 42])]);
    expect(named(blocks, names)).toEqual([['left', 'right', 'next line']]);
  });

  it('reads vertical columns right to left, and a group of columns set apart after the group to its right', () => {
    // Columns 24 px wide, 6 px apart; the left group 60 px further left.
    const names = ['r1', 'r2', 'r3', 'l1', 'l2'];
    const boxes: Box[] = [
      [300, 20, 324, 200],
      [270, 20, 294, 180],
      [240, 20, 264, 160],
      [150, 20, 174, 200],
      [120, 20, 144, 200],
    ];
    expect(boxes.every(isVerticalBox)).toBe(true);
    expect(named(groupBlocks([...boxes].reverse().map(line)), [...names].reverse())).toEqual([['r1', 'r2', 'r3'], ['l1', 'l2']]);
  });

  it('puts every region in exactly one block, and gives none for none', () => {
    const boxes: Box[] = Array.from({ length: 30 }, (_, i) => [(i * 37) % 300, (i * 53) % 400, ((i * 37) % 300) + 40 + (i % 5) * 10, ((i * 53) % 400) + 12]);
    const lines = groupBlocks(boxes.map(line)).flatMap((b) => b.lines);
    expect([...lines].sort((a, b) => a - b)).toEqual(boxes.map((_, i) => i));
    expect(groupBlocks([])).toEqual([]);
  });
});

interface PopplerLayer {
  command: string;
  poppler: string;
  lines: { page: number; bboxPt: Box; text: string; block: number }[];
}

let detector: PpocrDetector;

beforeAll(async () => {
  detector = await createPpocrDetector({ orientation: 'off' });
});

afterAll(async () => {
  await detector?.close();
});

async function detectPdfPage(pdf: Buffer | string, dpi: number, name: string): Promise<Detection> {
  const doc = await PdfDocument.open(pdf, name);
  try {
    return await detector.detect(rawImageInput(doc.renderPage(1, { dpi, maxPixels: 1e8 })), { name });
  } finally {
    doc.close();
  }
}

/** For each ground-truth box, the index of the region matching it best at IoU ≥ 0.5 (−1 when none). */
function matchLines(detection: Detection, boxes: readonly Box[]): number[] {
  return boxes.map((box) => {
    let best = -1;
    let bestIoU = 0.5;
    detection.regions.forEach((r, i) => {
      const iou = boxIoU(box, r.box);
      if (iou >= bestIoU) [best, bestIoU] = [i, iou];
    });
    return best;
  });
}

const squash = (text: string | undefined) => (text ?? '').replace(/\s+/g, '').toLowerCase();

describe('real pages', () => {
  const DPI = 150;
  const FIXTURE = new URL('./fixtures/pdf/two-columns.pdf', import.meta.url).pathname;
  const layer = JSON.parse(readFileSync(new URL('./fixtures/pdf/two-columns.poppler.json', import.meta.url), 'utf8')) as PopplerLayer;

  it("finds the lines poppler's text layer has (hmean-IoU ≥ 0.95 at 150 dpi) and reads them", async () => {
    const detection = await detectPdfPage(FIXTURE, DPI, 'two-columns.pdf');
    const gt: Sample = {
      image: 'two-columns.pdf',
      width: detection.width,
      height: detection.height,
      regions: layer.lines.map((l) => {
        const [x1, y1, x2, y2] = pointsToPixels(l.bboxPt, DPI);
        return { points: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], box: [x1, y1, x2, y2] };
      }),
    };
    const report = await evaluate([gt], [detection]);
    expect(report.hmean).toBeGreaterThanOrEqual(0.95);
    const matched = matchLines(detection, gt.regions.map((r) => r.box));
    const sameText = layer.lines.filter((l, i) => matched[i] >= 0 && squash(detection.regions[matched[i]].text) === squash(l.text)).length;
    // Rendered Helvetica at 150 dpi: most lines are read exactly (spaces aside).
    expect(sameText / layer.lines.length).toBeGreaterThanOrEqual(0.8);
  }, 60_000);

  it('reads the two columns column by column (where poppler interleaves them), one block per paragraph as poppler groups them', async () => {
    const detection = await detectPdfPage(FIXTURE, DPI, 'two-columns.pdf');
    // The fixture is twoColumnPage()'s output: its lines, as drawn, are in reading order.
    const drawn = (await twoColumnPage()).lines;
    const inOrder = matchLines(detection, drawn.map((l) => pointsToPixels(l.boxPt, DPI)));
    expect(inOrder.every((m) => m >= 0)).toBe(true);
    const order = detection.blocks!.flatMap((b) => b.lines);
    expect(inOrder.map((m) => order.indexOf(m))).toEqual(inOrder.map((_, i) => i));
    // Poppler's own order on this page reads across the columns, paragraph row by paragraph row.
    expect(layer.lines.map((l) => l.text).slice(1, 13)).not.toEqual(drawn.slice(1, 13).map((l) => l.text));
    const matched = matchLines(detection, layer.lines.map((l) => pointsToPixels(l.bboxPt, DPI)));
    const blockOf = (region: number) => detection.blocks!.findIndex((b) => b.lines.includes(region));
    const ours = matched.map(blockOf);
    // Same poppler block ⇔ same ocrdet block.
    layer.lines.forEach((a, i) => layer.lines.forEach((b, j) => expect(ours[i] === ours[j], `${a.text} / ${b.text}`).toBe(a.block === b.block)));
  }, 60_000);

  it('reads vertical Chinese columns right to left, top to bottom, as two blocks', async () => {
    const page = await verticalCjkPage();
    const detection = await detectPdfPage(page.pdf, DPI, 'vertical.pdf');
    const matched = matchLines(detection, page.lines.map((l) => pointsToPixels(l.boxPt, DPI)));
    expect(matched.every((m) => m >= 0)).toBe(true);
    const order = detection.blocks!.flatMap((b) => b.lines).filter((i) => matched.includes(i));
    expect(order).toEqual(matched);
    const read = order.map((i) => detection.regions[i].text ?? '').join('');
    const expected = VERTICAL_COLUMNS.join('');
    // One character may be misread or split off into its own region; the order holds.
    expect([...read].filter((c, i) => c === expected[i]).length).toBeGreaterThanOrEqual(expected.length - 3);
    const blockOf = (region: number) => detection.blocks!.findIndex((b) => b.lines.includes(region));
    expect(matched.map(blockOf)).toEqual([0, 0, 0, 0, 1, 1].map((b) => blockOf(matched[b === 0 ? 0 : 4])));
  }, 60_000);
});
