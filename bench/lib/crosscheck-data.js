/**
 * Adversarial random images for the PaddleOCR cross-check: every rule of the protocol is exercised —
 * rotated quads at many noise levels (IoUs on both sides of any threshold), concave (star-shaped) polygons,
 * invalid polygons (crossed corners, spikes, self-touching rings, collinear points), repeated points,
 * don't-care regions with detections at shares around 0.5, sub-rectangles with IoU 0.5 ± δ (and exactly 0.5),
 * duplicates, merged detections, empty images. Polygons with fewer than 3 points are left out: shapely raises
 * on them inside PaddleOCR's evaluator (ocrdet counts them as invalid; the unit tests cover that).
 */
import { createRandom, detectLine, randomLine, rotatedRect, roundPoints } from './eval-data.js';

const W = 1000;
const H = 800;

/** A star-shaped (so simple) polygon of n vertices around (cx, cy), clockwise on screen; concave when radii vary. */
function star(rnd, cx, cy, radius, n) {
  const angles = Array.from({ length: n }, () => rnd.range(0, 2 * Math.PI)).sort((a, b) => a - b);
  return angles.map((a) => {
    const r = radius * rnd.range(0.35, 1);
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
}

/** An axis-aligned rectangle with integer corners (exact arithmetic on both sides). */
function rect(x1, y1, x2, y2) {
  return [
    [x1, y1],
    [x2, y1],
    [x2, y2],
    [x1, y2],
  ];
}

/** The part t of a (possibly rotated) rectangle's length, from its left end: IoU with the whole is t. */
function subRect(line, t) {
  const shift = (line.w * (t - 1)) / 2;
  return rotatedRect(line.cx + shift * Math.cos(line.angle), line.cy + shift * Math.sin(line.angle), line.w * t, line.h, line.angle);
}

function invalid(rnd) {
  const x = rnd.range(50, W - 150);
  const y = rnd.range(50, H - 150);
  const s = rnd.range(20, 100);
  switch (rnd.int(0, 4)) {
    case 0: // corners listed crosswise: a bow tie
      return [
        [x, y],
        [x + s, y + s],
        [x + s, y],
        [x, y + s],
      ];
    case 1: // a spike out and back along one line
      return [
        [x, y],
        [x + s, y],
        [x + s, y + s / 2],
        [x + 1.5 * s, y + s / 2],
        [x + s, y + s / 2],
        [x + s, y + s],
        [x, y + s],
      ];
    case 2: // a ring touching itself at a vertex
      return [
        [x, y],
        [x + s, y],
        [x + s / 2, y + s / 2],
        [x + s, y + s],
        [x, y + s],
        [x + s / 2, y + s / 2],
      ];
    case 3: // collinear: zero area
      return [
        [x, y],
        [x + s, y + s],
        [x + 2 * s, y + 2 * s],
      ];
    default: // repeated consecutive points: valid for shapely and for ocrdet
      return [
        [x, y],
        [x, y],
        [x + s, y],
        [x + s, y + s],
        [x + s, y + s],
        [x, y + s],
      ];
  }
}

function addScene(rnd, gt, pred) {
  const scene = rnd.int(0, 7);
  if (scene <= 2) {
    // Text lines, detected with a noise level that puts many IoUs near any threshold.
    const noise = [1, 3, 6][scene];
    for (let k = rnd.int(1, 12); k > 0; k--) {
      const line = randomLine(rnd, W, H);
      gt.push({ points: roundPoints(rotatedRect(line.cx, line.cy, line.w, line.h, line.angle)), ignore: rnd.chance(0.1) });
      if (rnd.chance(0.85)) pred.push(roundPoints(detectLine(rnd, line, noise)));
      if (rnd.chance(0.1)) pred.push(roundPoints(detectLine(rnd, line, noise)));
    }
  } else if (scene === 3) {
    // Concave polygons on both sides.
    for (let k = rnd.int(1, 5); k > 0; k--) {
      const cx = rnd.range(100, W - 100);
      const cy = rnd.range(100, H - 100);
      const r = rnd.range(20, 90);
      gt.push({ points: star(rnd, cx, cy, r, rnd.int(5, 12)), ignore: rnd.chance(0.15) });
      pred.push(star(rnd, cx + rnd.normal() * r * 0.2, cy + rnd.normal() * r * 0.2, r * rnd.range(0.8, 1.2), rnd.int(3, 12)));
    }
  } else if (scene === 4) {
    // Invalid polygons among valid ones.
    for (let k = rnd.int(1, 4); k > 0; k--) {
      const bad = invalid(rnd);
      if (rnd.chance(0.5)) gt.push({ points: bad, ignore: rnd.chance(0.3) });
      else pred.push(bad);
      const line = randomLine(rnd, W, H);
      gt.push({ points: roundPoints(rotatedRect(line.cx, line.cy, line.w, line.h, line.angle)), ignore: false });
      pred.push(rnd.chance(0.5) ? invalid(rnd) : roundPoints(detectLine(rnd, line, 2)));
    }
  } else if (scene === 5) {
    // Don't-care regions, detections with 0.5 ± δ of their area inside.
    for (let k = rnd.int(1, 4); k > 0; k--) {
      const x = rnd.int(0, W - 300);
      const y = rnd.int(0, H - 100);
      const w = rnd.int(20, 200);
      const h = rnd.int(10, 60);
      gt.push({ points: rect(x, y, x + w, y + h), ignore: true });
      const share = [0.5, 0.5 + 1e-3, 0.5 - 1e-3, 0.8, 0.2][rnd.int(0, 4)];
      const dx = w * (1 - share);
      pred.push(rect(x + dx, y, x + dx + w, y + h));
    }
  } else if (scene === 6) {
    // IoU 0.5 ± δ by sub-rectangles; exact ties with integer axis-aligned corners.
    for (let k = rnd.int(1, 4); k > 0; k--) {
      const x = rnd.int(0, W - 300);
      const y = rnd.int(0, H - 100);
      const w = 2 * rnd.int(10, 100);
      const h = rnd.int(10, 60);
      gt.push({ points: rect(x, y, x + w, y + h), ignore: false });
      pred.push(rnd.chance(0.5) ? rect(x, y, x + w / 2, y + h) : rect(x + w / 4, y, x + w / 4 + w / 2 + rnd.int(-1, 1), y + h));
      const line = randomLine(rnd, W, H);
      gt.push({ points: rotatedRect(line.cx, line.cy, line.w, line.h, line.angle), ignore: false });
      pred.push(subRect(line, 0.5 + [1e-3, -1e-3, 1e-6, -1e-6][rnd.int(0, 3)]));
    }
  } else {
    // Duplicates, a detection spanning two regions, a detection containing a region, triangles.
    const a = randomLine(rnd, W, H);
    const qa = roundPoints(rotatedRect(a.cx, a.cy, a.w, a.h, 0));
    const qb = roundPoints(rotatedRect(a.cx + a.w * 0.6, a.cy, a.w * 0.5, a.h, 0));
    gt.push({ points: qa, ignore: false }, { points: qb, ignore: rnd.chance(0.3) });
    pred.push(qa, qa, roundPoints(rotatedRect(a.cx + a.w * 0.3, a.cy, a.w * 1.6, a.h * 1.1, 0)));
    pred.push(roundPoints(rotatedRect(a.cx, a.cy, a.w * 1.3, a.h * 1.4, 0)));
    const t = [rnd.range(0, W), rnd.range(0, H)];
    gt.push({ points: [t, [t[0] + 40, t[1]], [t[0] + 20, t[1] + 30]], ignore: false });
    pred.push([t, [t[0] + 40, t[1]], [t[0] + 20, t[1] + 28]]);
  }
}

/** `images` adversarial images: [{ name, gt: [{points, ignore}], pred: [points] }]. */
export function generateCrosscheckData({ images, seed = 42 }) {
  const rnd = createRandom(seed);
  const out = [];
  for (let i = 0; i < images; i++) {
    const gt = [];
    const pred = [];
    const scenes = rnd.chance(0.05) ? 0 : rnd.int(1, 3); // a few empty images
    for (let s = 0; s < scenes; s++) addScene(rnd, gt, pred);
    if (rnd.chance(0.05)) pred.length = 0; // nothing detected
    // Shuffle detections so matching order is not the generation order.
    for (let k = pred.length - 1; k > 0; k--) {
      const j = rnd.int(0, k);
      [pred[k], pred[j]] = [pred[j], pred[k]];
    }
    out.push({ name: `cc_${String(i + 1).padStart(4, '0')}.jpg`, gt, pred });
  }
  return out;
}
