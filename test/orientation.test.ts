/**
 * Orientation (`orientation: 'auto'`, src/detectors/ppocr/orientation.ts) on real pages: the two-column
 * fixture PDF rendered by PDFium and turned by 90, 180 and 270 degrees, whose lines are known (drawn by
 * test/helpers/pdfs.ts); a photo of seed-test; vertical Chinese columns, which must stay upright. Regions
 * are found and read upright, and reported in the pixels of the image as given.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxIoU, turnPoints, turnedSize } from '../src/core/geometry.js';
import type { Box, Detection, Orientation } from '../src/core/types.js';
import { createPpocrDetector, type PpocrDetector } from '../src/detectors/ppocr/index.js';
import { PdfDocument } from '../src/image/pdf.js';
import { pointsToPixels, twoColumnPage, verticalCjkPage } from './helpers/pdfs.js';

const DPI = 100;
let auto: PpocrDetector;
let png: Buffer;
let size: { width: number; height: number };
let lines: { text: string; box: Box }[];
let upright: Detection;

async function renderPng(pdf: Buffer): Promise<{ png: Buffer; width: number; height: number }> {
  const doc = await PdfDocument.open(pdf, 'page.pdf');
  const page = doc.renderPage(1, { dpi: DPI, maxPixels: 1e8 });
  doc.close();
  return { png: await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 3 } }).png().toBuffer(), width: page.width, height: page.height };
}

beforeAll(async () => {
  auto = await createPpocrDetector({ orientation: 'auto' });
  const drawn = await twoColumnPage();
  ({ png, ...size } = await renderPng(drawn.pdf));
  lines = drawn.lines.map((l) => ({ text: l.text, box: pointsToPixels(l.boxPt, DPI) }));
  upright = await auto.detect(png, { name: 'page.png' });
}, 60_000);

afterAll(async () => {
  await auto?.close();
});

/** A box of the upright page, in the pixels of the page turned by `turn`. */
function turnBox(box: Box, turn: Orientation): Box {
  const [[x1, y1], [x2, y2]] = turnPoints([[box[0], box[1]], [box[2], box[3]]], turn, size);
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

const squash = (text: string | undefined) => (text ?? '').replace(/\s+/g, '').toLowerCase();

/** Per drawn line: the text of the region covering its box (IoU ≥ 0.5) in `detection`, or undefined. */
function readLines(detection: Detection, turn: Orientation): (string | undefined)[] {
  return lines.map((line) => {
    const box = turnBox(line.box, turn);
    const best = detection.regions.find((r) => boxIoU(box, r.box) >= 0.5);
    return best ? squash(best.text) : undefined;
  });
}

describe('orientation auto', () => {
  it('turns in core: a point of the upright page lands where turning the picture puts it', () => {
    // Upright 826 × 1169; turned 90° clockwise the picture is 1169 × 826 and (x, y) goes to (1169 − y, x).
    expect(turnPoints([[100, 200]], 90, size)).toEqual([[size.height - 200, 100]]);
    expect(turnPoints([[100, 200]], 180, size)).toEqual([[size.width - 100, size.height - 200]]);
    expect(turnPoints([[100, 200]], 270, size)).toEqual([[200, size.width - 100]]);
    expect(turnedSize(size, 270)).toEqual({ width: size.height, height: size.width });
  });

  for (const turn of [90, 180, 270] as const) {
    it(`finds a page turned ${turn}°, reads it as upright, and reports boxes in the pixels of the turned picture`, async () => {
      expect(upright.orientation).toBe(0);
      const turned = await auto.detect(await sharp(png).rotate(turn).png().toBuffer(), { name: 'turned.png' });
      expect(turned.orientation).toBe(turn);
      expect([turned.width, turned.height]).toEqual([turnedSize(size, turn).width, turnedSize(size, turn).height]);
      const readUpright = readLines(upright, 0);
      const readTurned = readLines(turned, turn);
      // Every line is found where it is in the turned picture, and read as on the upright page.
      expect(readTurned.filter((t) => t !== undefined).length).toBe(lines.length);
      expect(readTurned.filter((t, i) => t === readUpright[i]).length).toBeGreaterThanOrEqual(lines.length - 2);
      // The reading order is the upright page's.
      const order = (d: Detection) => d.blocks!.flatMap((b) => b.lines).map((i) => squash(d.regions[i].text));
      expect(order(turned)).toEqual(order(upright));
      // Block boxes are in the turned picture's pixels too: each contains its lines.
      for (const block of turned.blocks!) {
        for (const i of block.lines) {
          const [x1, y1, x2, y2] = turned.regions[i].box;
          expect(x1 >= block.box[0] - 0.01 && y1 >= block.box[1] - 0.01 && x2 <= block.box[2] + 0.01 && y2 <= block.box[3] + 0.01).toBe(true);
        }
      }
    }, 60_000);
  }

  it('leaves upright vertical Chinese columns upright', async () => {
    const vertical = await renderPng((await verticalCjkPage()).pdf);
    const detection = await auto.detect(vertical.png, { name: 'vertical.png' });
    expect(detection.orientation).toBe(0);
    expect(detection.blocks!.flatMap((b) => b.lines).map((i) => detection.regions[i].text).join('')).toContain('床前明月光');
  }, 60_000);

  it('finds a photo turned upside down (seed-test MSRA_TD500_IMG_0769) and reads it as upright', async () => {
    const photo = new URL('./fixtures/ppocr/MSRA_TD500_IMG_0769.jpg', import.meta.url).pathname;
    const uprightPhoto = await auto.detect(photo);
    const turned = await auto.detect(await sharp(photo).rotate(180).png().toBuffer(), { name: 'turned.png' });
    expect([uprightPhoto.orientation, turned.orientation]).toEqual([0, 180]);
    // Detection on the turned pixels is not exactly detection on the upright ones: nearly every line reads the same.
    const readTurned = new Set(turned.regions.map((r) => squash(r.text)));
    expect(uprightPhoto.regions.filter((r) => readTurned.has(squash(r.text))).length).toBeGreaterThanOrEqual(uprightPhoto.regions.length - 2);
  }, 60_000);

  it('with orientation off takes the picture as given and records no orientation', async () => {
    const off = await createPpocrDetector({ orientation: 'off', text: false });
    try {
      const detection = await off.detect(await sharp(png).rotate(180).png().toBuffer(), { name: 'turned.png' });
      expect(detection.orientation).toBeUndefined();
      expect(off.model).not.toContain('cls');
    } finally {
      await off.close();
    }
  }, 60_000);
});
