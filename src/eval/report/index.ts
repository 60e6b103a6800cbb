/**
 * The HTML report of a comparison: `writeReport(dir, gt, runs, options)` scores the runs (compareRuns) and
 * writes DIR/index.html, DIR/errors.jsonl and DIR/images/ in the same pass.
 */
import type { Sample } from '../../core/types.js';
import { compareRuns, type CompareOptions, type CompareReport } from '../compare.js';
import type { RunInput } from '../runs.js';
import { ReportWriter, type ReportFiles, type ReportOptions } from './writer.js';

export { ReportWriter, REPORT_DEFAULTS, type ReportFiles, type ReportOptions } from './writer.js';
export { REGION_COLORS } from './style.js';

export interface WriteReportOptions extends Omit<CompareOptions, 'onImage'>, Omit<ReportOptions, 'runs'> {
  /** Each run's results file, as shown in the report (default: the run's name). */
  preds?: string[];
}

export async function writeReport(
  dir: string,
  gt: AsyncIterable<Sample> | Iterable<Sample>,
  runs: readonly RunInput[],
  options: WriteReportOptions,
): Promise<{ report: CompareReport; files: ReportFiles }> {
  const { gt: gtName, maxSidePx, jpegQuality, concurrency, onPictureProblem, preds, ...compare } = options;
  const writer = await ReportWriter.open(dir, {
    gt: gtName,
    runs: runs.map((run, i) => ({ name: run.name, pred: preds?.[i] ?? run.name })),
    ...(maxSidePx === undefined ? {} : { maxSidePx }),
    ...(jpegQuality === undefined ? {} : { jpegQuality }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(onPictureProblem ? { onPictureProblem } : {}),
  });
  try {
    const report = await compareRuns(gt, runs, { ...compare, onImage: (image) => writer.add(image) });
    return { report, files: await writer.finish(report) };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
