/**
 * Page sources (src/image/pdf.ts, src/image/pages.ts, src/batch/pages.ts): PDFs rendered by PDFium at a DPI,
 * multi-page TIFFs page by page, and the documents that cannot be read, each with its one-line reason.
 * PDFs are made here with pdf-lib (test/helpers/pdfs.ts); `encrypted.pdf` is a committed fixture
 * (test/fixtures/README.md, "pdf").
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadImageError, NotFoundError, UsageError } from '../src/core/errors.js';
import { expandPages, parsePageRanges, selectPages } from '../src/batch/pages.js';
import { PageReader } from '../src/image/pages.js';
import { PdfDocument, looksLikePdf } from '../src/image/pdf.js';
import { numberedPdf } from './helpers/pdfs.js';

const ENCRYPTED = new URL('./fixtures/pdf/encrypted.pdf', import.meta.url).pathname;
let scratch: string;
let three: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ocrdet-pdf-'));
  three = join(scratch, 'three.pdf');
  await writeFile(three, await numberedPdf(3));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('PDF pages (PDFium)', () => {
  it('renders each page at the DPI asked: an A4 page (595 × 842 pt) is 1240 × 1754 px at 150 dpi and 826 × 1169 at 100', async () => {
    const pdf = await PdfDocument.open(three);
    try {
      expect(pdf.pageCount).toBe(3);
      const page = pdf.renderPage(2, { dpi: 150, maxPixels: 1e8 });
      expect([page.width, page.height]).toEqual([Math.round((595 * 150) / 72), Math.round((842 * 150) / 72)]);
      expect(page.data.length).toBe(page.width * page.height * 3);
      const small = pdf.renderPage(1, { dpi: 100, maxPixels: 1e8 });
      expect([small.width, small.height]).toEqual([826, 1169]); // 595 × 100 / 72 = 826.4, 842 × 100 / 72 = 1169.4
    } finally {
      pdf.close();
    }
  });

  it('draws the text where pdf-lib put it: dark pixels inside the first line, white paper elsewhere', async () => {
    const pdf = await PdfDocument.open(three);
    const page = pdf.renderPage(1, { dpi: 72, maxPixels: 1e8 });
    pdf.close();
    // "Page 1 of 3" at x 72 pt, baseline 100 pt from the top, 24 pt: ink between y ≈ 83 and 100.
    const darkIn = (x1: number, y1: number, x2: number, y2: number) => {
      let dark = 0;
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) if (page.data[(y * page.width + x) * 3] < 100) dark++;
      return dark;
    };
    expect(darkIn(72, 82, 200, 100)).toBeGreaterThan(100);
    expect(darkIn(300, 400, 500, 600)).toBe(0);
    expect(page.data[0]).toBe(255);
  });

  it('honours /Rotate: a page turned 90° is rendered landscape', async () => {
    const pdf = await PdfDocument.open(await numberedPdf(2, { rotateFirst: 90 }), 'rotated.pdf');
    expect(pdf.pageSizePt(1)).toEqual({ width: 842, height: 595 });
    const page = pdf.renderPage(1, { dpi: 72, maxPixels: 1e8 });
    expect([page.width, page.height]).toEqual([842, 595]);
    expect(pdf.pageSizePt(2)).toEqual({ width: 595, height: 842 });
    pdf.close();
  });

  it('refuses a page over the pixel limit before rendering it, naming the page, its size and the options', async () => {
    const pdf = await PdfDocument.open(three);
    expect(() => pdf.renderPage(1, { dpi: 600, maxPixels: 10_000_000 })).toThrow(/page 1 at 600 dpi would be 4958×7017 pixels, over the pixel limit .*option "dpi"/);
    pdf.close();
  });

  it('says in one line why a PDF cannot be opened: empty, not a PDF, truncated, encrypted, missing', async () => {
    const bytes = await readFile(three);
    const cases: [Buffer | string, RegExp][] = [
      [Buffer.alloc(0), /empty file \(0 bytes\)/],
      [Buffer.from('just some text, no PDF at all'), /not a PDF, or a damaged or truncated one \(it does not start with %PDF-\)/],
      [bytes.subarray(0, Math.floor(bytes.length / 3)), /not a PDF, or a damaged or truncated one$/],
      [await readFile(ENCRYPTED), /encrypted: it needs a password to open/],
    ];
    for (const [input, reason] of cases) {
      const error = await PdfDocument.open(input, 'doc.pdf').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadImageError);
      expect((error as Error).message).toMatch(/^doc\.pdf: /);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).not.toContain('\n');
    }
    await expect(PdfDocument.open(join(scratch, 'missing.pdf'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('recognises a PDF by its bytes, not its name', () => {
    expect(looksLikePdf(Buffer.from('%PDF-1.7\n'))).toBe(true);
    expect(looksLikePdf(Buffer.from('junk before\n%PDF-1.4'))).toBe(true);
    expect(looksLikePdf(Buffer.from('\x89PNG\r\n'))).toBe(false);
  });
});

describe('page ranges', () => {
  it('reads 1-3,7,10- as pages 1 to 3, 7 and 10 to the end', () => {
    expect(parsePageRanges('1-3,7,10-')).toEqual([{ from: 1, to: 3 }, { from: 7, to: 7 }, { from: 10 }]);
    expect(selectPages(parsePageRanges('1-3,7,10-'), 12)).toEqual([1, 2, 3, 7, 10, 11, 12]);
    expect(selectPages(parsePageRanges('2, 2-3'), 2)).toEqual([2]);
    expect(selectPages(undefined, 3)).toEqual([1, 2, 3]);
  });

  it('refuses 0, reversed ranges and words, naming the option', () => {
    for (const bad of ['0', '3-1', 'first', '1,,2', '-2']) {
      expect(() => parsePageRanges(bad)).toThrow(UsageError);
      expect(() => parsePageRanges(bad)).toThrow(/option "pages"/);
    }
  });
});

describe('documents → pages', () => {
  it('expands a PDF into its selected pages, a multi-page TIFF into its pages, and keeps an image and a broken PDF as one input each', async () => {
    const tiffPages = await Promise.all(
      [1, 2, 3].map((n) => sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 255 - n * 40, g: 255, b: 255 } } }).png().toBuffer()),
    );
    const tiff = join(scratch, 'scan.tiff');
    await writeFile(tiff, await sharp(tiffPages, { join: { animated: true } }).tiff().toBuffer());
    const photo = join(scratch, 'photo.png');
    await writeFile(photo, tiffPages[0]);
    const broken = join(scratch, 'broken.pdf');
    await writeFile(broken, (await readFile(three)).subarray(0, 300));
    const notices: string[] = [];
    const reader = new PageReader({ dpi: 100 });
    try {
      const inputs = [three, tiff, photo, broken].map((path) => ({ path, relativePath: path.split('/').pop()! }));
      const pages = await expandPages(inputs, reader, parsePageRanges('2-5'), (m) => notices.push(m));
      expect(pages.map((p) => [p.relativePath, p.page, p.kind, p.error?.code])).toEqual([
        ['three-p2.pdf', 2, 'pdf', undefined],
        ['three-p3.pdf', 3, 'pdf', undefined],
        ['scan-p2.tiff', 2, 'tiff', undefined],
        ['scan-p3.tiff', 3, 'tiff', undefined],
        ['photo.png', undefined, undefined, undefined],
        ['broken.pdf', undefined, undefined, 'OCRDET_BAD_IMAGE'],
      ]);
      expect(notices).toEqual([`${three}: has 3 pages; pages beyond it skipped`, `${tiff}: has 3 pages; pages beyond it skipped`]);
      // Each TIFF page decodes on its own, at its own colour.
      const second = await reader.render(tiff, 'tiff', 2);
      const third = await reader.render(tiff, 'tiff', 3);
      expect([second.width, second.height, second.data[0], third.data[0]]).toEqual([200, 100, 175, 135]);
      const pdfPage = await reader.render(three, 'pdf', 3);
      expect([pdfPage.width, pdfPage.height]).toEqual([826, 1169]);
    } finally {
      await reader.close();
    }
  });
});
