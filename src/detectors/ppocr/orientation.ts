/**
 * Page orientation (0/90/180/270) from what ships with the npm models: no page-orientation model does, so
 * it is read off the text lines the det model found, in three steps.
 *
 * 1. Box shapes: lines of a page turned 90° or 270° are tall boxes; of an upright or upside-down page, wide
 *    ones (each line weighted by its length). Tall lines make the crop of PaddleOCR's recogniser turn 90°
 *    counter-clockwise (crop.ts planCrop), so they are judged on those turned crops.
 * 2. The bundled 0°/180° line classifier (ch_ppocr_mobile_v2.0_cls, input 3×48×192) on windows of the
 *    longest lines. Fed whole, a long Latin line is squeezed into 192 px and the classifier is at chance;
 *    cut into windows of its own 4:1 shape, it was right on 40/40 lines both ways (research note, point 4).
 *    The page's p(180°) is the mean over lines of each line's mean over its windows.
 * 3. Recognition confidence, when the recogniser is loaded: (a) tall lines the classifier reads as upright
 *    once turned may also be upright vertical CJK columns, whose characters stand upright: such a column, cut into square cells laid side by side,
 *    reads about as well as turned (within COLUMN_MARGIN), while a turned page's lines cut that way are
 *    sideways characters that read badly, so the page is upright;
 *    (b) when the classifier is unsure (p180 within 0.5 ± UNSURE), the reading that the recogniser is surer
 *    of wins.
 *
 * The answer says how the text is turned: 90 means turned 90° clockwise (tops of letters point right).
 */
import type { Orientation } from '../../core/types.js';
import { planCrop, rotatePlan180, sampleCrop, type CropPlan, type RgbPixels } from './crop.js';
import { ctcGreedyDecodeBatch, type CtcCharset } from './ctc.js';
import type { DbBox } from './db-postprocess.js';
// The classifier's input (PaddleOCR's cls_image_shape 3,48,192): windows of this shape are what it saw in training.
import { CLS_HEIGHT_PX, CLS_WIDTH_PX, fillCropBatch, recInputHeight } from './recognize.js';
import type { ModelSession } from './session.js';

/** Lines sampled (the longest), windows per line, lines read by the recogniser for step 3. */
const SAMPLE_LINES = 16;
const WINDOWS_PER_LINE = 3;
const REC_SAMPLE_LINES = 4;
/** Longest part of a line read in step 3, in line heights (about 8 CJK characters, 15 Latin ones). */
const REC_ASPECT = 8;
/**
 * Step 3a: tall lines are upright columns when read as such with at least this confidence, and not worse
 * than turned by more than COLUMN_MARGIN (measured: upright CJK columns 0.95 vs 1.00 turned; CJK lines of
 * a page turned 270°, 0.77–0.86 vs 0.98–0.99; Latin lines, 0.33–0.48).
 */
const MIN_COLUMN_CONFIDENCE = 0.8;
const COLUMN_MARGIN = 0.08;
/** p(180°) this close to 0.5 leaves the classifier unsure (step 3b). */
const UNSURE = 0.2;
/**
 * Lines shorter than this many times their height say little about direction (single characters, digits);
 * PaddleOCR's own rule for turning a crop (height ≥ 1.5 × width) marks where a box stops being square-ish.
 */
const MIN_LINE_ASPECT = 1.5;

export interface OrientationModels {
  cls: ModelSession;
  rec?: ModelSession;
  charset?: CtcCharset;
}

/** What the decision was based on (recorded in tests and the bench, not in Detections). */
export interface OrientationEvidence {
  orientation: Orientation;
  /** Share of line length in tall boxes. */
  tallShare: number;
  /** Mean p(180°) of the sampled lines' crops as the recogniser would take them. */
  p180: number;
  lines: number;
  /** Step 3a: mean recognition confidence of tall lines read as upright columns vs turned. */
  columns?: { upright: number; turned: number };
  /** Step 3b: mean recognition confidence of the sampled lines as cropped vs turned by 180°. */
  flip?: { asCropped: number; turned: number };
}

/** The part of a crop between t0 and t1 (0..1) of its width, as its own crop. */
function subPlan(plan: CropPlan, t0: number, t1: number): CropPlan {
  const [p0, p1, p2, p3] = plan.corners;
  const along = (a: readonly number[], b: readonly number[], t: number): [number, number] => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
  return { corners: [along(p0, p1, t0), along(p0, p1, t1), along(p3, p2, t1), along(p3, p2, t0)], width: plan.width * (t1 - t0), height: plan.height };
}

/** Windows of a crop, each of the classifier's 4:1 shape (the whole crop when it is shorter), spread along it. */
export function windowPlans(plan: CropPlan, maxWindows: number): CropPlan[] {
  const windowWidth = (CLS_WIDTH_PX / CLS_HEIGHT_PX) * plan.height;
  if (plan.width <= windowWidth * 1.25) return [plan];
  const count = Math.min(maxWindows, Math.ceil(plan.width / windowWidth));
  const share = windowWidth / plan.width;
  return Array.from({ length: count }, (_, i) => {
    const t0 = count === 1 ? (1 - share) / 2 : (i * (1 - share)) / (count - 1);
    return subPlan(plan, t0, t0 + share);
  });
}

/** The middle of a crop, at most `aspect` times as wide as high: enough characters to read, few to pay for. */
function middlePlan(plan: CropPlan, aspect: number): CropPlan {
  const share = Math.min(1, (aspect * plan.height) / Math.max(plan.width, 1));
  return share >= 1 ? plan : subPlan(plan, (1 - share) / 2, (1 + share) / 2);
}

/**
 * A tall line's crop (turned 90° counter-clockwise by planCrop) read as an upright column instead: cut into
 * square cells along its length, each cell turned back, laid side by side.
 */
function uprightCells(turned: CropPlan): CropPlan[] {
  const cells = Math.max(1, Math.round(turned.width / Math.max(turned.height, 1)));
  return Array.from({ length: cells }, (_, i) => {
    const { corners, width, height } = subPlan(turned, i / cells, (i + 1) / cells);
    const [w0, w1, w2, w3] = corners;
    return { corners: [w3, w0, w1, w2], width: height, height: width };
  });
}

async function classify(image: RgbPixels, plans: readonly CropPlan[], cls: ModelSession): Promise<Float32Array> {
  const output = await cls.run(fillCropBatch(image, plans, CLS_HEIGHT_PX, CLS_WIDTH_PX), [plans.length, 3, CLS_HEIGHT_PX, CLS_WIDTH_PX]);
  const p180 = new Float32Array(plans.length);
  for (let k = 0; k < plans.length; k++) p180[k] = output.data[k * 2 + 1];
  return p180;
}

/** Mean recognition confidence of crops, each given as one or more cells laid left to right at the rec height. */
async function readConfidence(image: RgbPixels, crops: readonly CropPlan[][], rec: ModelSession, charset: CtcCharset): Promise<number> {
  const height = recInputHeight(rec);
  const widths = crops.map((cells) => cells.reduce((sum, c) => sum + Math.max(1, Math.ceil((height * c.width) / Math.max(c.height, 1))), 0));
  const width = Math.max(8, ...widths);
  const plane = height * width;
  const tensor = new Float32Array(crops.length * 3 * plane);
  crops.forEach((cells, k) => {
    let x = 0;
    for (const cell of cells) {
      const w = Math.max(1, Math.ceil((height * cell.width) / Math.max(cell.height, 1)));
      sampleCrop(image, cell, w, height, { data: tensor, offset: k * 3 * plane + x, rowStride: width, planeStride: plane, scale: 1 / 127.5, bias: -1, order: 'bgr' });
      x += w;
    }
  });
  const output = await rec.run(tensor, [crops.length, 3, height, width]);
  const results = ctcGreedyDecodeBatch(output.data, output.dims, charset);
  return results.reduce((sum, r) => sum + r.confidence, 0) / Math.max(results.length, 1);
}

/** The page's orientation, decided from its det boxes (see the steps at the top). 0 when there is no line to judge by. */
export async function findOrientation(image: RgbPixels, boxes: readonly DbBox[], models: OrientationModels): Promise<OrientationEvidence> {
  const plans = boxes.map((box) => {
    const plan = planCrop(box.points);
    return { box, plan, tall: isTall(plan) };
  });
  const usable = plans.filter(({ plan }) => plan.width >= MIN_LINE_ASPECT * plan.height && plan.height > 0);
  const total = usable.reduce((sum, p) => sum + p.plan.width, 0);
  const tallShare = total > 0 ? usable.filter((p) => p.tall).reduce((sum, p) => sum + p.plan.width, 0) / total : 0;
  const tall = tallShare > 0.5;
  const sample = usable.filter((p) => p.tall === tall).sort((a, b) => b.plan.width * b.plan.height - a.plan.width * a.plan.height).slice(0, SAMPLE_LINES);
  if (sample.length === 0) return { orientation: 0, tallShare, p180: 0, lines: 0 };

  const windows = sample.map(({ plan }) => windowPlans(plan, WINDOWS_PER_LINE));
  const probabilities = await classify(image, windows.flat(), models.cls);
  let at = 0;
  const perLine = windows.map((w) => {
    const mean = probabilities.subarray(at, at + w.length).reduce((s, v) => s + v, 0) / w.length;
    at += w.length;
    return mean;
  });
  const p180 = perLine.reduce((s, v) => s + v, 0) / perLine.length;
  const evidence: OrientationEvidence = { orientation: 0, tallShare, p180, lines: sample.length };
  const { rec, charset } = models;
  const readSample = sample.slice(0, REC_SAMPLE_LINES);

  // Upright CJK columns, turned by planCrop, look upright to the classifier (p180 low), like a page turned
  // 90°; a page turned 270° looks upside down (p180 high) and needs no column check.
  if (tall && p180 < 0.5 && rec && charset) {
    const upright = await readConfidence(image, readSample.map(({ plan }) => uprightCells(middlePlan(plan, REC_ASPECT))), rec, charset);
    const turned = await readConfidence(image, readSample.map(({ plan }) => [middlePlan(plan, REC_ASPECT)]), rec, charset);
    evidence.columns = { upright, turned };
    // The recogniser reads CJK columns turned too (it was trained on them), so a small lead decides nothing.
    if (upright >= MIN_COLUMN_CONFIDENCE && upright >= turned - COLUMN_MARGIN) return evidence; // vertical text, upright
  }
  let upsideDown = p180 > 0.5;
  if (Math.abs(p180 - 0.5) < UNSURE && rec && charset) {
    const asCropped = await readConfidence(image, readSample.map(({ plan }) => [middlePlan(plan, REC_ASPECT)]), rec, charset);
    const turned = await readConfidence(image, readSample.map(({ plan }) => [middlePlan(rotatePlan180(plan), REC_ASPECT)]), rec, charset);
    evidence.flip = { asCropped, turned };
    upsideDown = turned > asCropped;
  }
  // Tall crops were turned 90° counter-clockwise: upright then means the page is turned 90° clockwise.
  evidence.orientation = tall ? (upsideDown ? 270 : 90) : upsideDown ? 180 : 0;
  return evidence;
}

/** A line the recogniser turns (PaddleOCR: crop height ≥ 1.5 × width): its crop's first edge runs down the page. */
function isTall(plan: CropPlan): boolean {
  const [a, b] = plan.corners;
  return Math.abs(b[1] - a[1]) > Math.abs(b[0] - a[0]);
}
