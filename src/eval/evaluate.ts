/**
 * `evaluate(gt, predictions, options)`: ICDAR 2015 hmean-IoU over a whole set, as PaddleOCR's
 * ppocr/metrics/eval_det_iou.py computes it (counts summed over all images, then precision / recall / hmean),
 * with a per-image breakdown and, optionally, one per source (subset).
 *
 * Predictions are read first (they are indexed by image); the ground truth then streams through, one image
 * scored at a time. A ground-truth image without a prediction counts as "detected nothing"; predictions for
 * images that are not in the ground truth are listed in `unknownImages`, never silently dropped.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../core/options.js';
import { errorLine } from '../core/errors.js';
import type { Box, Detection, Sample } from '../core/types.js';
import { addCounts, imageScores, setScores, type HmeanCounts, type HmeanScores } from './hmean.js';
import { emptyImageCounts, scoreImage, type GroundTruthPolygon, type ImageCounts } from './image.js';
import { packPolygons, unpackPolygons, type PackedPolygons } from './packed.js';
import { PredictionIndex } from './pairing.js';

/** The defaults, and where each comes from. */
export const EVAL_DEFAULTS = Object.freeze({
  /** ICDAR 2015 / PaddleOCR DetectionIoUEvaluator(iou_constraint=0.5): a match needs IoU > 0.5. */
  iou: 0.5,
  /** PaddleOCR DetectionIoUEvaluator(area_precision_constraint=0.5): > 50 % inside a don't-care region. */
  areaPrecision: 0.5,
  /** PaddleOCR's greedy order; `optimal` is MMOCR's max_matching. */
  match: 'greedy' as const,
});

const EvalOptionsSchema = z.object({
  iou: z.number().min(0).max(1).default(EVAL_DEFAULTS.iou),
  areaPrecision: z.number().min(0).max(1).default(EVAL_DEFAULTS.areaPrecision),
  match: z.enum(['greedy', 'optimal']).default(EVAL_DEFAULTS.match),
  by: z.enum(['source']).optional(),
  root: z.string().min(1).optional(),
  images: z.string().min(1).optional(),
});

export interface EvalProblem {
  /** The image concerned, as written in the ground truth or the predictions. */
  image: string;
  reason: string;
}

export interface EvaluateOptions {
  /** IoU a match must exceed (strictly). Default 0.5. */
  iou?: number;
  /** Share of a detection's area inside a don't-care region above which it is ignored. Default 0.5. */
  areaPrecision?: number;
  /** `greedy` (PaddleOCR, default) or `optimal` (maximum bipartite matching, as MMOCR's max_matching). */
  match?: 'greedy' | 'optimal';
  /** `source`: also score each subset (the sample's `source`). */
  by?: 'source';
  /** Dataset root: predictions' relative paths resolve against it; per-image names are shown relative to it. */
  root?: string;
  /** Folder holding the images when it is not the dataset root (`--images`). */
  images?: string;
  /** Told about duplicate predictions, duplicate ground-truth images and ambiguous file names. */
  onProblem?: (problem: EvalProblem) => void;
}

/** Counts and scores of one image; scores follow the per-image zero rules of `imageScores`. */
export interface ImageReport extends ImageCounts, HmeanScores {
  /** Relative to the dataset root (or images folder) when inside it, else as given. */
  image: string;
  source?: string;
  /** False when no prediction named this image (scored as "detected nothing"). */
  predicted: boolean;
  /** The detector's error for this image, when the prediction carries one. */
  error?: string;
}

export interface SubsetReport extends HmeanCounts, HmeanScores {
  images: number;
}

export interface EvalReport extends ImageCounts, HmeanScores {
  /** Always `icdar2015`: hmean-IoU with don't-care regions, counts summed over the set. */
  protocol: 'icdar2015';
  iou: number;
  areaPrecision: number;
  match: 'greedy' | 'optimal';
  /** Ground-truth images scored. */
  images: number;
  /** Ground-truth images no prediction named (each scored as "detected nothing"). */
  imagesWithoutPrediction: number;
  /** Predictions that carry an `error` (the detector failed on that image; scored as "detected nothing"). */
  predictionErrors: number;
  /** Predicted images that are not in the ground truth, as the predictions name them. */
  unknownImages: string[];
  /** Problems `evaluate` itself found (also passed to `onProblem`). */
  problems: number;
  /** Per source, sorted by name (with `by: 'source'`). Images without a source count under "(none)". */
  bySource?: Record<string, SubsetReport>;
  /** One entry per ground-truth image, in ground-truth order (see `worstImagesFirst`). */
  perImage: ImageReport[];
}

/** A ground-truth image waiting for name matching, packed: only its polygons, flags and names are kept. */
interface PendingImage {
  slot: number;
  image: string;
  source?: string;
  polygons: PackedPolygons;
  ignore: boolean[];
}

interface PredictedImage {
  polygons: PackedPolygons;
  error?: string;
}

/** The sample's subset for `--by source`. */
export const NO_SOURCE = '(none)';

export async function evaluate(
  gt: AsyncIterable<Sample> | Iterable<Sample>,
  predictions: AsyncIterable<Detection> | Iterable<Detection>,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const { onProblem, ...rest } = options;
  const opts = parseOptions(EvalOptionsSchema, rest, 'evaluate');
  let problems = 0;
  const problem = (image: string, reason: string): void => {
    problems++;
    onProblem?.({ image, reason });
  };
  const index = new PredictionIndex<PredictedImage>({ root: opts.root, images: opts.images, cwd: process.cwd() });
  for await (const detection of predictions) {
    const polygons = packPolygons((detection.regions ?? []).map((r) => r?.points));
    const entry: PredictedImage = detection.error ? { polygons, error: errorLine(detection.error) } : { polygons };
    if (!index.add(detection.image, entry)) {
      problem(detection.image, 'predicted more than once; the last prediction is used');
    }
  }

  const perImage: ImageReport[] = [];
  const pending: PendingImage[] = [];
  const seen = new Set<string>();
  const bases = displayBases(opts);
  const score = (slot: number, sample: Sample, predicted: PredictedImage | undefined): void => {
    perImage[slot] = scoreSample(sample, predicted, opts, displayName(sample.image, bases));
  };
  const pack = (slot: number, sample: Sample): PendingImage => ({
    slot,
    image: sample.image,
    ...(sample.source ? { source: sample.source } : {}),
    polygons: packPolygons((sample.regions ?? []).map((r) => r?.points)),
    ignore: (sample.regions ?? []).map((r) => r?.ignore === true),
  });
  for await (const sample of gt) {
    const key = path.resolve(sample.image);
    if (seen.has(key)) problem(sample.image, 'appears more than once in the ground truth; each copy is scored');
    seen.add(key);
    const slot = perImage.length;
    perImage.push(undefined as unknown as ImageReport); // filled now, or after name matching
    const byPath = index.takeByPath(sample.image);
    if (byPath) score(slot, sample, byPath);
    else if (index.hasName(sample.image)) pending.push(pack(slot, sample));
    else score(slot, sample, undefined);
  }
  // File-name matches wait until every path match is known, so a name never steals another image's prediction.
  for (const waiting of pending) {
    const byName = index.takeByName(waiting.image);
    if (byName.kind === 'ambiguous') {
      problem(waiting.image, `no prediction by path and ${byName.candidates.length} by file name (${byName.candidates.join(', ')}); counted as detecting nothing`);
    }
    score(waiting.slot, unpack(waiting), byName.kind === 'found' ? byName.value : undefined);
  }
  return buildReport(perImage, index.unclaimed(), problems, opts);
}

function unpack(waiting: PendingImage): Sample {
  const regions = unpackPolygons(waiting.polygons).map((points, i) => ({ points, box: [0, 0, 0, 0] as Box, ignore: waiting.ignore[i] }));
  return { image: waiting.image, width: 0, height: 0, regions, ...(waiting.source ? { source: waiting.source } : {}) };
}

function scoreSample(
  sample: Sample,
  predicted: PredictedImage | undefined,
  opts: z.infer<typeof EvalOptionsSchema>,
  image: string,
): ImageReport {
  const regions: GroundTruthPolygon[] = (sample.regions ?? []).map((r) => ({
    points: Array.isArray(r.points) ? r.points : [],
    ignore: r.ignore === true,
  }));
  const detections = predicted ? unpackPolygons(predicted.polygons) : [];
  const { pairs: _pairs, ...counts } = scoreImage(regions, detections, opts);
  const report: ImageReport = { image, ...counts, ...imageScores(counts), predicted: predicted !== undefined };
  if (sample.source) report.source = sample.source;
  if (predicted?.error) report.error = predicted.error;
  return report;
}

/** The image relative to the images folder or dataset root when inside one, else as given. */
function displayName(image: string, bases: readonly string[]): string {
  const absolute = path.resolve(image);
  for (const base of bases) {
    if (absolute.startsWith(base)) return absolute.slice(base.length).split(path.sep).join('/');
  }
  return image;
}

/** `--images` then the root, absolute, each ending with a separator. */
function displayBases(opts: { root?: string; images?: string }): string[] {
  return [opts.images, opts.root].filter((b): b is string => Boolean(b)).map((b) => path.join(path.resolve(b), path.sep));
}

function buildReport(
  perImage: ImageReport[],
  unknownImages: string[],
  problems: number,
  opts: z.infer<typeof EvalOptionsSchema>,
): EvalReport {
  const total = emptyImageCounts();
  let withoutPrediction = 0;
  let predictionErrors = 0;
  for (const image of perImage) {
    addCounts(total, image);
    total.gtIgnored += image.gtIgnored;
    total.detIgnored += image.detIgnored;
    total.gtInvalid += image.gtInvalid;
    total.detInvalid += image.detInvalid;
    if (!image.predicted) withoutPrediction++;
    if (image.error) predictionErrors++;
  }
  const report: EvalReport = {
    ...setScores(total),
    ...total,
    protocol: 'icdar2015',
    iou: opts.iou,
    areaPrecision: opts.areaPrecision,
    match: opts.match,
    images: perImage.length,
    imagesWithoutPrediction: withoutPrediction,
    predictionErrors,
    unknownImages,
    problems,
    perImage,
  };
  if (opts.by === 'source') report.bySource = scoresBySource(perImage);
  return report;
}

/** Counts summed per source, then scored as sets (never an average of images). */
export function scoresBySource(perImage: readonly ImageReport[]): Record<string, SubsetReport> {
  const sums = new Map<string, HmeanCounts & { images: number }>();
  for (const image of perImage) {
    const source = image.source ?? NO_SOURCE;
    const sum = sums.get(source) ?? { matched: 0, gtCare: 0, detCare: 0, images: 0 };
    addCounts(sum, image);
    sum.images++;
    sums.set(source, sum);
  }
  const out: Record<string, SubsetReport> = {};
  for (const source of [...sums.keys()].sort()) {
    const sum = sums.get(source)!;
    out[source] = { ...setScores(sum), ...sum };
  }
  return out;
}

/**
 * Images ordered worst first: lowest per-image hmean, then most errors (missed ground truth + false
 * detections), then name. The order a person wants when looking at failures.
 */
export function worstImagesFirst(perImage: readonly ImageReport[]): ImageReport[] {
  const errors = (r: ImageReport): number => r.gtCare - r.matched + (r.detCare - r.matched);
  return [...perImage].sort((a, b) => a.hmean - b.hmean || errors(b) - errors(a) || a.image.localeCompare(b.image));
}
