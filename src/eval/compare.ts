/**
 * `compareRuns(gt, runs, options)`: several runs (a base model, its fine-tune, the embedded detector…) scored
 * against one ground truth by the same protocol as `evaluate` (each run's numbers are exactly what
 * `evaluate` gives it), at one or more IoU thresholds, and for each pair of runs the hmean difference with
 * a paired bootstrap interval over images (bootstrap.ts).
 */
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import type { Sample } from '../core/types.js';
import { BOOTSTRAP_DEFAULTS, pairedBootstrap } from './bootstrap.js';
import { buildReport, EVAL_DEFAULTS, imageReports, scoresBySource, totalsOf, type EvalReport, type ImageReport, type RunTotals } from './evaluate.js';
import { scoreRuns, type EvalProblem, type ImageTable, type RunInput, type ScoredImage } from './runs.js';

const CompareOptionsSchema = z.object({
  iou: z.union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1)]).default(EVAL_DEFAULTS.iou),
  areaPrecision: z.number().min(0).max(1).default(EVAL_DEFAULTS.areaPrecision),
  match: z.enum(['greedy', 'optimal']).default(EVAL_DEFAULTS.match),
  by: z.enum(['source']).optional(),
  root: z.string().min(1).optional(),
  images: z.string().min(1).optional(),
  resamples: z.number().int().min(1).default(BOOTSTRAP_DEFAULTS.resamples),
  seed: z.number().int().default(BOOTSTRAP_DEFAULTS.seed),
});

export interface CompareOptions {
  /** One threshold or several (each scored and compared). Default 0.5. */
  iou?: number | number[];
  areaPrecision?: number;
  match?: 'greedy' | 'optimal';
  /** `source`: also score each subset. */
  by?: 'source';
  root?: string;
  images?: string;
  /** Bootstrap resamples. Default 1000. */
  resamples?: number;
  /** Bootstrap seed. Default 42. */
  seed?: number;
  onProblem?: (problem: EvalProblem) => void;
  /** Each scored image with its regions, matches and errors (the HTML report and errors.jsonl use it). */
  onImage?: (image: ScoredImage) => void | Promise<void>;
}

/** One run at one threshold; its `problems` are its predictions' (duplicates, ambiguous names). */
export interface RunScores extends RunTotals {
  name: string;
  iou: number;
}

/** hmean(a) − hmean(b) at one threshold, with its paired bootstrap interval. */
export interface PairScores {
  a: string;
  b: string;
  iou: number;
  hmeanDiff: number;
  ci95: [lo: number, hi: number];
  /** Share of resamples in which a's hmean is strictly above b's. */
  aBetterShare: number;
}

/** What a comparison was scored by and on: the protocol, the ground truth's counts, the bootstrap. */
export interface CompareHeader {
  protocol: 'icdar2015';
  iou: number[];
  areaPrecision: number;
  match: 'greedy' | 'optimal';
  images: number;
  /** The ground truth's regions, the same for every run. */
  gtCare: number;
  gtIgnored: number;
  gtInvalid: number;
  bootstrap: { resamples: number; seed: number; confidence: number; method: 'percentile'; order: 'image name' };
}

export interface CompareReport extends CompareHeader {
  /** Every run at the first threshold, then every run at the next… */
  runs: RunScores[];
  /** Every pair (i < j) of runs at each threshold, in the same order. */
  pairs: PairScores[];
  /** Problems found while scoring: all runs' and the ground truth's. */
  problems: number;
  /** Problems of the ground truth found while scoring (an image listed twice). */
  gtProblems: number;
  /** The per-image numbers of every run and threshold. */
  table: ImageTable;
}

export async function compareRuns(gt: AsyncIterable<Sample> | Iterable<Sample>, runs: readonly RunInput[], options: CompareOptions = {}): Promise<CompareReport> {
  const { onProblem, onImage, ...rest } = options;
  const opts = parseOptions(CompareOptionsSchema, rest, 'compareRuns');
  if (runs.length === 0) throw new UsageError('compareRuns: give at least one run');
  const names = runs.map((r) => r.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new UsageError(`compareRuns: two runs are named "${twice}"; give each run its own name`);
  const thresholds = [...new Set(Array.isArray(opts.iou) ? opts.iou : [opts.iou])];
  const scored = await scoreRuns(gt, runs, {
    iou: thresholds,
    areaPrecision: opts.areaPrecision,
    match: opts.match,
    ...(opts.root ? { root: opts.root } : {}),
    ...(opts.images ? { images: opts.images } : {}),
    ...(onProblem ? { onProblem } : {}),
    ...(onImage ? { onImage } : {}),
  });
  const { table } = scored;
  const runScores: RunScores[] = [];
  thresholds.forEach((iou, t) => {
    runs.forEach((run, r) => {
      const perImage: ImageReport[] = imageReports(table, r, t);
      const entry: RunScores = {
        name: run.name,
        iou,
        ...totalsOf(perImage),
        images: table.length,
        unknownImages: scored.unknownImages[r],
        problems: scored.runProblems[r],
      };
      if (opts.by === 'source') entry.bySource = scoresBySource(perImage);
      runScores.push(entry);
    });
  });
  const bootstrap = { resamples: opts.resamples, seed: opts.seed, confidence: BOOTSTRAP_DEFAULTS.confidence };
  const first = runScores[0];
  return {
    protocol: 'icdar2015',
    iou: thresholds,
    areaPrecision: opts.areaPrecision,
    match: opts.match,
    images: table.length,
    gtCare: first.gtCare,
    gtIgnored: first.gtIgnored,
    gtInvalid: first.gtInvalid,
    bootstrap: { ...bootstrap, method: 'percentile', order: 'image name' },
    runs: runScores,
    pairs: comparePairs(table, names, thresholds, bootstrap),
    problems: scored.gtProblems + scored.runProblems.reduce((a, b) => a + b, 0),
    gtProblems: scored.gtProblems,
    table,
  };
}

/** The header of a comparison, in the order the `--json` contract and the report list it. */
export function compareHeader(report: CompareHeader): CompareHeader {
  const { protocol, iou, areaPrecision, match, images, gtCare, gtIgnored, gtInvalid, bootstrap } = report;
  return { protocol, iou, areaPrecision, match, images, gtCare, gtIgnored, gtInvalid, bootstrap };
}

/**
 * One run at one threshold of a comparison, as `evaluate` reports it (what `ocrdet eval` prints for one
 * run). Its `problems` are the run's and the ground truth's.
 */
export function runReport(report: CompareReport, run: number, threshold: number, by?: 'source'): EvalReport {
  const scores = report.runs[threshold * (report.runs.length / report.iou.length) + run];
  return buildReport(imageReports(report.table, run, threshold), scores.unknownImages, scores.problems + report.gtProblems, {
    iou: report.iou[threshold],
    areaPrecision: report.areaPrecision,
    match: report.match,
    ...(by ? { by } : {}),
  });
}

/**
 * Every pair of runs at every threshold. Images are resampled in the order of their names, so the interval
 * does not depend on the order a file system lists the ground truth in.
 */
function comparePairs(table: ImageTable, names: readonly string[], thresholds: readonly number[], bootstrap: { resamples: number; seed: number; confidence: number }): PairScores[] {
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < names.length; a++) for (let b = a + 1; b < names.length; b++) pairs.push([a, b]);
  if (pairs.length === 0) return [];
  const order = table.images.map((_, i) => i).sort((i, j) => compareText(table.images[i], table.images[j]) || i - j);
  return thresholds.flatMap((iou, t) => {
    const columns = table.columns(t, order);
    return pairedBootstrap(columns.gtCare, columns.runs, pairs, bootstrap).map((p) => ({
      a: names[p.a],
      b: names[p.b],
      iou,
      hmeanDiff: p.hmeanDiff,
      ci95: p.interval,
      aBetterShare: p.aBetterShare,
    }));
  });
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
