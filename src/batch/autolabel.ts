/**
 * `autolabel`: unlabelled images → fine-tuning data, with the labels laid out for a person to review. Most
 * people who want to fine-tune a multimodal model on their own documents have images and no annotations;
 * the embedded detector and recogniser label them (distillation), a person corrects what matters, and the
 * corrected labels convert like any dataset.
 *
 *   autolabel(images) = detect (ppocr, resumable: OUT/detections.jsonl, ./run.ts)
 *                     → convert the results as a dataset (datasets/convert.ts: OUT/train.jsonl, val.jsonl,
 *                       ocrdet-data.json, report.json; unsure regions don't care, datasets/readers/results.ts)
 *                     → review files for LabelMe and PPOCRLabel (datasets/review.ts: OUT/review/labelme/,
 *                       OUT/review/ppocr/; files that exist are never written over)
 *                     → preview pictures (datasets/preview.ts: OUT/preview/, don't care dashed grey).
 *
 * Everything the options can get wrong (the conversion's dialect, task, split…) is checked before the first
 * image is detected.
 */
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { ConvertOptions, ConvertProblem } from '../datasets/convert-options.js';
import type { ConvertReport } from '../datasets/convert-report.js';
import { resolveConvertOptions } from '../datasets/convert-options.js';
import { checkConvertOptions, convertDataset } from '../datasets/convert.js';
import { readDataset } from '../datasets/index.js';
import { previewDataset, type PreviewResult } from '../datasets/preview.js';
import { REVIEW_TOOLS, ReviewWriter, type ReviewSummary, type ReviewTool } from '../datasets/review.js';
import type { PpocrOptions } from '../detectors/ppocr/options.js';
import { expandInputs, type ImageInput } from './inputs.js';
import { safeRelative } from './overlays.js';
import { runBatch, type BatchSummary, type RunBatchOptions } from './run.js';

/** The files and folders autolabel writes under its `out` folder. */
export const AUTOLABEL_FILES = Object.freeze({ detections: 'detections.jsonl', review: 'review', preview: 'preview' });

export interface AutolabelOptions extends Pick<RunBatchOptions, 'concurrency' | 'retryErrors' | 'onProgress' | 'onNotice' | 'onImageError' | 'stopSignal' | 'signal'> {
  /** Image files, folders (searched recursively) and glob patterns. */
  inputs: readonly string[];
  /** The output folder (see AUTOLABEL_FILES; the conversion's files go in it directly). */
  out: string;
  /** Options of the embedded detector (model folder, threads…); recognition is on unless the task is boxes. */
  detectorOptions?: Omit<PpocrOptions, 'text'>;
  /** Detector score under which a region is don't care (datasets/readers/results.ts; default 0.7). */
  minScore?: number;
  /** Recogniser score under which a region is don't care, when the task needs text (default 0.5). */
  minTextScore?: number;
  /** How the labels are converted: output format, dialect, task, split… (datasets/convert-options.ts). */
  convert?: Omit<ConvertOptions, 'out' | 'format' | 'images' | 'minScore' | 'minTextScore' | 'probeImages' | 'onProblem' | 'onProgress'>;
  /** The annotation tools to lay the labels out for. Default both: labelme and ppocr (PPOCRLabel). */
  review?: readonly ReviewTool[];
  /** Images drawn into preview/ at most. Default: all of them; 0: none. */
  previewLimit?: number;
  /** A problem met while converting or drawing (a failed image, a region left out, a picture not drawn). */
  onProblem?: (problem: ConvertProblem) => void;
}

export interface AutolabelResult {
  /** The results file (the labels as detected). */
  detections: string;
  detect: BatchSummary;
  /** Undefined when detection was interrupted (nothing converted: rerun to finish). */
  convert?: ConvertReport;
  review?: ReviewSummary;
  preview?: PreviewResult;
}

/**
 * Names in the review folders, one per image, mirroring the input folders and keeping each image's own
 * name: LabelMe finds `<stem>.json` beside `<stem>.<ext>`, so two images whose stems differ only in extension
 * or case (`a.jpg`, `a.png`), or the same path under two inputs, are told apart as `a-2.png`.
 */
export function reviewNames(relativePaths: readonly string[]): string[] {
  const taken = new Set<string>();
  return relativePaths.map((path) => {
    const safe = safeRelative(path);
    const dot = safe.lastIndexOf('.');
    const [stem, ext] = dot > safe.lastIndexOf('/') ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ''];
    let name = safe;
    for (let n = 2; taken.has(`${name.slice(0, name.length - ext.length)}`.toLowerCase()); n++) name = `${stem}-${n}${ext}`;
    taken.add(name.slice(0, name.length - ext.length).toLowerCase());
    return name;
  });
}

function checkOptions(options: AutolabelOptions): { review: readonly ReviewTool[]; previewLimit: number } {
  const review = options.review ?? REVIEW_TOOLS;
  const unknown = review.filter((tool) => !REVIEW_TOOLS.includes(tool));
  if (unknown.length > 0) throw new UsageError(`${optionName('review')}: unknown tool ${unknown.map((t) => JSON.stringify(t)).join(', ')}; known: ${REVIEW_TOOLS.join(', ')}`, { details: optionDetails('review') });
  const previewLimit = options.previewLimit ?? Infinity;
  if (!(previewLimit === Infinity || (Number.isInteger(previewLimit) && previewLimit >= 0))) {
    throw new UsageError(`${optionName('previewLimit')} expects a whole number ≥ 0, got ${options.previewLimit}`, { details: optionDetails('previewLimit') });
  }
  return { review, previewLimit };
}

/** Detects, converts, lays out the labels for review and draws them (see the module comment). */
export async function autolabel(options: AutolabelOptions): Promise<AutolabelResult> {
  const { review, previewLimit } = checkOptions(options);
  const out = resolve(options.out);
  const thresholds = { ...(options.minScore !== undefined ? { minScore: options.minScore } : {}), ...(options.minTextScore !== undefined ? { minTextScore: options.minTextScore } : {}) };
  const convertOptions: ConvertOptions = { ...options.convert, ...thresholds, out, format: 'results' };
  const task = resolveConvertOptions(convertOptions).task;
  await checkConvertOptions(convertOptions);
  const images = await expandInputs(options.inputs);
  const detections = join(out, AUTOLABEL_FILES.detections);
  const detect = await runBatch({
    images,
    out: detections,
    backend: 'ppocr',
    // Every region is kept: the unsure ones become don't care when read back, never background. ppocr's own
    // recognition filter (PaddleOCR's drop_score) would drop them: it is turned off.
    detectorOptions: { minTextScore: 0, ...options.detectorOptions, text: task !== 'boxes' },
    ...pick(options, ['concurrency', 'retryErrors', 'onProgress', 'onNotice', 'onImageError', 'stopSignal', 'signal']),
  });
  if (detect.interrupted) return { detections, detect };
  const convert = await convertDataset(detections, { ...convertOptions, ...(options.onProblem ? { onProblem: options.onProblem } : {}) });
  const readThresholds = { ...thresholds, ...(task === 'text' ? {} : { minTextScore: 0 }) };
  const result: AutolabelResult = { detections, detect, convert };
  if (review.length > 0) result.review = await writeReview(detections, join(out, AUTOLABEL_FILES.review), review, images, readThresholds);
  if (previewLimit > 0) {
    result.preview = await previewDataset(detections, {
      out: join(out, AUTOLABEL_FILES.preview),
      limit: previewLimit,
      format: 'results',
      ...readThresholds,
      // The reader's problems were reported by the conversion; only pictures that cannot be drawn are new.
      onProblem: (problem) => {
        if (problem.kind === 'unreadable-image') options.onProblem?.(problem);
      },
    });
  }
  return result;
}

/**
 * The review files of every image in the results: named by their path below their input, or for images of
 * earlier runs on other inputs, by the path recorded. Two passes over the results keep memory to one name per image.
 */
async function writeReview(detections: string, folder: string, tools: readonly ReviewTool[], images: readonly ImageInput[], thresholds: { minScore?: number; minTextScore?: number }): Promise<ReviewSummary> {
  const below = new Map(images.map((image) => [resolve(image.path), image.relativePath]));
  // Problems of the results (failed images, bad lines) are the conversion's to report.
  const read = () => readDataset(detections, { format: 'results', ...thresholds, requireImages: true });
  const paths: string[] = [];
  for await (const sample of read()) paths.push(sample.image);
  const names = new Map(reviewNames(paths.map((path) => below.get(path) ?? relative(process.cwd(), path))).map((name, i) => [paths[i], name]));
  const writer = new ReviewWriter(folder, tools);
  for await (const sample of read()) await writer.add(sample, names.get(sample.image)!);
  return writer.finish();
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => object[key] !== undefined).map((key) => [key, object[key]])) as Partial<Pick<T, K>>;
}
