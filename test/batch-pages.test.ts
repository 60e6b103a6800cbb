/**
 * PDFs in a batch, end to end with the real PP-OCRv4 detector (detection only, orientation off: what is
 * under test is paging): each page is one Detection (`page`, `dpi`, pixels of the rendered page), resuming
 * works page by page, a broken or encrypted PDF is one error line and the batch goes on, overlays are drawn
 * per page. PDFs are made with pdf-lib (test/helpers/pdfs.ts); encrypted.pdf is a fixture.
 */
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run.js';
import type { Detection } from '../src/core/types.js';
import { createPpocrDetector, type PpocrDetector } from '../src/detectors/ppocr/index.js';
import { numberedPdf } from './helpers/pdfs.js';

const ENCRYPTED = new URL('./fixtures/pdf/encrypted.pdf', import.meta.url).pathname;
const PHOTO = new URL('./fixtures/batch/MSRA_TD500_IMG_1904.jpg', import.meta.url).pathname;

let detector: PpocrDetector;
let dir: string;
let scratch: string;

beforeAll(async () => {
  detector = await createPpocrDetector({ text: false, orientation: 'off' });
  scratch = await mkdtemp(join(tmpdir(), 'ocrdet-batch-pages-'));
  dir = join(scratch, 'in');
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  await writeFile(join(dir, 'a-doc.pdf'), await numberedPdf(3));
  await copyFile(ENCRYPTED, join(dir, 'b-locked.pdf'));
  await writeFile(join(dir, 'c-cut.pdf'), (await numberedPdf(2)).subarray(0, 500));
  await copyFile(PHOTO, join(dir, 'd-photo.jpg'));
});

afterAll(async () => {
  await detector?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function linesOf(file: string): Promise<Detection[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Detection);
}

describe('PDFs in a batch', () => {
  it('gives one Detection per page, one error line per unreadable PDF, and goes on to the next file', async () => {
    const out = join(scratch, 'all.jsonl');
    const errors: string[] = [];
    const summary = await runBatch({ inputs: [dir], detector, out, dpi: 100, onImageError: (image, error) => errors.push(`${image}: ${error.code}`) });
    const lines = await linesOf(out);
    expect(lines.map((d) => [d.image.split('/').pop(), d.page, d.dpi, d.error?.code])).toEqual([
      ['a-doc.pdf', 1, 100, undefined],
      ['a-doc.pdf', 2, 100, undefined],
      ['a-doc.pdf', 3, 100, undefined],
      ['b-locked.pdf', undefined, undefined, 'OCRDET_BAD_IMAGE'],
      ['c-cut.pdf', undefined, undefined, 'OCRDET_BAD_IMAGE'],
      ['d-photo.jpg', undefined, undefined, undefined],
    ]);
    // Pixels of the page rendered at 100 dpi: A4 is 826 × 1169; "Page N of 3" is found near (100, 139) px.
    for (const page of lines.slice(0, 3)) {
      expect([page.width, page.height]).toEqual([826, 1169]);
      expect(page.regions.some((r) => r.box[1] < 139 && r.box[3] > 120 && r.box[0] < 110)).toBe(true);
    }
    expect(lines[3].error?.message).toMatch(/b-locked\.pdf: encrypted: it needs a password to open/);
    expect(lines[4].error?.message).toMatch(/c-cut\.pdf: not a PDF, or a damaged or truncated one/);
    expect(errors).toEqual([`${join(dir, 'b-locked.pdf')}: OCRDET_BAD_IMAGE`, `${join(dir, 'c-cut.pdf')}: OCRDET_BAD_IMAGE`]);
    expect(summary).toMatchObject({ total: 6, done: 6, failed: 2 });
  }, 60_000);

  it('resumes page by page: a rerun skips the pages done, and redoes only a page whose line is missing', async () => {
    const out = join(scratch, 'resume.jsonl');
    await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, out, dpi: 100 });
    const again = await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, out, dpi: 100 });
    expect(again).toMatchObject({ total: 3, skipped: 3, done: 0 });
    const [first, , third] = (await readFile(out, 'utf8')).split('\n');
    await writeFile(out, `${first}\n${third}\n`);
    const redo = await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, out, dpi: 100 });
    expect(redo).toMatchObject({ total: 3, skipped: 2, done: 1 });
    expect((await linesOf(out)).map((d) => d.page)).toEqual([1, 3, 2]);
  }, 60_000);

  it('reads only the pages asked for', async () => {
    const seen: number[] = [];
    await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, pages: '2-', dpi: 72, onDetection: (d) => void seen.push(d.page!) });
    expect(seen).toEqual([2, 3]);
  }, 60_000);

  it('draws one overlay per page, at the size of the rendered page', async () => {
    const overlays = join(scratch, 'overlays');
    await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, overlayDir: overlays, dpi: 100 });
    for (const page of [1, 2, 3]) {
      const meta = await sharp(join(overlays, `a-doc-p${page}.png`)).metadata();
      expect([meta.width, meta.height]).toEqual([826, 1169]);
    }
    await expect(stat(join(overlays, 'a-doc.png'))).rejects.toThrow();
  }, 60_000);

  it('redraws on a rerun the overlay of a page done before whose PNG is missing, from its recorded regions', async () => {
    const overlays = join(scratch, 'overlays-redraw');
    const out = join(scratch, 'redraw.jsonl');
    await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, out, overlayDir: overlays, dpi: 100 });
    await rm(join(overlays, 'a-doc-p2.png'));
    const notices: string[] = [];
    const again = await runBatch({ inputs: [join(dir, 'a-doc.pdf')], detector, out, overlayDir: overlays, dpi: 100, onNotice: (m) => void notices.push(m) });
    expect(again).toMatchObject({ skipped: 3, done: 0 });
    const meta = await sharp(join(overlays, 'a-doc-p2.png')).metadata();
    expect([meta.width, meta.height]).toEqual([826, 1169]);
    expect(notices.some((n) => /drew 1 overlay of images done before/.test(n))).toBe(true);
  }, 60_000);
});
