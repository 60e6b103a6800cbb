/**
 * `POST /v1/detect` with PDFs and the output formats (src/server/documents.ts), over the real embedded
 * detector (detection only) through fastify's inject(): a PDF is answered page by page, `?pages=`, `?dpi=`
 * and `?pictures=1` do what they say, broken PDFs and bad parameters are errors that say why, and
 * `?format=` answers hOCR, ALTO or text. PDFs are made with pdf-lib (test/helpers/pdfs.ts).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../src/core/types.js';
import { createDetector } from '../src/detectors/index.js';
import type { Detector } from '../src/detectors/types.js';
import { buildServer } from '../src/server/app.js';
import { numberedPdf } from './helpers/pdfs.js';

const PHOTO = new URL('./fixtures/ppocr/MTWI2018_TB16GBCLXXXXXcXXFXXunYpLFXX.jpg', import.meta.url).pathname;
const ENCRYPTED = new URL('./fixtures/pdf/encrypted.pdf', import.meta.url).pathname;

let detector: Detector;
let app: FastifyInstance;
let pdf: Buffer;

beforeAll(async () => {
  detector = await createDetector({ text: false });
  app = await buildServer(detector, { version: '9.9.9', maxPages: 4 });
  pdf = await numberedPdf(3);
});
afterAll(async () => {
  await app?.close();
  await detector?.close();
});

const post = (url: string, payload: Buffer, type = 'application/pdf') => app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });

describe('POST /v1/detect with a PDF', () => {
  it('answers one Detection per page, in page order, each in the pixels of its page at 200 dpi', async () => {
    const response = await post('/v1/detect?name=doc.pdf', pdf);
    expect(response.statusCode).toBe(200);
    const pages = response.json() as Detection[];
    // A4 (595 × 842 pt) at 200 dpi: 1653 × 2339 px.
    expect(pages.map((d) => [d.image, d.page, d.dpi, d.width, d.height])).toEqual([1, 2, 3].map((n) => ['doc.pdf', n, 200, 1653, 2339]));
    // "Page N of 3" at 72 pt from the left, baseline 100 pt from the top, 24 pt: at 200/72 px per point.
    const px = 200 / 72;
    for (const page of pages) expect(page.regions.some((r) => r.box[0] < 75 * px && r.box[1] < 100 * px && r.box[3] > 85 * px)).toBe(true);
  });

  it('reads the pages and DPI asked for, and sends each page as a picture on request', async () => {
    const response = await post('/v1/detect?name=doc.pdf&pages=2&dpi=72&pictures=1', pdf, 'application/octet-stream');
    const [page] = response.json() as (Detection & { picture: string })[];
    expect([page.page, page.dpi, page.width, page.height]).toEqual([2, 72, 595, 842]);
    const match = /^data:image\/jpeg;base64,(.+)$/.exec(page.picture);
    expect(match).not.toBeNull();
    const meta = await sharp(Buffer.from(match![1], 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 595, 842]);
  });

  it('says why a PDF cannot be read (422), and refuses bad parameters and too many pages (400)', async () => {
    const locked = await post('/v1/detect?name=locked.pdf', readFileSync(ENCRYPTED));
    expect(locked.statusCode).toBe(422);
    expect(locked.json()).toMatchObject({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/^locked\.pdf: encrypted: it needs a password to open/) });
    const cut = await post('/v1/detect?name=cut.pdf', pdf.subarray(0, 400));
    expect(cut.json()).toMatchObject({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/cut\.pdf: not a PDF, or a damaged or truncated one/) });
    const badDpi = await post('/v1/detect?dpi=lots', pdf);
    expect(badDpi.statusCode).toBe(400);
    expect(badDpi.json().message).toMatch(/\?dpi=: /);
    const many = await post('/v1/detect?name=big.pdf', await numberedPdf(5));
    expect(many.statusCode).toBe(400);
    expect(many.json().message).toBe('big.pdf: 5 pages, more than the 4 this server detects per request; ask for some with ?pages=1-4');
    expect((await post('/v1/detect?pages=9', pdf)).json().message).toMatch(/has 3 pages: \?pages=9 selects none/);
  });
});

describe('?format=', () => {
  it('answers hOCR for a photo and ALTO with one Page per PDF page, with their media types', async () => {
    const hocr = await post('/v1/detect?name=photo.jpg&format=hocr', readFileSync(PHOTO), 'image/jpeg');
    expect(hocr.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(hocr.body).toContain('<div class="ocr_page" id="page_1" title="image &quot;photo.jpg&quot;; bbox 0 0 750 750; ppageno 0">');
    const alto = await post('/v1/detect?name=doc.pdf&format=alto', pdf);
    expect(alto.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(alto.body.match(/<Page ID=/g)).toHaveLength(3);
    expect(alto.body).toContain('<fileName>doc.pdf</fileName>');
    const unknown = await post('/v1/detect?format=docx', pdf);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/\?format=: /);
  });
});
