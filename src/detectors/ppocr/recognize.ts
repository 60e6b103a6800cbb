/**
 * Recognition (and the optional 180° direction classifier) over the quads of one image, as PaddleOCR's
 * tools/infer/predict_rec.py and predict_cls.py do it: crops sorted by aspect ratio, batched, each resized
 * to the model's height keeping its aspect ratio, right-padded to the batch width, normalised as
 * (v / 255 − 0.5) / 0.5 in BGR order; CTC greedy decoding (rec) or argmax over {0°, 180°} (cls).
 */
import { basename } from 'node:path';
import { ModelError } from '../../core/errors.js';
import { sampleCrop, rotatePlan180, type CropPlan, type RgbPixels } from './crop.js';
import { ctcGreedyDecodeBatch, type CtcCharset, type CtcResult } from './ctc.js';
import type { ModelSession } from './session.js';

/** PaddleOCR's rec input height (`rec_image_shape` 3,48,320) when the model does not fix it. */
const DEFAULT_REC_HEIGHT_PX = 48;
/** PaddleOCR's cls input (`cls_image_shape` 3,48,192). */
export const CLS_HEIGHT_PX = 48;
export const CLS_WIDTH_PX = 192;
/** Padding a rec batch may waste before it is cut (see splitBatches): about what batching saves per crop. */
const REC_MAX_PADDING_WASTE = 0.2;

export interface RecognizeOptions {
  recBatchSize: number;
  recMinWidthPx: number;
  signal?: AbortSignal;
}

export interface ClassifyOptions {
  clsBatchSize: number;
  clsThreshold: number;
  signal?: AbortSignal;
}

/** Crops with their aspect ratio (width / height), in ascending order, as PaddleOCR batches them. */
function orderByAspectRatio(plans: readonly CropPlan[]): number[] {
  const ratio = (p: CropPlan) => (p.height > 0 ? p.width / p.height : 0);
  return plans.map((_, i) => i).sort((a, b) => ratio(plans[a]) - ratio(plans[b]));
}

/**
 * Splits crops of ascending width into batches of at most `maxBatch`, starting a new batch when padding
 * every crop to the widest one would waste more than `maxWaste` of the batch (e.g. 0.2: the padded area
 * may exceed the crops' own area by at most 20 %). PaddleOCR cuts every `rec_batch_num` crops regardless,
 * and a 1400 px line then pads five 200 px ones; a run costs about its area, so the waste is pure loss,
 * while batching itself saves only ~20 % per crop on CPU. Returns batch sizes.
 */
export function splitBatches(ascendingWidths: readonly number[], maxBatch: number, maxWaste: number): number[] {
  const sizes: number[] = [];
  let count = 0;
  let area = 0;
  for (const width of ascendingWidths) {
    const paddedIfAdded = width * (count + 1);
    if (count > 0 && (count === maxBatch || paddedIfAdded > (area + width) * (1 + maxWaste))) {
      sizes.push(count);
      count = 0;
      area = 0;
    }
    count++;
    area += width;
  }
  if (count > 0) sizes.push(count);
  return sizes;
}

/**
 * Fills a batch tensor (batch × 3 × height × width, zero = grey padding) with crops resized to `height`
 * keeping their aspect ratio (at most `width` wide), channels B, G, R scaled to −1..1.
 */
export function fillCropBatch(image: RgbPixels, plans: readonly CropPlan[], height: number, width: number): Float32Array {
  const plane = height * width;
  const tensor = new Float32Array(plans.length * 3 * plane);
  plans.forEach((plan, k) => {
    if (plan.width <= 0 || plan.height <= 0) return;
    const resizedWidth = Math.min(width, Math.ceil((height * plan.width) / plan.height));
    // (v / 255 − 0.5) / 0.5 = v / 127.5 − 1, B, G, R planes (PaddleOCR's resize_norm_img on a BGR image).
    sampleCrop(image, plan, resizedWidth, height, { data: tensor, offset: k * 3 * plane, rowStride: width, planeStride: plane, scale: 1 / 127.5, bias: -1, order: 'bgr' });
  });
  return tensor;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/** The rec model's input height: fixed by the model, or PaddleOCR's 48. */
export function recInputHeight(rec: ModelSession): number {
  return typeof rec.inputShape[2] === 'number' && rec.inputShape[2] > 0 ? rec.inputShape[2] : DEFAULT_REC_HEIGHT_PX;
}

/** Texts and confidences of the crops, in the order of `plans`. */
export async function recognizeCrops(
  image: RgbPixels,
  plans: readonly CropPlan[],
  rec: ModelSession,
  charset: CtcCharset,
  options: RecognizeOptions,
): Promise<CtcResult[]> {
  const height = recInputHeight(rec);
  const results: CtcResult[] = plans.map(() => ({ text: '', confidence: 0 }));
  const order = orderByAspectRatio(plans).filter((i) => plans[i].width > 0 && plans[i].height > 0);
  const resizedWidth = (plan: CropPlan) => Math.max(options.recMinWidthPx, Math.ceil((height * plan.width) / plan.height));
  let start = 0;
  for (const size of splitBatches(order.map((i) => resizedWidth(plans[i])), options.recBatchSize, REC_MAX_PADDING_WASTE)) {
    throwIfAborted(options.signal);
    const indices = order.slice(start, start + size);
    start += size;
    const batch = indices.map((i) => plans[i]);
    // Sorted ascending: the last crop is the widest. PaddleOCR: imgW = int(imgH × max_wh_ratio).
    const widest = batch[batch.length - 1];
    const width = Math.max(options.recMinWidthPx, Math.trunc((height * widest.width) / widest.height), 8);
    const output = await rec.run(fillCropBatch(image, batch, height, width), [batch.length, 3, height, width]);
    checkClassCount(output.dims, charset, rec.file);
    ctcGreedyDecodeBatch(output.data, output.dims, charset).forEach((result, k) => {
      results[indices[k]] = result;
    });
  }
  return results;
}

function checkClassCount(dims: readonly number[], charset: CtcCharset, file: string): void {
  if (dims.length !== 3) throw new ModelError(`rec model ${basename(file)}: output has shape [${dims.join(', ')}], expected batch × steps × classes`);
  if (dims[2] !== charset.characters.length) {
    throw new ModelError(
      `rec model ${basename(file)} has ${dims[2]} classes but its dictionary gives ${charset.characters.length} (blank + ${charset.characters.length - 1} characters); use the dictionary the model was trained with`,
    );
  }
}

/**
 * Runs the direction classifier and returns the plans, those read as upside down (label "180" with
 * probability above the threshold) turned by 180°, plus how many were turned.
 */
export async function classifyDirections(
  image: RgbPixels,
  plans: readonly CropPlan[],
  cls: ModelSession,
  options: ClassifyOptions,
): Promise<{ plans: CropPlan[]; rotated: number }> {
  const out = [...plans];
  let rotated = 0;
  const order = orderByAspectRatio(plans).filter((i) => plans[i].width > 0 && plans[i].height > 0);
  for (let start = 0; start < order.length; start += options.clsBatchSize) {
    throwIfAborted(options.signal);
    const indices = order.slice(start, start + options.clsBatchSize);
    const batch = indices.map((i) => plans[i]);
    const output = await cls.run(fillCropBatch(image, batch, CLS_HEIGHT_PX, CLS_WIDTH_PX), [batch.length, 3, CLS_HEIGHT_PX, CLS_WIDTH_PX]);
    const labels = output.dims[output.dims.length - 1];
    if (labels !== 2) throw new ModelError(`cls model ${basename(cls.file)}: expected 2 labels (0°, 180°), found ${labels}`);
    indices.forEach((planIndex, k) => {
      const p180 = output.data[k * 2 + 1];
      if (p180 > output.data[k * 2] && p180 > options.clsThreshold) {
        out[planIndex] = rotatePlan180(plans[planIndex]);
        rotated++;
      }
    });
  }
  return { plans: out, rotated };
}
