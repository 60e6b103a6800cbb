/**
 * `ocrdet detect` end to end with the real PP-OCRv4 detector: bad files mixed with real photos, exit codes,
 * usage errors, the single-image JSON, stdout JSONL and overlays. The program runs in this process (runHere),
 * but for the single-image JSON, printed by the real executable. Bad files come from the generators in
 * test/helpers/images.ts (0-byte, truncated JPEG, decompression-bomb PNG) plus a text file named .jpg.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../src/core/types.js';
import { assertBuilt, REPO, runCli, runHere } from './helpers/cli.js';
import { bombPng, truncatedJpeg } from './helpers/images.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'batch');
const SMALL = 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX.jpg'; // 310 × 310, Chinese product text
const TALL = 'MTWI2018_TB16V4vLXXXXXX6aXXXunYpLFXX.jpg'; // 600 × 800
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ocrdet-detect-cli-'));
  mkdirSync(join(work, 'mixed'));
  copyFileSync(join(FIXTURES, SMALL), join(work, 'mixed', 'a-good.jpg'));
  writeFileSync(join(work, 'mixed', 'b-empty.jpg'), Buffer.alloc(0));
  writeFileSync(join(work, 'mixed', 'c-truncated.jpg'), await truncatedJpeg());
  writeFileSync(join(work, 'mixed', 'd-text.jpg'), 'this is a text file, not a JPEG\n');
  writeFileSync(join(work, 'mixed', 'e-bomb.png'), bombPng());
  copyFileSync(join(FIXTURES, TALL), join(work, 'mixed', 'f-good.jpg'));
}, 120_000);

function jsonl(text: string): Detection[] {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Detection);
}

describe('ocrdet detect with bad images', () => {
  it('records an error for each bad file, detects the good ones, names each failure on stderr, exits 1', async () => {
    const result = await runHere(['detect', 'mixed', '--out', 'mixed.jsonl', '--no-text', '--quiet'], work);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const recorded = jsonl(readFileSync(join(work, 'mixed.jsonl'), 'utf8'));
    expect(recorded.map((d) => d.image)).toEqual(['a-good', 'b-empty', 'c-truncated', 'd-text', 'e-bomb', 'f-good'].map((n) => `mixed/${n}.${n === 'e-bomb' ? 'png' : 'jpg'}`));
    const byName = Object.fromEntries(recorded.map((d) => [d.image.split('/')[1].split('.')[0], d]));
    for (const good of ['a-good', 'f-good']) {
      expect(byName[good].error).toBeUndefined();
      expect(byName[good].regions.length).toBeGreaterThan(0);
    }
    const bad = (reason: RegExp) => ({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(reason) });
    expect(byName['b-empty'].error).toEqual(bad(/empty file \(0 bytes\)/));
    expect(byName['c-truncated'].error).toEqual(bad(/truncated or corrupt/));
    expect(byName['d-text'].error).toEqual(bad(/not an image sharp can read/));
    expect(byName['e-bomb'].error).toEqual(bad(/pixel limit/));
    for (const bad of ['b-empty', 'c-truncated', 'd-text', 'e-bomb']) expect(byName[bad].regions).toEqual([]);
    // One line per bad file, `path: CODE: message`, and nothing else with --quiet.
    const errorLines = result.stderr.trim().split('\n');
    expect(errorLines).toHaveLength(4);
    for (const [i, bad] of ['b-empty.jpg', 'c-truncated.jpg', 'd-text.jpg', 'e-bomb.png'].entries()) {
      expect(errorLines.find((l) => l.startsWith(`mixed/${bad}: OCRDET_BAD_IMAGE: `)), `${i}: ${bad}`).toBeDefined();
    }
  }, 300_000);

  it('writes JSONL to stdout without --out, in input order', async () => {
    const result = await runHere(['detect', `mixed/f-good.jpg`, 'mixed/b-empty.jpg', '--no-text', '--quiet'], work);
    expect(result.code).toBe(1);
    expect(jsonl(result.stdout).map((d) => [d.image, Boolean(d.error)])).toEqual([
      ['mixed/f-good.jpg', false],
      ['mixed/b-empty.jpg', true],
    ]);
  }, 300_000);

  it('--max-pixels lowers the limit: a genuine photo above it is refused with a hint', async () => {
    const result = await runHere(['detect', 'mixed/a-good.jpg', '--no-text', '--max-pixels', '1000'], work);
    expect(result.code).toBe(1);
    // The Detection is data in the library's words; the line on stderr says the flag.
    const detection = JSON.parse(result.stdout) as Detection;
    expect(detection.error).toEqual({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/pixel limit .*; raise option "maxPixels" if the image is genuine$/) });
    expect(result.stderr).toMatch(/^mixed\/a-good\.jpg: OCRDET_BAD_IMAGE: .*pixel limit .*; raise --max-pixels if the image is genuine$/m);
  }, 300_000);
});

describe('ocrdet detect on one image', () => {
  it('prints one pretty Detection with text, points, box and timings, and exits 0', async () => {
    assertBuilt(['cli/main', 'cli/detect', 'batch/run', 'detectors/index']);
    const result = await runCli(['detect', join('mixed', 'a-good.jpg')], work);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\{\n {2}"image": "mixed\/a-good.jpg",\n/);
    const detection = JSON.parse(result.stdout) as Detection;
    expect(detection).toMatchObject({ width: 310, height: 310, backend: 'ppocr' });
    expect(Object.keys(detection.timings)).toEqual(expect.arrayContaining(['decode', 'det', 'rec', 'total']));
    expect(detection.regions.some((r) => (r.text ?? '').length > 0)).toBe(true);
    for (const region of detection.regions) {
      expect(region.points).toHaveLength(4);
      expect(region.box[0]).toBeLessThanOrEqual(region.box[2]);
    }
  }, 300_000);
});

describe('ocrdet detect --overlay', () => {
  it('writes a PNG per image, mirroring the input names, the image size, with the regions drawn', async () => {
    const result = await runHere(['detect', 'mixed/a-good.jpg', 'mixed/f-good.jpg', '--no-text', '--overlay', 'overlays', '--quiet'], work);
    expect(result.code).toBe(0);
    for (const detection of jsonl(result.stdout)) {
      const name = detection.image.split('/')[1].replace('.jpg', '.png');
      const overlay = join(work, 'overlays', name);
      const meta = await sharp(overlay).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', detection.width, detection.height]);
      const original = await sharp(join(work, detection.image)).raw().toBuffer();
      const drawn = await sharp(overlay).removeAlpha().raw().toBuffer();
      // The middle of each region's top edge is covered by the outline: strongly changed pixels there.
      let changed = 0;
      for (const { points } of detection.regions) {
        const x = Math.round((points[0][0] + points[1][0]) / 2);
        const y = Math.round((points[0][1] + points[1][1]) / 2);
        const i = (y * detection.width + x) * 3;
        if (Math.max(...[0, 1, 2].map((c) => Math.abs(original[i + c] - drawn[i + c]))) > 60) changed++;
      }
      expect(changed / detection.regions.length, detection.image).toBeGreaterThan(0.8);
      expect(detection.timings.overlay).toBeGreaterThan(0);
    }
  }, 300_000);
});

describe('ocrdet detect usage errors exit 2 and do nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['no inputs', ['detect'], /missing required argument/],
    ['an input that matches nothing', ['detect', 'nope/*.jpg'], /OCRDET_USAGE: nope\/\*\.jpg: the pattern matched no image or PDF files/],
    ['a missing file', ['detect', 'missing.jpg'], /OCRDET_NOT_FOUND: missing\.jpg: no such file or directory/],
    ['--out is a directory', ['detect', 'mixed', '--out', 'mixed'], /OCRDET_USAGE: --out mixed: is a directory/],
    ['--concurrency 0', ['detect', 'mixed', '--concurrency', '0'], /--concurrency expects a positive integer/],
    ['an unknown backend', ['detect', 'mixed', '--backend', 'tesseract'], /OCRDET_USAGE: unknown detector backend "tesseract"; known: ppocr/],
    ['--threads abc', ['detect', 'mixed', '--threads', 'abc'], /--threads expects an integer/],
    ['--threads 0 (the backend validates)', ['detect', 'mixed', '--threads', '0'], /^OCRDET_USAGE: --backend ppocr: --threads must be > 0$/m],
    ['an unknown flag', ['detect', 'mixed', '--bogus'], /unknown option '--bogus'/],
    ['a flag of another backend', ['detect', 'mixed', '--base-url', 'http://127.0.0.1:9/v1'], /OCRDET_USAGE: --base-url is an option of the vlm backend, not ppocr; add --backend vlm/],
    ['--retry-errors without --out', ['detect', 'mixed', '--retry-errors'], /--retry-errors needs --out/],
    ['--overlay inside an input directory', ['detect', 'mixed', '--overlay', 'mixed/overlays'], /is inside the input directory mixed/],
    // Node 20's recursive mkdir never returns under /proc; these must fail at once, before any image.
    ['--out where nothing can be written', ['detect', 'mixed', '--out', '/proc/ocrdet-x/dets.jsonl'], /^OCRDET_USAGE: --out \/proc\/ocrdet-x\/dets\.jsonl: cannot create its folder/m],
    ['--out in a folder that refuses files', ['detect', 'mixed', '--out', '/proc/ocrdet-x.jsonl'], /^OCRDET_USAGE: --out \/proc\/ocrdet-x\.jsonl: cannot write there \(ENOENT/m],
    ['--overlay where no folder can be made', ['detect', 'mixed', '--overlay', '/proc/ocrdet-ov'], /^OCRDET_USAGE: --overlay \/proc\/ocrdet-ov: cannot create the folder \(ENOENT\)$/m],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const result = await runHere(args, work);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
    }, 120_000);
  }
});
