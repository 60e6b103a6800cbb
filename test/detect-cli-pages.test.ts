/**
 * `ocrdet detect` with PDFs and the document formats, end to end (the program run in this process, the real
 * PP-OCRv4 detector): one PDF gives a JSON line per page, `--pages` and `--dpi` are applied, a broken PDF is one
 * error line on stderr while the others go on, `--format text|hocr|alto|json` print documents in reading
 * order, and `--format` other than JSONL with `--out` is a usage error. PDFs are made with pdf-lib.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../src/core/types.js';
import { REPO, runHere } from './helpers/cli.js';
import { numberedPdf } from './helpers/pdfs.js';

let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ocrdet-detect-pages-'));
  mkdirSync(join(work, 'docs'));
  writeFileSync(join(work, 'docs', 'a.pdf'), await numberedPdf(3));
  writeFileSync(join(work, 'docs', 'b-cut.pdf'), (await numberedPdf(3)).subarray(0, 600));
  copyFileSync(join(REPO, 'test', 'fixtures', 'pdf', 'two-columns.pdf'), join(work, 'two-columns.pdf'));
}, 60_000);

const jsonl = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Detection);

describe('ocrdet detect with PDFs', () => {
  it('finds the PDFs of a folder, prints one Detection per page, and one error line for a PDF it cannot read', async () => {
    const result = await runHere(['detect', 'docs', '--no-text', '--quiet', '--dpi', '100'], work);
    expect(result.code).toBe(1);
    const lines = jsonl(result.stdout);
    expect(lines.map((d) => [d.image, d.page, d.dpi, d.error?.code])).toEqual([
      ['docs/a.pdf', 1, 100, undefined],
      ['docs/a.pdf', 2, 100, undefined],
      ['docs/a.pdf', 3, 100, undefined],
      ['docs/b-cut.pdf', undefined, undefined, 'OCRDET_BAD_IMAGE'],
    ]);
    expect(result.stderr.trim().split('\n')).toEqual(['docs/b-cut.pdf: OCRDET_BAD_IMAGE: not a PDF, or a damaged or truncated one']);
  }, 120_000);

  it('reads the pages asked for, and says which were beyond the document', async () => {
    const result = await runHere(['detect', 'docs/a.pdf', '--no-text', '--pages', '2,5-', '--dpi', '72'], work);
    expect(result.code).toBe(0);
    // One page of one file: one pretty Detection, as for one image.
    const detection = JSON.parse(result.stdout) as Detection;
    expect([detection.page, detection.dpi, detection.width, detection.height]).toEqual([2, 72, 595, 842]);
    expect(result.stderr).toContain('detect: docs/a.pdf: has 3 pages; pages beyond it skipped');
    const bad = await runHere(['detect', 'docs/a.pdf', '--pages', '3-1'], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/OCRDET_USAGE: --pages "3-1": expected pages and ranges such as 1-3,7/);
  }, 120_000);

  it('prints text in reading order, blocks apart, and hOCR / ALTO documents of all the pages', async () => {
    const text = await runHere(['detect', 'two-columns.pdf', '--format', 'text', '--quiet'], work);
    expect(text.code).toBe(0);
    const blocks = text.stdout.trimEnd().split('\n\n');
    expect(blocks).toHaveLength(6);
    expect(blocks[0]).toBe('Reading Order Of Two Columns');
    expect(blocks.map((b) => b.split('\n').length)).toEqual([1, 6, 6, 6, 6, 1]);
    const hocr = await runHere(['detect', 'docs/a.pdf', '--format', 'hocr', '--quiet'], work);
    expect(hocr.stdout.match(/class="ocr_page"/g)).toHaveLength(3);
    expect(hocr.stdout).toMatch(/<span class="ocr_line" id="line_2_1" title="bbox \d+ \d+ \d+ \d+; x_wconf \d+">Page 2 of 3<\/span>/);
    const alto = await runHere(['detect', 'docs/a.pdf', '--format', 'alto', '--pages', '1', '--quiet'], work);
    expect(alto.stdout).toContain('<fileName>docs/a.pdf</fileName>');
    expect(alto.stdout).toMatch(/<String ID="string_1_1_1" HPOS="\d+" VPOS="\d+" WIDTH="\d+" HEIGHT="\d+" WC="0\.\d+" CONTENT="Page"\/>/);
    const json = await runHere(['detect', 'docs/a.pdf', '--format', 'json', '--no-text', '--quiet'], work);
    expect((JSON.parse(json.stdout) as Detection[]).map((d) => d.page)).toEqual([1, 2, 3]);
  }, 240_000);

  it('refuses --format text/hocr/alto with --out, which always writes resumable JSONL', async () => {
    const result = await runHere(['detect', 'docs/a.pdf', '--format', 'alto', '--out', 'x.jsonl'], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/OCRDET_USAGE: --format alto writes to stdout; --out always writes resumable JSONL/);
  });
});
