#!/usr/bin/env node
/**
 * The recognition filter (`--min-text-score`, PaddleOCR's `drop_score` 0.5 in tools/infer/predict_system.py):
 * det + rec hmean-IoU with every region kept (0) and with regions under each threshold dropped, on two sets.
 * One detection run per image with nothing dropped; the thresholds are then applied to its `textScore`s,
 * which is exactly what the option does (it filters after recognition, nothing else changes).
 *
 * 1. seed-test (examples/seed-test): 50 real photos (MSRA-TD500, MTWI 2018).
 * 2. rendered pages: 24 A4 pages made here with pdf-lib and rendered by PDFium at 150 dpi: lines of words
 *    in PDF's standard fonts (Helvetica, Times, Courier; 7–22 pt; some bold, some grey), in one or two
 *    columns, with what printed pages also carry: a text-free photo as a figure (USC-SIPI "Mandrill", the
 *    repository's test/fixtures/datasets/labelme/Mandrill.jpg), table rules, a striped bar, dots. Every
 *    drawn line is ground truth; nothing else on the page is text.
 * 3. the repository's other annotated real photos: ICDAR 2015 img_1 and img_2 (test/fixtures/datasets/
 *    icdar2015), PPOCRLabel's paddle.png (test/fixtures/datasets/ppocr) and the text-free Mandrill photo
 *    (ground truth: no text). Four images: a sign of direction, not a measurement.
 * Run: npm run bench -- recognition-filter (builds first). Imports the build (dist/).
 */
import { createPpocrDetector, evaluate, readDataset } from '../dist/index.js';
import { PdfDocument } from '../dist/image/pdf.js';
import { rawImageInput } from '../dist/image/sharp.js';
import { renderedPagePdf, pageSample } from './lib/rendered-pages.js';
import { SEED_TEST } from './lib/seed-test.js';

const THRESHOLDS = [0, 0.3, 0.5, 0.7];
const DPI = 150;
const MANDRILL = new URL('../test/fixtures/datasets/labelme/Mandrill.jpg', import.meta.url);


async function renderedPage(n) {
  const { pdf, lines } = await renderedPagePdf(n);
  const doc = await PdfDocument.open(pdf, `page-${n}.pdf`);
  const image = doc.renderPage(1, { dpi: DPI, maxPixels: 1e8 });
  doc.close();
  return { image, gt: pageSample(`page-${n}`, image, lines, DPI) };
}

function filtered(detections, threshold) {
  return detections.map((d) => ({ ...d, regions: d.regions.filter((r) => (r.textScore ?? 0) >= threshold) }));
}

async function table(title, gts, detections) {
  console.log(`\n${title}`);
  console.log('| --min-text-score | precision | recall | hmean | detections |');
  console.log('|---|---|---|---|---|');
  for (const threshold of THRESHOLDS) {
    const kept = filtered(detections, threshold);
    const report = await evaluate(gts, kept);
    console.log(`| ${threshold} | ${report.precision.toFixed(4)} | ${report.recall.toFixed(4)} | ${report.hmean.toFixed(4)} | ${report.detCare} |`);
  }
}

async function main() {
  // Orientation off: the filter is measured on its own, as in PaddleOCR's pipeline.
  const detector = await createPpocrDetector({ minTextScore: 0, orientation: 'off' });
  const seed = [];
  for await (const sample of readDataset(SEED_TEST)) seed.push(sample);
  const seedDetections = [];
  for (const sample of seed) seedDetections.push(await detector.detect(sample.image));
  await table(`seed-test (${seed.length} photos)`, seed, seedDetections);

  const pages = [];
  const pageDetections = [];
  for (let n = 0; n < 24; n++) {
    const { image, gt } = await renderedPage(n);
    pages.push(gt);
    pageDetections.push({ ...(await detector.detect(rawImageInput(image), { name: gt.image })), image: gt.image });
  }
  await table(`rendered pages (${pages.length} pages, ${pages.reduce((s, p) => s + p.regions.length, 0)} lines)`, pages, pageDetections);

  await otherPhotos(detector);
  await detector.close();
}

async function otherPhotos(detector) {
  const photos = [];
  for (const dir of ['icdar2015', 'ppocr']) {
    for await (const sample of readDataset(new URL(`../test/fixtures/datasets/${dir}`, import.meta.url).pathname)) if (sample.width > 0) photos.push(sample);
  }
  const mandrill = new URL(MANDRILL).pathname;
  photos.push({ image: mandrill, width: 256, height: 256, regions: [] });
  const detections = [];
  for (const sample of photos) detections.push(await detector.detect(sample.image));
  await table(`the repository's other annotated photos (${photos.length} images, ${photos.reduce((s, p) => s + p.regions.filter((r) => !r.ignore).length, 0)} care regions)`, photos, detections);
}

if (process.env.FILTER_PHOTOS) {
  const detector = await createPpocrDetector({ minTextScore: 0, orientation: 'off' });
  await otherPhotos(detector);
  await detector.close();
} else if (process.env.FILTER_PREVIEW) {
  const { image, gt } = await renderedPage(Number(process.env.FILTER_PREVIEW));
  // A look at one page and its ground truth: FILTER_PREVIEW=3 node bench/recognition-filter.bench.js
  const { drawOverlay } = await import('../dist/index.js');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`page-${process.env.FILTER_PREVIEW}.png`, await drawOverlay(rawImageInput(image), gt.regions));
} else await main();
