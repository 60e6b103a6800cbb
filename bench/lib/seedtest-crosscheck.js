/**
 * The cross-check on real annotations: examples/seed-test's XML quads, read here with fast-xml-parser
 * exactly as written (no reordering, no clean-up) for PaddleOCR, and read by ocrdet's own voc-quad reader
 * through the `ocrdet eval` CLI. Predictions are the ground-truth quads disturbed at several noise levels
 * (so IoUs fall on both sides of 0.5), some dropped, some false positives and a few crossed quads added;
 * both sides score the same JSONL. Any difference shows what ocrdet's reading + evaluation changes relative
 * to PaddleOCR's evaluator on the raw annotation.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { createRandom } from './eval-data.js';
import { runPaddle } from './paddle.js';

const CORNERS = [0, 1, 2, 3];

function readRawQuads(file) {
  const xml = new XMLParser({ parseTagValue: false }).parse(readFileSync(file, 'utf8'));
  const objects = [xml.annotation?.object ?? []].flat();
  return objects
    .filter((o) => o.bndbox && o.bndbox.x0 !== undefined)
    .map((o) => ({
      points: CORNERS.map((i) => [Number(o.bndbox[`x${i}`]), Number(o.bndbox[`y${i}`])]),
      ignore: String(o.difficult) === '1' || String(o.name) === '###',
    }));
}

function disturb(rnd, points, noisePx) {
  return points.map(([x, y]) => [Math.round((x + rnd.normal() * noisePx) * 10) / 10, Math.round((y + rnd.normal() * noisePx) * 10) / 10]);
}

/** Writes the seed-test data both ways; returns the files and the image names in order. */
export function writeSeedTestData(seedTest, dir, seed = 7) {
  const rnd = createRandom(seed);
  const images = [];
  const jsonl = [];
  for (const name of readdirSync(path.join(seedTest, 'Annotations')).sort()) {
    if (!name.toLowerCase().endsWith('.xml')) continue;
    const gt = readRawQuads(path.join(seedTest, 'Annotations', name));
    const image = `Images/${name.slice(0, -4)}.jpg`;
    const pred = [];
    for (const g of gt) {
      if (rnd.chance(0.15)) continue;
      const xs = g.points.map((p) => p[0]);
      const ys = g.points.map((p) => p[1]);
      const size = Math.min(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
      pred.push(disturb(rnd, g.points, size * [0.02, 0.1, 0.25][rnd.int(0, 2)]));
    }
    for (let k = rnd.int(0, 2); k > 0 && gt.length > 0; k--) {
      const g = gt[rnd.int(0, gt.length - 1)].points;
      pred.push(rnd.chance(0.5) ? disturb(rnd, g.map(([x, y]) => [x + 40, y + 25]), 1) : [g[0], g[2], g[1], g[3]]);
    }
    images.push({ image, gt, pred: pred.map((points) => ({ points })) });
    jsonl.push(JSON.stringify({ image, regions: pred.map((points) => ({ points })) }));
  }
  const paddleFile = path.join(dir, 'seed-test-paddle.json');
  const predFile = path.join(dir, 'seed-test-pred.jsonl');
  writeFileSync(paddleFile, JSON.stringify({ images }));
  writeFileSync(predFile, `${jsonl.join('\n')}\n`);
  return { paddleFile, predFile, names: images.map((i) => i.image) };
}

/** Runs both; returns { ours, theirs, differing: [{ image, ours, paddle }] }. */
export function crosscheckSeedTest({ seedTest, dir, bin, paddle }) {
  const { paddleFile, predFile, names } = writeSeedTestData(seedTest, dir);
  const cli = spawnSync(process.execPath, [bin, 'eval', '--gt', seedTest, '--pred', predFile, '--json', '--per-image'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (!cli.stdout) throw new Error(`ocrdet eval failed (${cli.status}): ${cli.stderr}`);
  const ours = JSON.parse(cli.stdout);
  const theirs = runPaddle(paddle, paddleFile);
  const byImage = new Map(ours.perImage.map((r) => [r.image, r]));
  const differing = [];
  names.forEach((image, i) => {
    const mine = byImage.get(image);
    const p = theirs.perImage[i];
    if (!mine || mine.gtCare !== p.gtCare || mine.detCare !== p.detCare || mine.matched !== p.detMatched) {
      differing.push({ image, ours: mine && { gtCare: mine.gtCare, detCare: mine.detCare, matched: mine.matched }, paddle: p });
    }
  });
  return { ours, theirs: theirs.metrics, differing, images: names.length };
}
