/**
 * The evaluation report in a real browser (the Chromium of the npm package @sparticuz/chromium, driven by
 * playwright-core), opened from file:// as a person opens it. Two real runs of the embedded PP-OCRv4 detector on
 * the three seed-test photos of test/fixtures/ppocr (their VOC quad annotations are the ground truth): the
 * CLI's defaults (`ocrdet detect --no-text`), and the library's detector with wider boxes (unclip ratio 2.0
 * instead of PaddleOCR's 1.5). What the page shows is checked against the CLI's own --json and errors.jsonl.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector } from '../src/detectors/index.js';
import { writeReport } from '../src/eval/report/index.js';
import { launchBrowser } from './helpers/browser.js';
import { runHere } from './helpers/cli.js';

const PHOTOS = fileURLToPath(new URL('./fixtures/ppocr/', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../tmp/screenshots/', import.meta.url));

interface PerImage {
  image: string;
  runs: Array<{ name: string; hmean: number }>;
}
interface ErrorLine {
  run: string;
  image: string;
  kind: 'miss' | 'false';
}

let dir: string;
let browser: Browser;
let result: { runs: Array<{ name: string; hmean: number; precision: number; recall: number }>; pairs: Array<{ hmeanDiff: number; ci95: [number, number] }>; perImage: PerImage[] };
let errors: ErrorLine[];
let pageUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ocrdet-report-'));
  const detect = await runHere(['detect', PHOTOS, '--no-text', '--out', path.join(dir, 'default.jsonl'), '--quiet'], dir);
  expect(detect.code).toBe(0);
  const wide = await createDetector({ text: false, unclipRatio: 2 });
  const lines: string[] = [];
  for (const name of ['MSRA_TD500_IMG_0769.jpg', 'MTWI2018_TB15GFULXXXXXaBXXXXunYpLFXX.jpg', 'MTWI2018_TB16GBCLXXXXXcXXFXXunYpLFXX.jpg']) {
    lines.push(JSON.stringify(await wide.detect(path.join(PHOTOS, name))));
  }
  await wide.close();
  await writeFile(path.join(dir, 'wide.jsonl'), `${lines.join('\n')}\n`);
  const evaluated = await runHere(
    ['eval', '--gt', PHOTOS, '--pred', 'default.jsonl', '--pred', 'wide.jsonl', '--report', 'report', '--per-image', '--json'],
    dir,
  );
  expect(evaluated.code).toBe(0);
  result = JSON.parse(evaluated.stdout);
  errors = (await readFile(path.join(dir, 'report', 'errors.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  pageUrl = pathToFileURL(path.join(dir, 'report', 'index.html')).href;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens the report; every request it makes is recorded. */
async function open(): Promise<{ page: Page; requests: string[]; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(pageUrl);
  await page.waitForSelector('body[data-ready]');
  return { page, requests, problems };
}

const rowOrder = (page: Page): Promise<string[]> => page.$$eval('#image-table tbody tr.row td.image', (cells) => cells.map((c) => c.textContent ?? ''));
const hmeanOf = (image: string, run: string): number => result.perImage.find((p) => p.image === image)!.runs.find((r) => r.name === run)!.hmean;

describe('the evaluation report, in a browser', () => {
  it('opens from file:// without a network request or a script error, and shows each run\'s scores', async () => {
    const { page, requests, problems } = await open();
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    expect(problems).toEqual([]);
    const rows = await page.$$eval('#summary-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((cells) => [cells[0], cells[1], cells[2], cells[3]])).toEqual(
      result.runs.map((run) => [run.name, run.precision.toFixed(4), run.recall.toFixed(4), run.hmean.toFixed(4)]),
    );
    // The difference and its interval, as --json gives them.
    const pair = await page.$$eval('#pairs-table tbody td', (tds) => tds.map((td) => td.textContent ?? ''));
    const number = (text: string) => Number(text.replace('\u2212', '-'));
    expect(number(pair[4])).toBeCloseTo(result.pairs[0].hmeanDiff, 4);
    const [lo, hi] = pair[5].slice(1, -1).split(', ').map(number);
    expect(lo).toBeCloseTo(result.pairs[0].ci95[0], 4);
    expect(hi).toBeCloseTo(result.pairs[0].ci95[1], 4);
    expect(pair[7]).toMatch(/better|no clear difference/);
    await page.close();
  });

  it('sorts the images by either run\'s hmean and by the difference', async () => {
    const { page } = await open();
    const byWide = [...result.perImage].sort((a, b) => hmeanOf(a.image, 'wide') - hmeanOf(b.image, 'wide') || (a.image < b.image ? -1 : 1)).map((p) => p.image);
    await page.click('#image-table th[data-key="h1"]');
    expect(await rowOrder(page)).toEqual(byWide);
    await page.click('#image-table th[data-key="h1"]');
    const byWideDown = result.perImage.map((p) => p.image).sort((a, b) => hmeanOf(b, 'wide') - hmeanOf(a, 'wide') || (a < b ? -1 : 1));
    expect(await rowOrder(page)).toEqual(byWideDown);
    await page.click('#image-table th[data-key="diff"]');
    const diffs = await page.$$eval('#image-table tbody tr.row', (trs) => trs.map((tr) => (tr.lastElementChild?.textContent ?? '').replace('\u2212', '-')).map(Number));
    expect(diffs).toEqual([...diffs].sort((a, b) => b - a));
    await page.close();
  });

  it('filters the worst N of a run, and the images where A beats B', async () => {
    const { page } = await open();
    await page.selectOption('#show', 'worst');
    await page.fill('#worst-n', '1');
    await page.selectOption('#worst-run', '0');
    const worst = [...result.perImage].sort((a, b) => hmeanOf(a.image, 'default') - hmeanOf(b.image, 'default'))[0].image;
    expect(await rowOrder(page)).toEqual([worst]);
    await page.selectOption('#show', 'a-beats-b');
    const beats = result.perImage.filter((p) => hmeanOf(p.image, 'default') > hmeanOf(p.image, 'wide')).map((p) => p.image);
    expect((await rowOrder(page)).sort()).toEqual(beats.sort());
    expect(beats.length).toBeGreaterThan(0);
    // The other way round: on these photos the wider boxes win nowhere, and the page says so.
    await page.selectOption('#show', 'b-beats-a');
    const loses = result.perImage.filter((p) => hmeanOf(p.image, 'default') < hmeanOf(p.image, 'wide')).map((p) => p.image);
    expect((await rowOrder(page)).sort()).toEqual(loses.sort());
    if (loses.length === 0) expect(await page.textContent('#image-list')).toBe('No image matches.');
    await page.close();
  });

  it('draws each run\'s misses and false alarms over its picture, in distinct colours, don\'t care in grey', async () => {
    const { page } = await open();
    for (const [slot, image] of result.perImage.entries()) {
      for (const run of ['default', 'wide']) {
        const picture = page.locator(`tr.pictures[data-slot="${slot}"] .picture[data-run="${run}"]`);
        await expect.poll(() => picture.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
        const mine = errors.filter((e) => e.image === image.image && e.run === run);
        expect(await picture.locator('g.miss').count()).toBe(mine.filter((e) => e.kind === 'miss').length);
        expect(await picture.locator('g.false').count()).toBe(mine.filter((e) => e.kind === 'false').length);
      }
    }
    const stroke = (cls: string) => page.locator(`svg polygon.${cls}`).first().evaluate((p) => (globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string } }).getComputedStyle(p).stroke);
    const colours = await Promise.all(['found', 'miss', 'false', 'ignore'].map(stroke));
    expect(new Set(colours).size).toBe(4);
    const [r, g, b] = colours[3].match(/\d+/g)!.map(Number);
    expect(r === g && g === b).toBe(true); // don't care: grey
    // The legend names each colour, and unticking "miss" hides the misses.
    const legend = await page.locator('#legend label').allTextContents();
    expect(legend).toEqual(['ground truth, found', 'miss', 'false alarm', 'detection, matched', "don't care"]);
    await page.locator('#legend input[data-layer="miss"]').uncheck();
    expect(await page.locator('svg g.miss').first().isVisible()).toBe(false);
    await page.locator('#legend input[data-layer="miss"]').check();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'eval-report.png'), fullPage: true });
    await page.close();
  });

  it('shows hostile text as text: a transcription holding </script> and markup neither breaks nor runs', async () => {
    const hostile = '</script><img src=x onerror="document.title=\'pwned\'">\u2028<b>bold</b>';
    const square = (x: number): Array<[number, number]> => [[x, 0], [x + 10, 0], [x + 10, 10], [x, 10]];
    const out = path.join(dir, 'hostile');
    await writeReport(
      out,
      [{ image: path.join(dir, '<odd> & "name".jpg'), width: 100, height: 50, regions: [{ points: square(0), box: [0, 0, 10, 10], text: hostile }] }],
      [{ name: '<run>', predictions: [{ image: '<odd> & "name".jpg', width: 100, height: 50, regions: [{ points: square(50), box: [50, 0, 60, 10], text: hostile }], backend: 'test', model: 'hand', timings: {} }] }],
      { gt: '<gt>', root: dir, maxSidePx: 0 },
    );
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
    await page.waitForSelector('body[data-ready]');
    expect(problems).toEqual([]);
    expect(await page.title()).toBe('<run> · ocrdet evaluation');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.textContent('#image-table td.image')).toBe('<odd> & "name".jpg');
    const tips = await page.$$eval('svg polygon.hit title', (titles) => titles.map((t) => t.textContent));
    expect(tips.sort()).toEqual([`false alarm \u201c${hostile}\u201d \u00b7 best IoU 0.000`, `miss \u201c${hostile}\u201d \u00b7 best IoU 0.000`]);
    await page.close();
  });
});
