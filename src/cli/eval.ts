/**
 * `ocrdet eval --gt DATASET --pred RESULTS.jsonl`: ICDAR 2015 hmean-IoU of detections against ground truth,
 * as PaddleOCR's evaluator computes it. A shell over `evaluate()`: flags → typed options → report → table or JSON.
 * Exit 0 when every input was used; 1 when something was skipped (bad lines or files, predictions for images
 * not in the ground truth, duplicates); 2 for usage errors.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { DatasetProblem } from '../datasets/problems.js';
import type { DatasetFormat } from '../datasets/reader.js';
import type { EvalReport, ImageReport } from '../eval/index.js';
import { numberIn, parseFlags, printJson, printLine, warn } from './output.js';
import { count } from '../core/plural.js';

const EvalFlagsSchema = z.object({
  gt: z.string().min(1),
  pred: z.string().min(1),
  iou: z.number().min(0).max(1).default(0.5),
  areaPrecision: z.number().min(0).max(1).default(0.5),
  match: z.enum(['greedy', 'optimal']).default('greedy'),
  by: z.enum(['source']).optional(),
  perImage: z.boolean().default(false),
  json: z.boolean().default(false),
  // Checked by readDataset against the format registry, which lists the known names.
  format: z.string().min(1).optional(),
  images: z.string().min(1).optional(),
});
type EvalFlags = z.infer<typeof EvalFlagsSchema>;

/** At most this many unknown images are named one per line on stderr; all of them are in --json. */
const MAX_LISTED = 20;

export function createCommand(): Command {
  return new Command('eval')
    .description('precision, recall and hmean of detections against ground truth (ICDAR 2015 hmean-IoU, as PaddleOCR computes it)')
    .requiredOption('--gt <dataset>', 'ground truth: any dataset ocrdet reads (folder or annotation file)')
    .requiredOption('--pred <results>', 'predictions: Detection JSONL, one per line (what `ocrdet detect` writes)')
    .option('--iou <threshold>', 'a match needs IoU strictly above this', numberIn('--iou', 0, 1), 0.5)
    .option('--area-precision <share>', "a detection more than this share inside a don't-care region is ignored", numberIn('--area-precision', 0, 1), 0.5)
    .option('--match <strategy>', 'greedy (PaddleOCR, ground-truth order) or optimal (maximum bipartite matching, as MMOCR)', 'greedy')
    .option('--by <key>', 'also score each subset: source (the dataset sub-folder or `source` field)')
    .option('--per-image', 'list every image, worst first')
    .option('--json', 'print one JSON object (see README, "ocrdet eval --json")')
    .option('--format <format>', 'ground-truth format: voc-quad, icdar2015, ppocr, labelme, coco (default: detected from the path)')
    .option('--images <dir>', "where the ground truth's images are, when not where its format says")
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(EvalFlagsSchema, raw, 'ocrdet eval');
      process.exitCode = await runEval(flags);
    });
}

async function runEval(flags: EvalFlags): Promise<number> {
  const [{ readDataset, detectFormat }, { readResults }, { evaluate, worstImagesFirst }, { formatProblem }] = await Promise.all([
    import('../datasets/index.js'),
    import('../datasets/results.js'),
    import('../eval/index.js'),
    import('../datasets/problems.js'),
  ]);
  // evaluate() reads the predictions first: a missing --gt, or one of no known format, stops the run before.
  if (flags.format === undefined) await detectFormat(flags.gt);
  // Only what changes the score is printed one per line: skipped files, records, regions and lines. Warnings
  // about data kept as written (regions partly outside the image) are `ocrdet data stats`' business: one sum.
  let skipped = 0;
  let keptAsWritten = 0;
  const onDatasetProblem = (problem: DatasetProblem): void => {
    if (problem.skipped) {
      skipped++;
      warn(formatProblem(problem));
    } else if (problem.kind !== 'note') {
      keptAsWritten++;
    }
  };
  const report = await evaluate(
    readDataset(flags.gt, {
      format: flags.format as DatasetFormat | undefined,
      images: flags.images,
      probeImages: false, // evaluation needs the annotations only
      onProblem: onDatasetProblem,
    }),
    readResults(flags.pred, { onProblem: onDatasetProblem }),
    {
      iou: flags.iou,
      areaPrecision: flags.areaPrecision,
      match: flags.match,
      by: flags.by,
      root: await datasetRoot(flags.gt),
      images: flags.images,
      onProblem: (p) => warn(`${p.image}: ${p.reason}`),
    },
  );
  if (keptAsWritten > 0) {
    warn(`${flags.gt}: ${count(keptAsWritten, 'warning')} about regions kept as written (see \`ocrdet data stats ${flags.gt}\`)`);
  }
  warnAboutPairing(report, flags.pred);
  const problems = skipped + report.problems;
  if (flags.json) printJson(toJson(report, problems, flags.perImage ? worstImagesFirst(report.perImage) : undefined));
  else printTables(report, flags.perImage ? worstImagesFirst(report.perImage) : undefined);
  return problems > 0 || report.unknownImages.length > 0 ? 1 : 0;
}

/** The folder predictions' relative paths resolve against: the dataset folder, or an annotation file's folder. */
async function datasetRoot(gt: string): Promise<string> {
  try {
    return (await stat(gt)).isDirectory() ? path.resolve(gt) : path.dirname(path.resolve(gt));
  } catch {
    return path.dirname(path.resolve(gt)); // the reader reports the missing path itself
  }
}

function warnAboutPairing(report: EvalReport, predFile: string): void {
  report.unknownImages.slice(0, MAX_LISTED).forEach((image) => {
    warn(`${predFile}: prediction for ${image}, which is not in the ground truth; not scored`);
  });
  if (report.unknownImages.length > MAX_LISTED) {
    warn(`${predFile}: … and ${report.unknownImages.length - MAX_LISTED} more predictions for images not in the ground truth (all in --json "unknownImages")`);
  }
  const missing = report.perImage.filter((r) => !r.predicted);
  if (missing.length > 0) {
    const names = missing.slice(0, 5).map((r) => r.image).join(', ');
    const more = missing.length > 5 ? `, … (${missing.length - 5} more; see --per-image)` : '';
    warn(`${missing.length} of ${report.images} ground-truth images have no prediction (scored as detecting nothing): ${names}${more}`);
  }
  if (report.predictionErrors > 0) {
    warn(`${report.predictionErrors} predictions carry a detector error (scored as detecting nothing); see --per-image`);
  }
}

/** The `--json` contract (README, "ocrdet eval --json"); key order is part of it. */
export function toJson(report: EvalReport, problems: number, perImage?: ImageReport[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    precision: report.precision,
    recall: report.recall,
    hmean: report.hmean,
    matched: report.matched,
    gtCare: report.gtCare,
    detCare: report.detCare,
    images: report.images,
    protocol: report.protocol,
    iou: report.iou,
    areaPrecision: report.areaPrecision,
    match: report.match,
    gtIgnored: report.gtIgnored,
    detIgnored: report.detIgnored,
    gtInvalid: report.gtInvalid,
    detInvalid: report.detInvalid,
    imagesWithoutPrediction: report.imagesWithoutPrediction,
    predictionErrors: report.predictionErrors,
    unknownImages: report.unknownImages,
    problems,
  };
  if (report.bySource) out.bySource = report.bySource;
  if (perImage) out.perImage = perImage;
  return out;
}

const fixed = (n: number): string => n.toFixed(4);

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function printTables(report: EvalReport, perImage?: ImageReport[]): void {
  const matching = report.match === 'greedy' ? 'greedy matching (PaddleOCR)' : 'optimal matching (maximum bipartite)';
  printLine(`ICDAR 2015 hmean-IoU: IoU > ${report.iou}, ${matching}, don't care when > ${report.areaPrecision} inside`);
  printLine(
    `${count(report.images, 'image')} · ${count(report.gtCare, 'care region')} (${report.gtIgnored} don't care, ${report.gtInvalid} invalid) · ` +
      `${count(report.detCare, 'care detection')} (${report.detIgnored} on don't care, ${report.detInvalid} invalid)`,
  );
  printLine();
  const header = ['', 'precision', 'recall', 'hmean', 'matched', 'gtCare', 'detCare', 'images'];
  const row = (name: string, s: EvalReport | NonNullable<EvalReport['bySource']>[string]): string[] => [
    name,
    fixed(s.precision),
    fixed(s.recall),
    fixed(s.hmean),
    String(s.matched),
    String(s.gtCare),
    String(s.detCare),
    String(s.images),
  ];
  const rows = [row('overall', report)];
  for (const [source, scores] of Object.entries(report.bySource ?? {})) rows.push(row(`  ${source}`, scores));
  for (const line of table(header, rows)) printLine(line);
  if (!perImage) return;
  printLine();
  printLine('images, worst first (missed = care regions not matched, false = care detections not matched)');
  const imageRows = perImage.map((r) => [
    r.image,
    fixed(r.hmean),
    fixed(r.precision),
    fixed(r.recall),
    String(r.matched),
    String(r.gtCare - r.matched),
    String(r.detCare - r.matched),
    r.error ? `error: ${r.error}` : r.predicted ? '' : 'no prediction',
  ]);
  for (const line of table(['image', 'hmean', 'precision', 'recall', 'matched', 'missed', 'false', 'note'], imageRows)) printLine(line);
}
