/**
 * `ocrdet eval --gt DATASET --pred A.jsonl [--pred B.jsonl …]`: ICDAR 2015 hmean-IoU of each run against the
 * ground truth, as PaddleOCR's evaluator computes it; with several runs, each pair's hmean difference and its
 * paired bootstrap interval; with `--report DIR`, the HTML report and errors.jsonl. A shell over
 * `compareRuns()` / `writeReport()`: flags → typed options → report → table or JSON (eval-output.ts).
 * Exit 0 when every input was used; 1 when something was skipped (bad lines or files, predictions for images
 * not in the ground truth, duplicates); 2 for usage errors.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { count } from '../core/plural.js';
import type { DatasetProblem } from '../datasets/problems.js';
import type { DatasetFormat } from '../datasets/reader.js';
import type { CompareReport, EvalProblem } from '../eval/index.js';
import type { ReportFiles } from '../eval/report/index.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { nonNegativeInt, numberIn, positiveInt, printJson, warn } from './output.js';
import { compareJson, printComparison, printSingle, singleJson, type RunFile } from './eval-output.js';

/** Collects a repeatable flag's values. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--iou 0.5,0.7`: every threshold, each in [0, 1]. */
function parseThresholds(value: string): number[] {
  const parse = numberIn('--iou', 0, 1);
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) throw new InvalidArgumentError(`--iou expects numbers in [0, 1] separated by commas, got "${value}"`);
  return parts.map(parse);
}

function integer(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} expects a whole number, got "${value}"`);
    return n;
  };
}

const FLAGS = {
  gt: { flags: '--gt <dataset>', description: "ground truth: any dataset ocrdet reads (folder or annotation file), or ocrdet's results JSONL", required: true, schema: z.string().min(1) },
  pred: {
    flags: '--pred <results>',
    description: 'predictions of one run: Detection JSONL (what `ocrdet detect` writes); repeat to compare runs',
    parse: collect,
    repeatable: true,
    schema: z.array(z.string().min(1)).min(1, 'is required: give the results file of at least one run'),
  },
  name: { flags: '--name <name>', description: "a run's name, in --pred order (default: the file's base name); repeatable", parse: collect, repeatable: true, schema: z.array(z.string().min(1)).default([]) },
  iou: { flags: '--iou <thresholds>', description: 'a match needs IoU strictly above this (default 0.5); several as 0.5,0.7, each reported', parse: parseThresholds, schema: z.array(z.number().min(0).max(1)).default([0.5]) },
  areaPrecision: {
    flags: '--area-precision <share>',
    description: "a detection more than this share inside a don't-care region is ignored",
    parse: numberIn('--area-precision', 0, 1),
    default: 0.5,
    schema: z.number().min(0).max(1),
  },
  match: { flags: '--match <strategy>', description: 'greedy (PaddleOCR, ground-truth order) or optimal (maximum bipartite matching, as MMOCR)', default: 'greedy', schema: z.enum(['greedy', 'optimal']) },
  by: { flags: '--by <key>', description: 'also score each subset: source (the dataset sub-folder or `source` field)', schema: z.enum(['source']).optional() },
  perImage: { flags: '--per-image', description: 'list every image, worst first', schema: z.boolean().default(false) },
  json: { flags: '--json', description: 'print one JSON object (see README, "ocrdet eval --json")', schema: z.boolean().default(false) },
  report: { flags: '--report <dir>', description: 'write DIR/index.html (tables, differences, pictures of every image) and DIR/errors.jsonl', schema: z.string().min(1).optional() },
  reportMaxSide: {
    flags: '--report-max-side <px>',
    description: "longer side of the report's pictures (default 800; 0: no pictures)",
    parse: nonNegativeInt('--report-max-side'),
    schema: z.number().int().min(0).optional(),
  },
  resamples: { flags: '--resamples <n>', description: 'paired bootstrap resamples for the intervals of differences', parse: positiveInt('--resamples'), default: 1000, schema: z.number().int().min(1) },
  seed: { flags: '--seed <n>', description: 'seed of the bootstrap (the same seed gives the same intervals)', parse: integer('--seed'), default: 42, schema: z.number().int() },
  // Checked by readDataset against the format registry, which lists the known names.
  format: {
    flags: '--format <format>',
    description: "ground-truth format: voc-quad, icdar2015, ppocr, labelme, coco, results (ocrdet's own) (default: detected from the path)",
    schema: z.string().min(1).optional(),
  },
  images: { flags: '--images <dir>', description: "where the ground truth's images are, when not where its format says", schema: z.string().min(1).optional() },
  minScore: {
    flags: '--min-score <score>',
    description: "ground truth that is ocrdet's results: a region whose detector score is under this is don't care (default 0.7)",
    parse: numberIn('--min-score', 0, 1),
    schema: z.number().min(0).max(1).optional(),
  },
} as const;

export type EvalFlags = FlagsOf<typeof FLAGS>;

export const spec = defineCommand({
  name: 'eval',
  description: 'precision, recall and hmean of detections against ground truth (ICDAR 2015 hmean-IoU, as PaddleOCR computes it); several runs compared',
  flags: FLAGS,
  run: ({ flags }) => runEval(flags),
});

/**
 * Each run's name: `--name` in order, else its file's base name without extension; base names two files
 * share are told apart by their folders (`a/pred`, `b/pred`).
 */
export function runNames(preds: readonly string[], names: readonly string[]): string[] {
  if (names.length > 0 && names.length !== preds.length) {
    throw new UsageError(`ocrdet eval: ${names.length} --name for ${preds.length} --pred; give one name per run, in the same order, or none`);
  }
  const chosen = names.length > 0 ? [...names] : preds.map((pred) => suffixName(pred, preds));
  const twice = chosen.find((name, i) => chosen.indexOf(name) !== i);
  if (twice !== undefined) {
    throw new UsageError(`ocrdet eval: two runs are named "${twice}"${names.length > 0 ? '' : ' (the same file given twice?)'}; name each run with --name`);
  }
  return chosen;
}

function suffixName(pred: string, all: readonly string[]): string {
  const parts = (p: string): string[] => path.resolve(p).split(path.sep).filter(Boolean);
  const own = parts(pred);
  own[own.length - 1] = path.parse(pred).name;
  const others = all.filter((p) => path.resolve(p) !== path.resolve(pred)).map((p) => {
    const list = parts(p);
    list[list.length - 1] = path.parse(p).name;
    return list;
  });
  for (let take = 1; take <= own.length; take++) {
    const name = own.slice(-take).join('/');
    if (!others.some((list) => list.slice(-take).join('/') === name)) return name;
  }
  return own.join('/');
}

async function runEval(flags: EvalFlags): Promise<number> {
  const [{ readDataset, detectFormat }, { readResults }, { compareRuns, runReport, worstImagesFirst }, { formatProblem }] = await Promise.all([
    import('../datasets/index.js'),
    import('../datasets/results.js'),
    import('../eval/index.js'),
    import('../datasets/problems.js'),
  ]);
  const names = runNames(flags.pred, flags.name);
  const thresholds = [...new Set(flags.iou)];
  const runs: RunFile[] = flags.pred.map((pred, i) => ({ name: names[i], pred, skipped: 0 }));
  // Predictions are read first: a missing --gt, or one of no known format, stops the run before.
  const format = flags.format ?? (await detectFormat(flags.gt));
  // Only what changes the score is printed one per line: skipped files, records, regions and lines. Warnings
  // about data kept as written (regions partly outside the image) are `ocrdet data stats`' business: one sum.
  let gtSkipped = 0;
  let keptAsWritten = 0;
  const onDatasetProblem = (tally: () => void) => (problem: DatasetProblem): void => {
    if (problem.skipped) {
      tally();
      warn(formatProblem(problem));
    } else if (problem.kind !== 'note') {
      keptAsWritten++;
    }
  };
  const several = runs.length > 1;
  const gt = readDataset(flags.gt, {
    format: format as DatasetFormat,
    images: flags.images,
    probeImages: false, // evaluation needs the annotations only
    // Results as ground truth: unsure detections are don't care; text is not scored, so its score does not matter.
    ...(format === 'results' ? { minTextScore: 0 } : {}),
    ...(flags.minScore !== undefined ? { minScore: flags.minScore } : {}),
    onProblem: onDatasetProblem(() => gtSkipped++),
  });
  const inputs = runs.map((run) => ({ name: run.name, predictions: readResults(run.pred, { onProblem: onDatasetProblem(() => run.skipped++) }) }));
  const predOf = new Map(runs.map((r) => [r.name, r.pred]));
  const options = {
    iou: thresholds,
    areaPrecision: flags.areaPrecision,
    match: flags.match,
    ...(flags.by ? { by: flags.by } : {}),
    root: await datasetRoot(flags.gt),
    ...(flags.images ? { images: flags.images } : {}),
    resamples: flags.resamples,
    seed: flags.seed,
    onProblem: (p: EvalProblem) => warn(p.run ? `${predOf.get(p.run)}: ${p.image}: ${p.reason}` : `${p.image}: ${p.reason}`),
  };
  let report: CompareReport;
  let files: ReportFiles | undefined;
  if (flags.report) {
    // Only the report needs image/ (and so sharp and libvips): loaded when asked for.
    const { writeReport } = await import('../eval/report/index.js');
    ({ report, files } = await writeReport(flags.report, gt, inputs, {
      ...options,
      gt: flags.gt,
      preds: flags.pred,
      ...(flags.reportMaxSide === undefined ? {} : { maxSidePx: flags.reportMaxSide }),
      onPictureProblem: pictureWarnings(),
    }));
  } else {
    report = await compareRuns(gt, inputs, options);
  }
  if (keptAsWritten > 0) {
    warn(`${flags.gt}: ${count(keptAsWritten, 'warning')} about regions kept as written (see \`ocrdet data stats ${flags.gt}\`)`);
  }
  runs.forEach((run, r) => warnAboutPairing(report, r, run.pred, several));
  if (files) warnReportWritten(files);
  const skipped = gtSkipped + runs.reduce((sum, r) => sum + r.skipped, 0);
  const problems = skipped + report.problems;
  if (!several && thresholds.length === 1) {
    const single = runReport(report, 0, 0, flags.by);
    const perImage = flags.perImage ? worstImagesFirst(single.perImage) : undefined;
    if (flags.json) printJson(singleJson(single, problems, perImage, files));
    else printSingle(single, perImage);
  } else if (flags.json) {
    printJson(compareJson(report, runs, gtSkipped, flags.perImage, files));
  } else {
    printComparison(report, runs, flags.perImage);
  }
  const unknown = report.runs.some((r) => r.unknownImages.length > 0);
  return problems > 0 || unknown ? 1 : 0;
}

/** The folder predictions' relative paths resolve against: the dataset folder, or an annotation file's folder. */
async function datasetRoot(gt: string): Promise<string> {
  try {
    return (await stat(gt)).isDirectory() ? path.resolve(gt) : path.dirname(path.resolve(gt));
  } catch {
    return path.dirname(path.resolve(gt)); // the reader reports the missing path itself
  }
}

/** At most this many images are named one per line on stderr; all of them are in --json. */
const MAX_LISTED = 20;

/** The first pictures that could not be made, one line each; then one line for the rest. */
function pictureWarnings(): (image: string, reason: string) => void {
  let count = 0;
  return (image, reason) => {
    count++;
    if (count <= 5) warn(`report: no picture for ${image} (${reason.replace(/^.*: /, '')})`);
    else if (count === 6) warn('report: … more images without a picture (their regions are drawn on grey)');
  };
}

function warnReportWritten(files: ReportFiles): void {
  const mb = (bytes: number): string => (bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
  const pictures = files.pictures > 0 ? `, ${files.pictures} pictures ${mb(files.bytes.pictures)}` : '';
  warn(`report: ${files.index} (${mb(files.bytes.index)}${pictures}); ${files.errorLines} misses and false alarms in ${files.errors}`);
}

/**
 * Unknown images, images without prediction and detector errors of run `r`. Unknown images are named with
 * the run's file; with several runs every line is.
 */
function warnAboutPairing(report: CompareReport, r: number, predFile: string, several: boolean): void {
  const run = report.runs[r];
  const prefix = several ? `${predFile}: ` : '';
  run.unknownImages.slice(0, MAX_LISTED).forEach((image) => {
    warn(`${predFile}: prediction for ${image}, which is not in the ground truth; not scored`);
  });
  if (run.unknownImages.length > MAX_LISTED) {
    warn(`${predFile}: … and ${run.unknownImages.length - MAX_LISTED} more predictions for images not in the ground truth (all in --json "unknownImages")`);
  }
  if (run.imagesWithoutPrediction > 0) {
    const missing = report.table.images.filter((_, slot) => !report.table.predicted(slot, r));
    const names = missing.slice(0, 5).join(', ');
    const more = missing.length > 5 ? `, … (${missing.length - 5} more; see --per-image)` : '';
    warn(`${prefix}${missing.length} of ${report.images} ground-truth images have no prediction (scored as detecting nothing): ${names}${more}`);
  }
  if (run.predictionErrors > 0) {
    warn(`${prefix}${count(run.predictionErrors, 'prediction')} ${run.predictionErrors === 1 ? 'carries' : 'carry'} a detector error (scored as detecting nothing); see --per-image`);
  }
}
