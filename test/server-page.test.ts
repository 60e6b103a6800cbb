/**
 * The web page in a real browser (the Chromium of the npm package @sparticuz/chromium, driven by playwright-core)
 * against the real server and the real embedded detector: choose a photo, the regions come back, are drawn over
 * the image and listed.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createDetector } from '../src/detectors/index.js';
import type { Detector } from '../src/detectors/types.js';
import { buildServer } from '../src/server/app.js';
import { launchBrowser } from './helpers/browser.js';

// A real photo from seed-test (MTWI2018), see test/fixtures/README.md "ppocr".
const PHOTO = new URL('./fixtures/ppocr/MTWI2018_TB16GBCLXXXXXcXXFXXunYpLFXX.jpg', import.meta.url).pathname;
const SCREENSHOTS = new URL('../tmp/screenshots/', import.meta.url).pathname;

let detector: Detector;
let app: FastifyInstance;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  detector = await createDetector();
  app = await buildServer(detector, { version: 'test' });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await detector?.close();
});

describe('the web page', () => {
  it('detects the text of a chosen photo, draws one outline per region and lists their texts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.textContent('#engine')).toMatch(/ppocr/);
    await page.setInputFiles('#file', PHOTO);
    await page.waitForSelector('tr.region', { timeout: 60_000 });
    const rows = await page.locator('tr.region').count();
    const outlines = await page.locator('#overlay polygon.line').count();
    expect(rows).toBeGreaterThan(3);
    expect(outlines).toBe(rows);
    // The list shows recognised text, and the SVG is laid over the image in its pixel coordinates.
    const texts = await page.locator('tr.region td.text').allTextContents();
    expect(texts.filter((t) => t.trim().length > 0).length).toBeGreaterThan(rows / 2);
    const [viewBox, natural] = await Promise.all([
      page.getAttribute('#overlay', 'viewBox'),
      page.$eval('#image', (img) => `0 0 ${(img as unknown as { naturalWidth: number }).naturalWidth} ${(img as unknown as { naturalHeight: number }).naturalHeight}`),
    ]);
    expect(viewBox).toBe(natural);
    // Hovering a row highlights its outline.
    await page.locator('tr.region').first().hover();
    expect(await page.locator('#overlay g.active').count()).toBe(1);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}page.png`, fullPage: true });
    await page.close();
  });

  it('shows the server error for a file that is not an image', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.setInputFiles('#file', { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg at all') });
    await expect.poll(() => page.textContent('#error'), { timeout: 20_000 }).toMatch(/OCRDET_BAD_IMAGE: .*not an image/);
    await page.close();
  });
});
