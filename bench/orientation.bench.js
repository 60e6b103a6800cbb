#!/usr/bin/env node
/**
 * Orientation (`--orientation auto|off`, ppocr): what it keeps, what it gains, what it costs.
 *
 * - seed-test (examples/seed-test, 50 photos): every image turned by 0, 90, 180 and 270 degrees (its quads
 *   turned alike), detected with orientation auto; hmean-IoU per turn against the upright hmean with
 *   orientation off. A turned page should reach ≥ 0.95× the upright hmean.
 * - rendered documents with known text (test/helpers' two-column A4 page at 150 dpi): text similarity
 *   (1 − normalised edit distance of each ground-truth line to the region matched to it, 0 when none) per
 *   turn; a turned page should reach ≥ 0.9× the upright similarity.
 * - cost on upright images: auto vs off, interleaved image by image in one process (medians and the ratio
 *   of total times); should stay ≤ 1.3×.
 * Run: npm run bench -- orientation (builds first). Imports the build (dist/).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createPpocrDetector, evaluate, readDataset } from '../dist/index.js';
import { turnPoints, turnedSize } from '../dist/core/geometry.js';
import { boxIoU } from '../dist/core/rectangles.js';
import { PdfDocument } from '../dist/image/pdf.js';
import { SEED_TEST } from './lib/seed-test.js';
import { textSimilarity as similarity } from './lib/text-similarity.js';

const TURNS = [0, 90, 180, 270];
const EVERY = Number(process.env.ORIENT_EVERY ?? 1); // 2: every other image (quicker runs)

function turnSample(sample, turn) {
  const size = { width: sample.width, height: sample.height };
  const regions = sample.regions.map((r) => {
    const points = turnPoints(r.points, turn, size);
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    return { ...r, points, box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] };
  });
  return { ...sample, ...turnedSize(size, turn), regions };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}


/** A two-column page of known lines (the test helpers' layout, drawn again here: bench/ imports no test code). */
async function documentPage() {
  const words = 'river stone garden window lantern harbor meadow copper thunder orchard candle silver mountain valley ribbon forest marble feather compass island bridge'.split(' ');
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const lines = [];
  let n = 0;
  for (const x of [56, 316]) {
    for (let top = 120; top < 700; top += 18, n++) {
      const text = Array.from({ length: 5 }, (_, i) => words[(n * 11 + i * 5) % words.length]).join(' ');
      page.drawText(text, { x, y: 842 - top - 0.8 * 12, size: 12, font });
      lines.push({ text, box: [x, top, x + font.widthOfTextAtSize(text, 12), top + 12].map((v) => (v * 150) / 72) });
    }
  }
  const pdf = await PdfDocument.open(Buffer.from(await doc.save()), 'bench page');
  const image = pdf.renderPage(1, { dpi: 150, maxPixels: 1e8 });
  pdf.close();
  return { png: await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer(), size: image, lines };
}

function textSimilarity(lines, detection, turn, size) {
  let total = 0;
  for (const line of lines) {
    const pts = turnPoints([[line.box[0], line.box[1]], [line.box[2], line.box[3]]], turn, size);
    const box = [Math.min(pts[0][0], pts[1][0]), Math.min(pts[0][1], pts[1][1]), Math.max(pts[0][0], pts[1][0]), Math.max(pts[0][1], pts[1][1])];
    const best = detection.regions.map((r) => ({ r, iou: boxIoU(box, r.box) })).sort((a, b) => b.iou - a.iou)[0];
    total += best && best.iou >= 0.5 ? similarity(line.text, (best.r.text ?? '').trim()) : 0;
  }
  return total / lines.length;
}

async function main() {
  const samples = [];
  for await (const s of readDataset(SEED_TEST)) samples.push(s);
  const picked = samples.filter((_, i) => i % EVERY === 0);
  const auto = await createPpocrDetector({ orientation: 'auto' });
  const off = await createPpocrDetector({ orientation: 'off' });
  await Promise.all([auto.warmUp(), off.warmUp()]);

  // Cost on upright images, interleaved.
  const msAuto = [];
  const msOff = [];
  const uprightOff = [];
  const predictions = Object.fromEntries(TURNS.map((t) => [t, []]));
  const gts = Object.fromEntries(TURNS.map((t) => [t, []]));
  const orientationRight = Object.fromEntries(TURNS.map((t) => [t, 0]));
  for (const sample of picked) {
    const bytes = await sharp(sample.image).rotate().png({ compressionLevel: 1 }).toBuffer();
    let t = performance.now();
    const a = await auto.detect(bytes, { name: sample.image });
    msAuto.push(performance.now() - t);
    t = performance.now();
    const o = await off.detect(bytes, { name: sample.image });
    msOff.push(performance.now() - t);
    uprightOff.push(o);
    predictions[0].push(a);
    gts[0].push(sample);
    if (a.orientation === 0) orientationRight[0]++;
    for (const turn of TURNS.slice(1)) {
      const turned = await sharp(bytes).rotate(turn).png({ compressionLevel: 1 }).toBuffer();
      const d = await auto.detect(turned, { name: sample.image });
      predictions[turn].push(d);
      gts[turn].push(turnSample(sample, turn));
      if (d.orientation === turn) orientationRight[turn]++;
    }
  }
  const hmean = async (gt, pred) => (await evaluate(gt, pred)).hmean;
  const upright = await hmean(picked, uprightOff);
  console.log(`seed-test, ${picked.length} images: upright hmean with orientation off ${upright.toFixed(4)}`);
  console.log('| turned | hmean (auto) | ratio to upright (off) | orientation found |');
  console.log('|---|---|---|---|');
  for (const turn of TURNS) {
    const h = await hmean(gts[turn], predictions[turn]);
    console.log(`| ${turn}° | ${h.toFixed(4)} | ${(h / upright).toFixed(3)} | ${orientationRight[turn]}/${picked.length} |`);
  }
  const offTurned = [];
  for (const turn of [180]) {
    for (const sample of picked) {
      const bytes = await sharp(sample.image).rotate().rotate(turn).png({ compressionLevel: 1 }).toBuffer();
      offTurned.push(await off.detect(bytes, { name: sample.image }));
    }
    const h = await hmean(picked.map((s) => turnSample(s, turn)), offTurned);
    console.log(`(for comparison, 180° with orientation off: hmean ${h.toFixed(4)}: the lines are found, but their text read upside down is garbage of low confidence, which --min-text-score drops)`);
  }
  const sum = (v) => v.reduce((s, x) => s + x, 0);
  console.log(`\ncost on upright images (det + rec), interleaved: median auto ${median(msAuto).toFixed(0)} ms vs off ${median(msOff).toFixed(0)} ms; total ratio auto/off ${(sum(msAuto) / sum(msOff)).toFixed(3)}`);

  const page = await documentPage();
  console.log('\nrendered two-column page (150 dpi), text similarity to the known lines:');
  console.log('| turned | auto | off |');
  console.log('|---|---|---|');
  for (const turn of TURNS) {
    const png = turn ? await sharp(page.png).rotate(turn).png().toBuffer() : page.png;
    const a = await auto.detect(png, { name: 'page' });
    const o = await off.detect(png, { name: 'page' });
    console.log(`| ${turn}° | ${textSimilarity(page.lines, a, turn, page.size).toFixed(4)} (found ${a.orientation}°) | ${textSimilarity(page.lines, o, turn, page.size).toFixed(4)} |`);
  }
  await auto.close();
  await off.close();
}

await main();
