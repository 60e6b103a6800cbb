/**
 * Random but reproducible detection-evaluation data for the eval benchmarks: ground truth and predictions
 * per image, written both as ocrdet inputs (in memory as Samples / Detections, on disk as a PPOCRLabel
 * Label.txt + Detection JSONL) and as the JSON the PaddleOCR runner (paddle-eval.py) reads.
 */
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import path from 'node:path';

/** mulberry32: a small seeded PRNG, so every run measures the same data. */
export function createRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => Math.floor(lo + (hi - lo + 1) * next()),
    chance: (p) => next() < p,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/** Corners of a w×h rectangle centred on (cx, cy), rotated by `angle` radians, clockwise on screen from top-left. */
export function rotatedRect(cx, cy, w, h, angle) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ].map(([x, y]) => [cx + x * c - y * s, cy + x * s + y * c]);
}

const round2 = (v) => Math.round(v * 100) / 100;
export const roundPoints = (points) => points.map(([x, y]) => [round2(x), round2(y)]);

/** A text-line-like quad: mostly horizontal, some rotated, a few vertical. */
export function randomLine(rnd, width, height) {
  const w = rnd.range(30, 360);
  const h = rnd.range(12, 56);
  const kind = rnd.next();
  const angle = kind < 0.65 ? 0 : kind < 0.95 ? rnd.range(-0.8, 0.8) : Math.PI / 2;
  return { cx: rnd.range(w / 2, width - w / 2), cy: rnd.range(h, height - h), w, h, angle };
}

/** A detection of a line: shifted, rescaled and turned a little, corners jittered by a pixel or two. */
export function detectLine(rnd, line, noise = 1) {
  const quad = rotatedRect(
    line.cx + rnd.normal() * 0.08 * line.h * noise,
    line.cy + rnd.normal() * 0.08 * line.h * noise,
    line.w * (1 + rnd.normal() * 0.08 * noise),
    line.h * (1 + rnd.normal() * 0.12 * noise),
    line.angle + rnd.normal() * 0.03 * noise,
  );
  return quad.map(([x, y]) => [x + rnd.normal() * noise, y + rnd.normal() * noise]);
}

/**
 * The speed benchmark's data: `images` images of `linesPerImage` (±5) quads, 10 % don't care; predictions
 * find 85 % of the lines, add ~2 false positives per image, and now and then detect a line twice.
 */
export function generateSpeedData({ images, linesPerImage = 20, seed = 2015 }) {
  const rnd = createRandom(seed);
  const width = 1280;
  const height = 960;
  const out = [];
  for (let i = 0; i < images; i++) {
    const lines = [];
    const count = linesPerImage + rnd.int(-5, 5);
    for (let k = 0; k < count; k++) lines.push(randomLine(rnd, width, height));
    const gt = lines.map((line) => ({ points: roundPoints(rotatedRect(line.cx, line.cy, line.w, line.h, line.angle)), ignore: rnd.chance(0.1) }));
    const pred = [];
    for (const line of lines) {
      if (rnd.chance(0.85)) pred.push(roundPoints(detectLine(rnd, line)));
      if (rnd.chance(0.03)) pred.push(roundPoints(detectLine(rnd, line, 2)));
    }
    for (let k = rnd.int(0, 4); k > 0; k--) {
      const fp = randomLine(rnd, width, height);
      pred.push(roundPoints(rotatedRect(fp.cx, fp.cy, fp.w, fp.h, fp.angle)));
    }
    out.push({ name: `img_${String(i + 1).padStart(5, '0')}.jpg`, gt, pred });
  }
  return out;
}

/** The data as ocrdet Samples and Detections (in memory), under a made-up dataset root. */
export function toOcrdet(data, root) {
  const box = (points) => {
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  };
  const samples = data.map((img) => ({
    image: path.join(root, img.name),
    width: 1280,
    height: 960,
    regions: img.gt.map((g) => ({ points: g.points, box: box(g.points), ...(g.ignore ? { ignore: true } : {}) })),
    ...(img.source ? { source: img.source } : {}),
  }));
  const detections = data.map((img) => ({
    image: img.name,
    width: 1280,
    height: 960,
    regions: img.pred.map((points) => ({ points, box: box(points) })),
    backend: 'bench',
    model: 'synthetic',
    timings: {},
  }));
  return { samples, detections };
}

/** Writes the JSON the PaddleOCR runner reads: { images: [{ gt: [{points, ignore}], pred: [{points}] }] }. */
export function writePaddleJson(data, file) {
  mkdirSync(path.dirname(file), { recursive: true });
  const images = data.map((img) => ({ name: img.name, gt: img.gt, pred: img.pred.map((points) => ({ points })) }));
  writeFileSync(file, JSON.stringify({ images }));
}

/** Writes a PPOCRLabel Label.txt (don't care = "###") and a Detection JSONL, streamed line by line. */
export async function writeOcrdetFiles(data, dir) {
  mkdirSync(dir, { recursive: true });
  const label = createWriteStream(path.join(dir, 'Label.txt'));
  const jsonl = createWriteStream(path.join(dir, 'pred.jsonl'));
  for (const img of data) {
    const regions = img.gt.map((g) => ({ transcription: g.ignore ? '###' : 'text', points: g.points }));
    if (!label.write(`images/${img.name}\t${JSON.stringify(regions)}\n`)) await new Promise((r) => label.once('drain', r));
    const line = JSON.stringify({ image: `images/${img.name}`, regions: img.pred.map((points) => ({ points })) });
    if (!jsonl.write(`${line}\n`)) await new Promise((r) => jsonl.once('drain', r));
  }
  await Promise.all([new Promise((r) => label.end(r)), new Promise((r) => jsonl.end(r))]);
  return { label: path.join(dir, 'Label.txt'), pred: path.join(dir, 'pred.jsonl') };
}
