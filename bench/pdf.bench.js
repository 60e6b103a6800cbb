#!/usr/bin/env node
/**
 * PDF pages: memory over a long document, and what the rendering resolution buys.
 *
 * 1. Streaming: `ocrdet detect BIG.pdf --no-text --out …` (the built CLI, its own process, default DPI) on a 500-page PDF
 *    made here with pdf-lib (each page a few lines of text), and on its first 50 pages; the process's RSS is
 *    sampled every 250 ms (/proc/PID/status) and reported when 10 %, 50 % and 100 % of the pages are written,
 *    plus the peak. Flat memory: the peak of 500 pages is that of 50.
 * 2. DPI: the two-column fixture page (test/fixtures/pdf/two-columns.pdf, lines known from poppler's text
 *    layer) rendered at 72, 100, 150, 200 and 300 dpi: render ms (PDFium), det + rec ms, hmean-IoU against
 *    poppler's lines and their text similarity (1 − normalised edit distance; with the spaces, and without), rounds
 *    interleaved across DPIs (medians). Then the same on 6 pages of small and mixed print (7–22 pt, the
 *    recognition-filter bench's pages, bench/lib/rendered-pages.js), with the similarity of the 7–9 pt lines.
 * Run: npm run bench -- pdf (builds first).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createPpocrDetector, evaluate } from '../dist/index.js';
import { boxIoU } from '../dist/core/rectangles.js';
import { PAGE_DEFAULTS } from '../dist/image/pages.js';
import { PdfDocument } from '../dist/image/pdf.js';
import { rawImageInput } from '../dist/image/sharp.js';
import { pageSample, renderedPagePdf } from './lib/rendered-pages.js';
import { textSimilarity } from './lib/text-similarity.js';

const root = path.resolve(import.meta.dirname, '..');
const CLI = path.join(root, 'bin', 'ocrdet.js');
const FIXTURE = path.join(root, 'test', 'fixtures', 'pdf', 'two-columns.pdf');
const LAYER = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'pdf', 'two-columns.poppler.json'), 'utf8'));

async function longPdf(pages) {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Page ${i} of ${pages}`, { x: 72, y: 742, size: 24, font });
    for (let l = 0; l < 8; l++) page.drawText(`Line ${l + 1} of page ${i}: the quick brown fox jumps over the lazy dog`, { x: 72, y: 680 - l * 40, size: 12, font });
  }
  return Buffer.from(await doc.save());
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function linesIn(file) {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function stream(pdf, pages, dir) {
  const out = path.join(dir, `out-${pages}.jsonl`);
  const child = spawn(process.execPath, [CLI, 'detect', pdf, '--no-text', '--quiet', '--out', out, '--pages', `1-${pages}`], { stdio: 'ignore' });
  let peak = 0;
  const at = {};
  const started = performance.now();
  const timer = setInterval(() => {
    const rss = rssMb(child.pid);
    if (rss === 0) return; // exited
    peak = Math.max(peak, rss);
    const done = linesIn(out);
    for (const share of [0.1, 0.5, 0.9]) if (at[share] === undefined && done >= share * pages) at[share] = rss;
  }, 250);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  return { pages, code, seconds: (performance.now() - started) / 1000, peak, at };
}


/** Similarity of a line as read to its text: with spaces (runs of white space as one) and with none. */
function lineSimilarity(truth, read) {
  const spaced = (t) => t.trim().replace(/\s+/g, ' ');
  const squashed = (t) => t.replace(/\s+/g, '');
  return { spaced: textSimilarity(spaced(truth), spaced(read)), squashed: textSimilarity(squashed(truth), squashed(read)) };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function dpiTable() {
  const detector = await createPpocrDetector({ orientation: 'off' });
  await detector.warmUp();
  const DPIS = [72, 100, 150, 200, 300];
  const rows = Object.fromEntries(DPIS.map((d) => [d, { render: [], detect: [], hmean: 0, text: 0, spaced: 0 }]));
  const pdf = await PdfDocument.open(FIXTURE);
  for (let round = 0; round < 3; round++) {
    for (const dpi of DPIS) {
      let t = performance.now();
      const image = pdf.renderPage(1, { dpi, maxPixels: 2e8 });
      rows[dpi].render.push(performance.now() - t);
      t = performance.now();
      const detection = await detector.detect(rawImageInput(image), { name: 'page' });
      rows[dpi].detect.push(performance.now() - t);
      const s = dpi / 72;
      const gt = LAYER.lines.map((l) => l.bboxPt.map((v) => v * s));
      const sample = { image: 'page', width: image.width, height: image.height, regions: gt.map((b) => ({ points: [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]], box: b })) };
      rows[dpi].hmean = (await evaluate([sample], [detection])).hmean;
      const similarities = LAYER.lines.map((line, i) => {
        const best = detection.regions.find((r) => boxIoU(gt[i], r.box) >= 0.5);
        return best ? lineSimilarity(line.text, best.text ?? '') : { spaced: 0, squashed: 0 };
      });
      rows[dpi].text = similarities.reduce((sum, v) => sum + v.squashed, 0) / similarities.length;
      rows[dpi].spaced = similarities.reduce((sum, v) => sum + v.spaced, 0) / similarities.length;
    }
  }
  pdf.close();
  await detector.close();
  console.log('\nDPI on the two-column fixture page (11 pt body text; medians of 3 interleaved rounds):');
  console.log('| dpi | page px | render ms | det + rec ms | hmean vs poppler | text similarity | spaces ignored |');
  console.log('|---|---|---|---|---|---|---|');
  for (const dpi of DPIS) {
    const r = rows[dpi];
    console.log(`| ${dpi} | ${Math.round((595 * dpi) / 72)}×${Math.round((842 * dpi) / 72)} | ${median(r.render).toFixed(0)} | ${median(r.detect).toFixed(0)} | ${r.hmean.toFixed(3)} | ${r.spaced.toFixed(3)} | ${r.text.toFixed(3)} |`);
  }
}

async function main() {
  if (process.env.PDF_BENCH === 'dpi') return dpiTable().then(smallPrintTable);
  const dir = mkdtempSync(path.join(tmpdir(), 'ocrdet-pdf-bench-'));
  try {
    const big = path.join(dir, 'long500.pdf');
    writeFileSync(big, await longPdf(500));
    console.log(`Streaming a 500-page PDF through \`ocrdet detect --no-text --out\` (${PAGE_DEFAULTS.dpi} dpi, the default), RSS of the process:`);
    console.log('| pages | s | pages/s | RSS at 10 % | at 50 % | at 90 % | peak |');
    console.log('|---|---|---|---|---|---|---|');
    for (const pages of [50, 500]) {
      const r = await stream(big, pages, dir);
      const mb = (v) => (v === undefined ? '–' : `${Math.round(v)} MB`);
      console.log(`| ${pages} | ${r.seconds.toFixed(0)} | ${(pages / r.seconds).toFixed(2)} | ${mb(r.at[0.1])} | ${mb(r.at[0.5])} | ${mb(r.at[0.9])} | ${mb(r.peak)} |${r.code === 0 ? '' : ` exit ${r.code}`}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await dpiTable();
  await smallPrintTable();
}

async function smallPrintTable() {
  const detector = await createPpocrDetector({ orientation: 'off' });
  await detector.warmUp();
  const DPIS = [72, 100, 150, 200, 300];
  const pages = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => renderedPagePdf(n)));
  const rows = Object.fromEntries(DPIS.map((d) => [d, { ms: 0, gts: [], dets: [], all: [], small: [], squashed: [] }]));
  for (const [n, { pdf, lines }] of pages.entries()) {
    const doc = await PdfDocument.open(pdf, `page-${n}`);
    for (const dpi of DPIS) {
      const image = doc.renderPage(1, { dpi, maxPixels: 2e8 });
      const t = performance.now();
      const detection = { ...(await detector.detect(rawImageInput(image), { name: `page-${n}` })), image: `page-${n}` };
      rows[dpi].ms += performance.now() - t;
      const gt = pageSample(`page-${n}`, image, lines, dpi);
      rows[dpi].gts.push(gt);
      rows[dpi].dets.push(detection);
      lines.forEach((line, i) => {
        const best = detection.regions.find((r) => boxIoU(gt.regions[i].box, r.box) >= 0.5);
        const sim = best ? lineSimilarity(line.text, best.text ?? '') : { spaced: 0, squashed: 0 };
        rows[dpi].all.push(sim.spaced);
        rows[dpi].squashed.push(sim.squashed);
        if (line.sizePt <= 9) rows[dpi].small.push(sim.spaced);
      });
    }
    doc.close();
  }
  await detector.close();
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  console.log(`\nDPI on 6 rendered pages of mixed print (${rows[72].all.length} lines, ${rows[72].small.length} of 7–9 pt):`);
  console.log('| dpi | det + rec s (6 pages) | hmean | text similarity, all lines | spaces ignored | 7–9 pt lines |');
  console.log('|---|---|---|---|---|---|');
  for (const dpi of DPIS) {
    const r = rows[dpi];
    const hmean = (await evaluate(r.gts, r.dets)).hmean;
    console.log(`| ${dpi} | ${(r.ms / 1000).toFixed(1)} | ${hmean.toFixed(3)} | ${mean(r.all).toFixed(3)} | ${mean(r.squashed).toFixed(3)} | ${mean(r.small).toFixed(3)} |`);
  }
}

await main();
