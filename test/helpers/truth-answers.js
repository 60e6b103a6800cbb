/**
 * The answers of a model that is exactly right about the seed-test images, as far as a box-only model can be:
 * each care region's axis-aligned bounds (its ground-truth quad's box), in reading order — and the same answers
 * with errors put in on purpose, for measuring agreement (src/detectors/vlm/agreement.ts):
 *   shifted  — a right box moved by 60–120 % of its size in a random direction (it no longer covers its text);
 *   dropped  — a right box left out;
 *   invented — a box the size of a real one where no region (care or don't care) lies.
 * Each page gets an error rate of 0, 10, 30 or 50 % (per-page rates, so pages differ as they do in real runs);
 * everything is drawn from a generator seeded by the seed and the image's name, so every process (the server,
 * the test or bench that scores the answers) computes the same answers whatever order the images come in.
 *
 * Plain JavaScript with no import of ocrdet (with ./truth-answers.d.ts): tests (src) and benches (dist) share it,
 * each handing in ocrdet's seeded generator and box IoU (`tools`: src/eval/bootstrap.ts, src/core/rectangles.ts).
 */
import { basename } from 'node:path';

const RATES = [0, 0.1, 0.3, 0.5];

function seedOf(text, seed) {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 2654435761) >>> 0;
  return h;
}

const clip = (box, size) => [Math.max(0, box[0]), Math.max(0, box[1]), Math.min(size.width, box[2]), Math.min(size.height, box[3])];

/** The exact answer's boxes for a sample: `{ box, text, kind: 'right' }` per care region. */
export function exactBoxes(sample) {
  return sample.regions.filter((r) => !r.ignore).map((r) => ({ box: clip(r.box, sample), text: r.text ?? 'text', kind: 'right' }));
}

/**
 * The answer with injected errors: boxes with their kind ('right' | 'shifted' | 'invented'), and how many were
 * dropped. `tools`: `{ seededRandom, boxIoU }` of ocrdet.
 */
export function injectedBoxes(sample, seed, { seededRandom, boxIoU }) {
  const random = seededRandom(seedOf(basename(sample.image), seed));
  const rate = RATES[Math.floor(random() * RATES.length)];
  const care = exactBoxes(sample);
  const boxes = [];
  let dropped = 0;
  for (const item of care) {
    const draw = random();
    const [x1, y1, x2, y2] = item.box;
    const [w, h] = [x2 - x1, y2 - y1];
    if (draw < rate / 3) {
      const angle = random() * 2 * Math.PI;
      const f = 0.6 + 0.6 * random();
      const [dx, dy] = [Math.cos(angle) * w * f, Math.sin(angle) * h * f];
      const box = clip([x1 + dx, y1 + dy, x2 + dx, y2 + dy], sample);
      if (box[2] - box[0] > 1 && box[3] - box[1] > 1) boxes.push({ box, text: item.text, kind: 'shifted' });
      else dropped++;
    } else if (draw < (2 * rate) / 3) {
      dropped++;
    } else {
      boxes.push(item);
    }
    if (random() < rate / 3) {
      for (let tries = 0; tries < 50; tries++) {
        const x = random() * Math.max(1, sample.width - w);
        const y = random() * Math.max(1, sample.height - h);
        const box = clip([x, y, x + w, y + h], sample);
        if (sample.regions.some((r) => boxIoU(r.box, box) > 0)) continue;
        boxes.push({ box, text: item.text, kind: 'invented' });
        break;
      }
    }
  }
  return { boxes, dropped, rate };
}

/** The answer text for `boxes` in `dialect`, for an image of `original` size sent at `sent` size. */
export function answerText(dialect, boxes, original, sent) {
  const sx = sent.width / original.width;
  const sy = sent.height / original.height;
  const regions = boxes.map(({ box, text }) => {
    const b = [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy];
    return { box: b, points: [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]], text };
  });
  return dialect.format(regions, sent, { task: 'text' });
}
