/**
 * The web page in a real browser (the Chromium of the npm package @sparticuz/chromium, driven by playwright-core)
 * against the real server and the real embedded detector: choose photos, the regions come back, are drawn over
 * each image and listed; errors and a stopped server leave nothing stale on screen. Screenshots go to
 * tmp/screenshots/ for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createDetector } from '../src/detectors/index.js';
import type { Detector } from '../src/detectors/types.js';
import { buildServer } from '../src/server/app.js';
import { launchBrowser } from './helpers/browser.js';
import { numberedPdf } from './helpers/pdfs.js';

// Real photos from seed-test (MTWI2018), see test/fixtures/README.md "ppocr": a product ad, and one dense with lines.
const PHOTO = new URL('./fixtures/ppocr/MTWI2018_TB16GBCLXXXXXcXXFXXunYpLFXX.jpg', import.meta.url).pathname;
const DENSE = new URL('./fixtures/ppocr/MTWI2018_TB15GFULXXXXXaBXXXXunYpLFXX.jpg', import.meta.url).pathname;
const NOT_AN_IMAGE = { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg at all') };
const SCREENSHOTS = new URL('../tmp/screenshots/', import.meta.url).pathname;
// A PDF made by pdf-lib (test/fixtures/README.md "pdf").
const TWO_COLUMNS = new URL('./fixtures/pdf/two-columns.pdf', import.meta.url).pathname;

let detector: Detector;
let app: FastifyInstance;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  detector = await createDetector();
  app = await buildServer(detector, { version: 'test' });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await detector?.close();
});

/** A page on `url`, with every answer of 400 or more recorded. */
async function openPage(url = baseUrl, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; failures: string[] }> {
  const page = await browser.newPage({ viewport });
  const failures: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failures.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  await page.goto(`${url}/`);
  await expect.poll(() => page.textContent('#engine')).toMatch(/ppocr/);
  return { page, failures };
}

const regionRows = (page: Page) => page.locator('tr.region');

/** What the page's scripts see (the type-check has no DOM library). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { display: string };
}

describe('the web page', () => {
  it('detects the text of a chosen photo, draws one outline per region, lists their texts and names the file', async () => {
    const { page, failures } = await openPage();
    await page.setInputFiles('#file', PHOTO);
    await page.waitForSelector('tr.region', { timeout: 60_000 });
    const rows = await regionRows(page).count();
    expect(rows).toBeGreaterThan(3);
    expect(await page.locator('#overlay polygon.line').count()).toBe(rows);
    // The list shows recognised text, and the SVG is laid over the image in its pixel coordinates.
    const texts = await page.locator('tr.region td.text').allTextContents();
    expect(texts.filter((t) => t.trim().length > 0).length).toBeGreaterThan(rows / 2);
    const [viewBox, natural] = await Promise.all([
      page.getAttribute('#overlay', 'viewBox'),
      page.$eval('#image', (img) => `0 0 ${(img as unknown as { naturalWidth: number }).naturalWidth} ${(img as unknown as { naturalHeight: number }).naturalHeight}`),
    ]);
    expect(viewBox).toBe(natural);
    expect(await page.textContent('#name')).toBe('MTWI2018_TB16GBCLXXXXXcXXFXXunYpLFXX.jpg');
    expect(await page.locator('thead th').allTextContents()).toEqual(['#', 'text', 'det score', 'text score']);
    expect(await page.textContent('#summary')).toMatch(new RegExp(`^${rows} regions · 750×750 · `));
    expect(await page.textContent('#status')).toBe('');
    // Hovering a row highlights its outline.
    await regionRows(page).first().hover();
    expect(await page.locator('#overlay g.active').count()).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}page.png`, fullPage: true });
    // Nothing the page asked for went unanswered. Browsers ask for /favicon.ico (a 404 here) unless the page
    // names its icon: it does, inline, so no request is made (this headless shell would not ask anyway).
    expect(failures).toEqual([]);
    const icon = await page.$eval('link[rel~="icon"]', (link) => (link as unknown as { href: string }).href);
    expect(icon.startsWith('data:image/svg+xml,') || (await fetch(icon)).ok).toBe(true);
    await page.close();
  });

  it('places "text on image" labels without overlaps; a label that has no room shows while its row is pointed at', async () => {
    const { page } = await openPage();
    await page.setInputFiles('#file', DENSE);
    await page.waitForSelector('tr.region', { timeout: 60_000 });
    await page.check('#show-text');
    const visibleLabels = () =>
      page.$$eval('#overlay text.label', (labels) =>
        labels
          .filter((l) => (globalThis as unknown as BrowserGlobals).getComputedStyle(l).display !== 'none')
          .map((l) => {
            const r = l.getBoundingClientRect();
            return { text: l.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
          }),
      );
    const shown = await visibleLabels();
    const all = await page.locator('#overlay text.label').count();
    expect(all).toBeGreaterThan(10);
    expect(shown.length).toBeGreaterThan(all / 3);
    const overlapping = shown.flatMap((a, i) =>
      shown.slice(i + 1).filter((b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5).map((b) => `${a.text} / ${b.text}`),
    );
    expect(overlapping).toEqual([]);
    // Labels are at least MIN_LABEL_PX (11 px) tall on screen, so they can be read.
    for (const label of shown) expect(label.bottom - label.top).toBeGreaterThanOrEqual(10);
    await page.screenshot({ path: `${SCREENSHOTS}page-text-on-image.png`, fullPage: true });
    const hidden = await page.$$eval('#overlay text.label.unplaced', (labels) => labels.map((l) => l.closest('g')!.getAttribute('data-index')));
    if (hidden.length > 0) {
      await page.locator(`tr.region[data-index="${hidden[0]}"]`).hover();
      expect(await page.$eval(`#overlay g[data-index="${hidden[0]}"] text.label`, (l) => (globalThis as unknown as BrowserGlobals).getComputedStyle(l).display)).not.toBe('none');
    }
    await page.close();
  });

  it('shows the server error for a file that is not an image, and clears the previous image and result', async () => {
    const { page } = await openPage();
    await page.setInputFiles('#file', PHOTO);
    await page.waitForSelector('tr.region', { timeout: 60_000 });
    await page.setInputFiles('#file', NOT_AN_IMAGE);
    await expect.poll(() => page.textContent('#error'), { timeout: 20_000 }).toMatch(/OCRDET_BAD_IMAGE: .*not an image/);
    expect(await page.isHidden('#result')).toBe(true);
    expect(await page.getAttribute('#image', 'src')).toBeNull();
    expect(await regionRows(page).count()).toBe(0);
    expect(await page.locator('#overlay *').count()).toBe(0);
    expect(await page.textContent('#status')).toBe('');
    await page.close();
  });

  it('says when the server cannot be reached, and stops waiting', async () => {
    const other = await buildServer(detector, { version: 'test' });
    const url = await other.listen({ host: '127.0.0.1', port: 0 });
    const { page } = await openPage(url);
    await other.close();
    await page.setInputFiles('#file', PHOTO);
    await expect.poll(() => page.textContent('#error'), { timeout: 20_000 }).toContain(`cannot reach the ocrdet server at ${url}`);
    expect(await page.textContent('#status')).toBe('');
    await expect.poll(() => page.textContent('#engine')).toBe('server not reachable');
    expect(await page.isHidden('#result')).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}page-server-gone.png`, fullPage: true });
    await page.close();
  });

  it('lists several files sent at once; each one can be viewed, the failed one with its error only', async () => {
    const { page } = await openPage();
    await page.setInputFiles('#file', [
      { name: 'ad.jpg', mimeType: 'image/jpeg', buffer: readFileSync(PHOTO) },
      NOT_AN_IMAGE,
      { name: 'dense.jpg', mimeType: 'image/jpeg', buffer: readFileSync(DENSE) },
    ]);
    const files = page.locator('#files li');
    await expect.poll(() => files.allTextContents(), { timeout: 90_000 }).toEqual([
      expect.stringMatching(/^ad\.jpg \d+ regions$/),
      'notes.jpg failed',
      expect.stringMatching(/^dense\.jpg \d+ regions$/),
    ]);
    expect(await page.textContent('#status')).toBe('');
    const view = async (name: string) => {
      await page.click(`#files button:text-is("${name}")`);
      await expect.poll(() => page.getAttribute('#files button[aria-current]', 'data-entry')).not.toBeNull();
    };
    await view('dense.jpg');
    await expect.poll(() => page.textContent('#name')).toBe('dense.jpg');
    const denseRows = await regionRows(page).count();
    expect(await page.locator('#files li').nth(2).textContent()).toBe(`dense.jpg ${denseRows} regions`);
    await page.screenshot({ path: `${SCREENSHOTS}page-several-files.png`, fullPage: true });
    await view('notes.jpg');
    await expect.poll(() => page.isHidden('#result')).toBe(true);
    expect(await page.textContent('#error')).toMatch(/OCRDET_BAD_IMAGE/);
    expect(await regionRows(page).count()).toBe(0);
    await view('ad.jpg');
    await expect.poll(() => page.textContent('#name')).toBe('ad.jpg');
    expect(await page.isHidden('#error')).toBe(true);
    expect(await regionRows(page).count()).toBeGreaterThan(3);
    expect(await regionRows(page).count()).not.toBe(denseRows);
    await page.close();
  });

  it('takes a PDF and shows it page by page: one entry per page, each drawn from its rendered picture', async () => {
    const { page, failures } = await openPage();
    await page.setInputFiles('#file', { name: 'two-columns.pdf', mimeType: 'application/pdf', buffer: readFileSync(TWO_COLUMNS) });
    await page.setInputFiles('#file', { name: 'three.pdf', mimeType: 'application/pdf', buffer: await numberedPdf(3) });
    const files = page.locator('#files li');
    await expect.poll(() => files.allTextContents(), { timeout: 120_000 }).toEqual([
      expect.stringMatching(/^two-columns\.pdf — page 1 2\d regions$/),
      ...[1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^three\\.pdf — page ${n} [23] regions$`))),
    ]);
    await page.click('#files button:text-is("two-columns.pdf — page 1")');
    await expect.poll(() => page.textContent('#name')).toBe('two-columns.pdf — page 1');
    // The picture is the page as the server rendered it (200 dpi): the outlines sit in its pixels.
    expect(await page.getAttribute('#image', 'src')).toMatch(/^data:image\/jpeg;base64,/);
    await expect.poll(() => page.getAttribute('#overlay', 'viewBox')).toBe('0 0 1653 2339');
    expect(await page.$eval('#image', (img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(1653);
    expect(await regionRows(page).count()).toBeGreaterThan(20);
    // The list reads column by column: regions are numbered line by line across the page (1 left, 2 right,
    // 3 left…), and listed in reading order (1, 3, 5… down the left column first).
    expect((await page.locator('tr.region td.num').allTextContents()).slice(0, 4)).toEqual(['0', '1', '3', '5']);
    await page.screenshot({ path: `${SCREENSHOTS}page-pdf.png`, fullPage: true });
    await page.click('#files button:text-is("three.pdf — page 2")');
    await expect.poll(() => page.textContent('#name')).toBe('three.pdf — page 2');
    await expect.poll(() => page.locator('tr.region td.text').allTextContents()).toContain('Page 2 of 3');
    expect(failures).toEqual([]);
    await page.close();
  });
});
