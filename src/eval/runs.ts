/**
 * The streaming core behind `evaluate` and `compareRuns`: several runs (prediction sets) scored against one
 * ground truth, at one or more IoU thresholds, in one pass over the ground truth.
 *
 * Each run's predictions are read first and indexed by image (packed: see packed.ts); the ground truth then
 * streams through, and each image is scored for every run, the ground truth's polygons prepared once and each
 * run's IoU matrix computed once for all thresholds. What is kept per image is a few numbers (ImageTable);
 * whoever wants the regions themselves (the HTML report, the error list) gets each scored image through
 * `onImage` and lets it go. Pairing follows pairing.ts, per run: by path at once, by file name at the end,
 * so a name never steals another image's prediction.
 */
import path from 'node:path';
import { errorLine } from '../core/errors.js';
import type { Box, Detection, Point, Sample } from '../core/types.js';
import { bestIous, imageErrors, type RegionError } from './errors.js';
import { imageScores, type HmeanScores } from './hmean.js';
import { countsOf, matchPrepared, prepareGroundTruth, prepareImage, type ImageCounts, type RegionKind } from './image.js';
import type { MatchStrategyName } from './match.js';
import { packPolygons, unpackPolygons, type PackedPolygons } from './packed.js';
import { PredictionIndex } from './pairing.js';

export interface EvalProblem {
  /** The image concerned, as written in the ground truth or the predictions. */
  image: string;
  reason: string;
  /** The run's name, for a problem of one run's predictions when several runs are scored. */
  run?: string;
}

export interface RunInput {
  /** How the run is named in reports (a file's base name, `--name`). */
  name: string;
  predictions: AsyncIterable<Detection> | Iterable<Detection>;
}

export interface ScoreRunsOptions {
  /** Thresholds, each scored (a match needs IoU strictly above it). */
  iou: readonly number[];
  areaPrecision: number;
  match: MatchStrategyName;
  root?: string;
  images?: string;
  /** Each scored image with its regions, matches and errors (keeps the regions' texts to give them here). */
  onImage?: (image: ScoredImage) => void | Promise<void>;
  onProblem?: (problem: EvalProblem) => void;
}

export interface ScoredRegion {
  points: Point[];
  text?: string;
  kind: RegionKind;
}

/** One run on one image at one threshold. */
export interface ScoredThreshold extends ImageCounts, HmeanScores {
  iou: number;
  /** Matches as [ground-truth index, detection index]. */
  pairs: Array<[number, number]>;
  /** Misses then false alarms (errors.ts). */
  errors: RegionError[];
}

export interface ScoredRun {
  /** False when the run has no prediction for this image (scored as "detected nothing"). */
  predicted: boolean;
  error?: string;
  detections: ScoredRegion[];
  /** One entry per threshold, in the order given. */
  byIou: ScoredThreshold[];
}

/** One ground-truth image scored for every run. */
export interface ScoredImage {
  /** Position in the ground truth (0-based). */
  slot: number;
  /** As shown: relative to the images folder or dataset root when inside one. */
  image: string;
  /** As the ground truth gives it (for reading the picture). */
  path: string;
  source?: string;
  /** From the ground truth; 0 when unknown. */
  width: number;
  height: number;
  gt: ScoredRegion[];
  /** One entry per run, in the order given. */
  runs: ScoredRun[];
}

/**
 * A few numbers per image, for every run and threshold: enough for the set's scores, subsets, per-image
 * scores and the bootstrap, at ~40 bytes per image and run.
 */
export class ImageTable {
  readonly images: string[] = [];
  readonly sources: Array<string | undefined> = [];
  /** gtCare, gtIgnored, gtInvalid per image. */
  private readonly gt: number[] = [];
  /** detCare, detIgnored, detInvalid, predicted (0/1) per image and run. */
  private readonly det: number[] = [];
  /** matched per image, run and threshold. */
  private readonly matchedCounts: number[] = [];
  /** The detector's error per image, per run (rare). */
  private readonly errors: Array<Map<number, string>>;

  constructor(
    readonly runs: number,
    readonly thresholds: number,
  ) {
    this.errors = Array.from({ length: runs }, () => new Map());
  }

  get length(): number {
    return this.images.length;
  }

  /** A new row (filled by `set`); returns its slot. */
  reserve(image: string, source: string | undefined): number {
    this.images.push(image);
    this.sources.push(source);
    this.gt.push(0, 0, 0);
    for (let r = 0; r < this.runs; r++) this.det.push(0, 0, 0, 0);
    for (let k = 0; k < this.runs * this.thresholds; k++) this.matchedCounts.push(0);
    return this.images.length - 1;
  }

  setGroundTruth(slot: number, counts: Pick<ImageCounts, 'gtCare' | 'gtIgnored' | 'gtInvalid'>): void {
    this.gt[slot * 3] = counts.gtCare;
    this.gt[slot * 3 + 1] = counts.gtIgnored;
    this.gt[slot * 3 + 2] = counts.gtInvalid;
  }

  setRun(slot: number, run: number, counts: Pick<ImageCounts, 'detCare' | 'detIgnored' | 'detInvalid'>, predicted: boolean, error?: string): void {
    const at = (slot * this.runs + run) * 4;
    this.det[at] = counts.detCare;
    this.det[at + 1] = counts.detIgnored;
    this.det[at + 2] = counts.detInvalid;
    this.det[at + 3] = predicted ? 1 : 0;
    if (error) this.errors[run].set(slot, error);
  }

  setMatched(slot: number, run: number, threshold: number, matched: number): void {
    this.matchedCounts[(slot * this.runs + run) * this.thresholds + threshold] = matched;
  }

  counts(slot: number, run: number, threshold: number): ImageCounts {
    const at = (slot * this.runs + run) * 4;
    return {
      matched: this.matchedCounts[(slot * this.runs + run) * this.thresholds + threshold],
      gtCare: this.gt[slot * 3],
      detCare: this.det[at],
      gtIgnored: this.gt[slot * 3 + 1],
      detIgnored: this.det[at + 1],
      gtInvalid: this.gt[slot * 3 + 2],
      detInvalid: this.det[at + 2],
    };
  }

  predicted(slot: number, run: number): boolean {
    return this.det[(slot * this.runs + run) * 4 + 3] === 1;
  }

  error(slot: number, run: number): string | undefined {
    return this.errors[run].get(slot);
  }

  /** Per-image columns for the bootstrap: gtCare, and each run's matched and detCare, at one threshold. */
  columns(threshold: number, order?: readonly number[]): { gtCare: Int32Array; runs: Array<{ matched: Int32Array; detCare: Int32Array }> } {
    const slots = order ?? this.images.map((_, i) => i);
    const gtCare = Int32Array.from(slots, (slot) => this.gt[slot * 3]);
    const runs = Array.from({ length: this.runs }, (_, run) => ({
      matched: Int32Array.from(slots, (slot) => this.matchedCounts[(slot * this.runs + run) * this.thresholds + threshold]),
      detCare: Int32Array.from(slots, (slot) => this.det[(slot * this.runs + run) * 4]),
    }));
    return { gtCare, runs };
  }
}

export interface ScoredRuns {
  table: ImageTable;
  /** Per run: predicted images not in the ground truth, as the predictions name them. */
  unknownImages: string[][];
  /** Per run: problems of its predictions found here (duplicates, ambiguous names). */
  runProblems: number[];
  /** Problems of the ground truth found here (an image listed twice). */
  gtProblems: number;
}

interface PredictedImage {
  polygons: PackedPolygons;
  texts?: Array<string | undefined>;
  error?: string;
}

/** A prediction to look up by file name once every path match is known. */
const DEFERRED = Symbol('deferred');
type Found = PredictedImage | undefined | typeof DEFERRED;

interface PackedSample extends Omit<Sample, 'regions'> {
  polygons: PackedPolygons;
  ignore: boolean[];
  texts?: Array<string | undefined>;
}

/** A ground-truth image waiting for name matching, packed. */
interface PendingImage {
  slot: number;
  sample: PackedSample;
  found: Found[];
}

export async function scoreRuns(
  gt: AsyncIterable<Sample> | Iterable<Sample>,
  runs: readonly RunInput[],
  options: ScoreRunsOptions,
): Promise<ScoredRuns> {
  const keepText = options.onImage !== undefined;
  const runProblems = runs.map(() => 0);
  let gtProblems = 0;
  const several = runs.length > 1;
  const indexes: Array<PredictionIndex<PredictedImage>> = [];
  for (const [r, run] of runs.entries()) {
    const index = new PredictionIndex<PredictedImage>({ root: options.root, images: options.images, cwd: process.cwd() });
    for await (const detection of run.predictions) {
      if (!index.add(detection.image, packPrediction(detection, keepText))) {
        runProblems[r]++;
        options.onProblem?.({ image: detection.image, reason: 'predicted more than once; the last prediction is used', ...(several ? { run: run.name } : {}) });
      }
    }
    indexes.push(index);
  }

  const table = new ImageTable(runs.length, options.iou.length);
  const bases = displayBases(options);
  const pending: PendingImage[] = [];
  const seen = new Set<string>();
  for await (const sample of gt) {
    const key = path.resolve(sample.image);
    if (seen.has(key)) {
      gtProblems++;
      options.onProblem?.({ image: sample.image, reason: 'appears more than once in the ground truth; each copy is scored' });
    }
    seen.add(key);
    const slot = table.reserve(displayName(sample.image, bases), sample.source || undefined);
    const found: Found[] = indexes.map((index) => index.takeByPath(sample.image) ?? (index.hasName(sample.image) ? DEFERRED : undefined));
    if (found.includes(DEFERRED)) pending.push({ slot, sample: packSample(sample, keepText), found });
    else await scoreOne(slot, sample, found as Array<PredictedImage | undefined>);
  }
  for (const waiting of pending) {
    const found = waiting.found.map((value, r) => {
      if (value !== DEFERRED) return value;
      const byName = indexes[r].takeByName(waiting.sample.image);
      if (byName.kind === 'ambiguous') {
        runProblems[r]++;
        const reason = `no prediction by path and ${byName.candidates.length} by file name (${byName.candidates.join(', ')}); counted as detecting nothing`;
        options.onProblem?.({ image: waiting.sample.image, reason, ...(several ? { run: runs[r].name } : {}) });
      }
      return byName.kind === 'found' ? byName.value : undefined;
    });
    await scoreOne(waiting.slot, unpackSample(waiting.sample), found);
  }
  return { table, unknownImages: indexes.map((index) => index.unclaimed()), runProblems, gtProblems };

  async function scoreOne(slot: number, sample: Sample, found: ReadonlyArray<PredictedImage | undefined>): Promise<void> {
    const given = sample.regions ?? [];
    const regions = given.map((r) => ({ points: Array.isArray(r?.points) ? r.points : [], ignore: r?.ignore === true }));
    const truth = prepareGroundTruth(regions);
    table.setGroundTruth(slot, { gtCare: truth.care.length, gtIgnored: truth.dontCare.length, gtInvalid: truth.invalid });
    const scoredRuns: ScoredRun[] = [];
    found.forEach((predicted, r) => {
      const detections = predicted ? unpackPolygons(predicted.polygons) : [];
      const prepared = prepareImage(truth, detections, options.areaPrecision);
      table.setRun(slot, r, prepared, predicted !== undefined, predicted?.error);
      const best = keepText ? bestIous(prepared) : undefined;
      const byIou: ScoredThreshold[] = [];
      options.iou.forEach((iou, t) => {
        const pairs = matchPrepared(prepared, iou, options.match);
        table.setMatched(slot, r, t, pairs.length);
        if (best) {
          const counts = countsOf(prepared, pairs.length);
          byIou.push({ iou, ...counts, ...imageScores(counts), pairs, errors: imageErrors(prepared, pairs, best) });
        }
      });
      if (keepText) {
        scoredRuns.push({
          predicted: predicted !== undefined,
          ...(predicted?.error ? { error: predicted.error } : {}),
          detections: detections.map((points, i) => withText({ points, kind: prepared.detKinds[i] }, predicted?.texts?.[i])),
          byIou,
        });
      }
    });
    if (!options.onImage) return;
    await options.onImage({
      slot,
      image: table.images[slot],
      path: sample.image,
      ...(sample.source ? { source: sample.source } : {}),
      width: sample.width || 0,
      height: sample.height || 0,
      gt: regions.map((region, i) => withText({ points: region.points, kind: truth.kinds[i] }, given[i]?.text)),
      runs: scoredRuns,
    });
  }
}

function withText(region: ScoredRegion, text: string | undefined): ScoredRegion {
  return typeof text === 'string' && text !== '' ? { ...region, text } : region;
}

function packPrediction(detection: Detection, keepText: boolean): PredictedImage {
  const regions = detection.regions ?? [];
  const entry: PredictedImage = { polygons: packPolygons(regions.map((r) => r?.points)) };
  if (keepText && regions.some((r) => r?.text)) entry.texts = regions.map((r) => r?.text);
  if (detection.error) entry.error = errorLine(detection.error);
  return entry;
}

/**
 * A ground-truth sample waiting for name matching, reduced to what scoring needs: its polygons (packed),
 * don't-care flags, and the texts only when they are wanted.
 */
function packSample(sample: Sample, keepText: boolean): PackedSample {
  const regions = sample.regions ?? [];
  return {
    image: sample.image,
    width: sample.width,
    height: sample.height,
    ...(sample.source ? { source: sample.source } : {}),
    polygons: packPolygons(regions.map((r) => r?.points)),
    ignore: regions.map((r) => r?.ignore === true),
    ...(keepText ? { texts: regions.map((r) => r?.text) } : {}),
  };
}

function unpackSample(packed: PackedSample): Sample {
  const regions = unpackPolygons(packed.polygons).map((points, i) => ({
    points,
    box: [0, 0, 0, 0] as Box,
    ...(packed.ignore[i] ? { ignore: true } : {}),
    ...(packed.texts?.[i] ? { text: packed.texts[i] } : {}),
  }));
  return { image: packed.image, width: packed.width, height: packed.height, regions, ...(packed.source ? { source: packed.source } : {}) };
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
