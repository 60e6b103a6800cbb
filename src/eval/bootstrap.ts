/**
 * The paired bootstrap over images: is run A's hmean above run B's by more than the luck of which images
 * were in the test set? Images are drawn with replacement (as many as the set holds), every run is scored on
 * the same draw (paired), and the hmean of each run is computed from the draw's summed counts, exactly as the
 * set's own hmean is (setScores: counts summed, never images averaged). Repeated `resamples` times, the
 * differences A − B give a percentile interval (Efron & Tibshirani 1993, ch. 13; the paired form is Koehn
 * 2004's "Statistical significance tests for machine translation evaluation", whose 1,000 resamples
 * sacrebleu's `--paired-bs` also uses by default).
 *
 * Deterministic: a seeded generator (mulberry32) draws the images in the order given, so the same counts,
 * seed and number of resamples always give the same interval. Pure: arrays of counts in, numbers out.
 */
import { harmonicMean } from './hmean.js';

export const BOOTSTRAP_DEFAULTS = Object.freeze({
  /** Koehn (2004) and sacrebleu's paired bootstrap (`--paired-bs-n 1000`). */
  resamples: 1000,
  /** The project's usual seed (data convert --seed). */
  seed: 42,
  /** A 95 % interval. */
  confidence: 0.95,
});

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  confidence?: number;
}

/**
 * One run's per-image counts, in the same image order for every run. `gtCare` is shared by all runs (the
 * ground truth), `matched` and `detCare` belong to the run.
 */
export interface RunImageCounts {
  matched: ArrayLike<number>;
  detCare: ArrayLike<number>;
}

export interface PairInterval {
  /** Indices into the runs given. */
  a: number;
  b: number;
  /** hmean(A) − hmean(B) on the whole set (not a bootstrap mean). */
  hmeanDiff: number;
  /** The percentile interval of the resampled differences at the confidence asked for. */
  interval: [lo: number, hi: number];
  /** Share of resamples in which A's hmean is strictly above B's. */
  aBetterShare: number;
}

/** mulberry32 (Tommy Ettinger's public-domain 32-bit generator): a float in [0, 1) per call. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile of sorted values, linearly interpolated between order statistics (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

function hmeanOf(matched: number, gtCare: number, detCare: number): number {
  const recall = gtCare === 0 ? 0 : matched / gtCare;
  const precision = detCare === 0 ? 0 : matched / detCare;
  return harmonicMean(precision, recall);
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/**
 * Intervals for hmean(A) − hmean(B) of each pair, all from the same resamples. With no image, every
 * interval is the (zero) difference itself.
 */
export function pairedBootstrap(
  gtCare: ArrayLike<number>,
  runs: readonly RunImageCounts[],
  pairs: ReadonlyArray<readonly [a: number, b: number]>,
  options: BootstrapOptions = {},
): PairInterval[] {
  const { resamples, seed, confidence } = { ...BOOTSTRAP_DEFAULTS, ...options };
  const images = gtCare.length;
  const fullGt = sum(gtCare);
  const full = runs.map((run) => hmeanOf(sum(run.matched), fullGt, sum(run.detCare)));
  const diffs = pairs.map(() => new Float64Array(images === 0 ? 0 : resamples));
  const random = seededRandom(seed);
  const matched = new Float64Array(runs.length);
  const detCare = new Float64Array(runs.length);
  const hmeans = new Float64Array(runs.length);
  for (let k = 0; k < (images === 0 ? 0 : resamples); k++) {
    matched.fill(0);
    detCare.fill(0);
    let gt = 0;
    for (let n = 0; n < images; n++) {
      const i = Math.floor(random() * images);
      gt += gtCare[i];
      for (let r = 0; r < runs.length; r++) {
        matched[r] += runs[r].matched[i];
        detCare[r] += runs[r].detCare[i];
      }
    }
    for (let r = 0; r < runs.length; r++) hmeans[r] = hmeanOf(matched[r], gt, detCare[r]);
    pairs.forEach(([a, b], p) => (diffs[p][k] = hmeans[a] - hmeans[b]));
  }
  const tail = (1 - confidence) / 2;
  return pairs.map(([a, b], p) => {
    const hmeanDiff = full[a] - full[b];
    if (images === 0) return { a, b, hmeanDiff, interval: [hmeanDiff, hmeanDiff], aBetterShare: 0 };
    const sorted = diffs[p].sort();
    let better = 0;
    for (const d of sorted) if (d > 0) better++;
    return { a, b, hmeanDiff, interval: [quantile(sorted, tail), quantile(sorted, 1 - tail)], aBetterShare: better / resamples };
  });
}
