/**
 * `evaluate(gt, predictions, options)`: ICDAR 2015 hmean-IoU over a whole set, as PaddleOCR's
 * ppocr/metrics/eval_det_iou.py computes it (counts summed over all images, then precision / recall / hmean),
 * with a per-image breakdown and, optionally, one per source (subset).
 *
 * Predictions are read first (they are indexed by image); the ground truth then streams through, one image
 * scored at a time. A ground-truth image without a prediction counts as "detected nothing"; predictions for
 * images that are not in the ground truth are listed in `unknownImages`, never silently dropped.
 */
import { z } from 'zod';
import { parseOptions } from '../core/options.js';
import type { Detection, Sample } from '../core/types.js';
import { addCounts, imageScores, setScores, type HmeanCounts, type HmeanScores } from './hmean.js';
import { emptyImageCounts, type ImageCounts } from './image.js';
import { scoreRuns, type EvalProblem, type ImageTable } from './runs.js';

export type { EvalProblem } from './runs.js';

/** The defaults, and where each comes from. */
export const EVAL_DEFAULTS = Object.freeze({
  /** ICDAR 2015 / PaddleOCR DetectionIoUEvaluator(iou_constraint=0.5): a match needs IoU > 0.5. */
  iou: 0.5,
  /** PaddleOCR DetectionIoUEvaluator(area_precision_constraint=0.5): > 50 % inside a don't-care region. */
  areaPrecision: 0.5,
  /** PaddleOCR's greedy order; `optimal` is MMOCR's max_matching. */
  match: 'greedy' as const,
});

export const EvalOptionsSchema = z.object({
  iou: z.number().min(0).max(1).default(EVAL_DEFAULTS.iou),
  areaPrecision: z.number().min(0).max(1).default(EVAL_DEFAULTS.areaPrecision),
  match: z.enum(['greedy', 'optimal']).default(EVAL_DEFAULTS.match),
  by: z.enum(['source']).optional(),
  root: z.string().min(1).optional(),
  images: z.string().min(1).optional(),
});

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

/** One run's totals at one threshold: its scores, counts and what went wrong in pairing. */
export interface RunTotals extends ImageCounts, HmeanScores {
  /** Ground-truth images scored. */
  images: number;
  /** Ground-truth images no prediction named (each scored as "detected nothing"). */
  imagesWithoutPrediction: number;
  /** Predictions that carry an `error` (the detector failed on that image; scored as "detected nothing"). */
  predictionErrors: number;
  /** Predicted images that are not in the ground truth, as the predictions name them. */
  unknownImages: string[];
  /** Problems the evaluator itself found (also passed to `onProblem`). */
  problems: number;
  /** Per source, sorted by name (with `by: 'source'`). Images without a source count under "(none)". */
  bySource?: Record<string, SubsetReport>;
}

export interface EvalReport extends RunTotals {
  /** Always `icdar2015`: hmean-IoU with don't-care regions, counts summed over the set. */
  protocol: 'icdar2015';
  iou: number;
  areaPrecision: number;
  match: 'greedy' | 'optimal';
  /** One entry per ground-truth image, in ground-truth order (see `worstImagesFirst`). */
  perImage: ImageReport[];
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
  const scored = await scoreRuns(gt, [{ name: '', predictions }], { ...opts, iou: [opts.iou], ...(onProblem ? { onProblem } : {}) });
  const perImage = imageReports(scored.table, 0, 0);
  return buildReport(perImage, scored.unknownImages[0], scored.runProblems[0] + scored.gtProblems, opts);
}

/** One run's per-image reports at one threshold, in ground-truth order. */
export function imageReports(table: ImageTable, run: number, threshold: number): ImageReport[] {
  return table.images.map((image, slot) => {
    const counts = table.counts(slot, run, threshold);
    const report: ImageReport = { image, ...counts, ...imageScores(counts), predicted: table.predicted(slot, run) };
    const source = table.sources[slot];
    if (source) report.source = source;
    const error = table.error(slot, run);
    if (error) report.error = error;
    return report;
  });
}

/** The totals of one run's per-image reports (counts summed, then scored). */
export function totalsOf(perImage: readonly ImageReport[]): ImageCounts & HmeanScores & { imagesWithoutPrediction: number; predictionErrors: number } {
  const total = emptyImageCounts();
  let imagesWithoutPrediction = 0;
  let predictionErrors = 0;
  for (const image of perImage) {
    addCounts(total, image);
    total.gtIgnored += image.gtIgnored;
    total.detIgnored += image.detIgnored;
    total.gtInvalid += image.gtInvalid;
    total.detInvalid += image.detInvalid;
    if (!image.predicted) imagesWithoutPrediction++;
    if (image.error) predictionErrors++;
  }
  return { ...setScores(total), ...total, imagesWithoutPrediction, predictionErrors };
}

/** The report of one run from its per-image reports. */
export function buildReport(
  perImage: ImageReport[],
  unknownImages: string[],
  problems: number,
  opts: Pick<z.infer<typeof EvalOptionsSchema>, 'iou' | 'areaPrecision' | 'match' | 'by'>,
): EvalReport {
  const { imagesWithoutPrediction, predictionErrors, ...totals } = totalsOf(perImage);
  const report: EvalReport = {
    ...totals,
    protocol: 'icdar2015',
    iou: opts.iou,
    areaPrecision: opts.areaPrecision,
    match: opts.match,
    images: perImage.length,
    imagesWithoutPrediction,
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
