/**
 * What `ocrdet eval` prints: for one run at one threshold, the table and `--json` object it always printed
 * (unchanged); for several runs or thresholds, one table of runs, the pairs' differences with their
 * intervals, and the `--json` object of README "ocrdet eval --json" (runs, pairs).
 */
import { compareHeader, imageScores, type CompareReport, type EvalReport, type ImageReport, type RunScores } from '../eval/index.js';
import type { ReportFiles } from '../eval/report/index.js';
import { count } from '../core/plural.js';
import { printLine } from './output.js';

export interface RunFile {
  name: string;
  pred: string;
  /** Lines and regions of its file that were skipped. */
  skipped: number;
}

/** The report files, as --json gives them. */
function filesJson(files: ReportFiles): Record<string, unknown> {
  return { dir: files.dir, index: files.index, errors: files.errors, errorLines: files.errorLines, pictures: files.pictures, bytes: files.bytes };
}

/** The one-run `--json` contract (README, "ocrdet eval --json"); key order is part of it. */
export function singleJson(report: EvalReport, problems: number, perImage?: ImageReport[], files?: ReportFiles): Record<string, unknown> {
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
  if (files) out.report = filesJson(files);
  return out;
}

/** The several-runs `--json` contract (README, "ocrdet eval --json"); key order is part of it. */
export function compareJson(report: CompareReport, runs: readonly RunFile[], gtSkipped: number, perImage: boolean, files?: ReportFiles): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...compareHeader(report),
    runs: report.runs.map((run, k) => runJson(run, runs[k % runs.length])),
    pairs: report.pairs.map((p) => ({ a: p.a, b: p.b, iou: p.iou, hmeanDiff: p.hmeanDiff, ci95: p.ci95, aBetterShare: p.aBetterShare })),
    problems: report.problems + gtSkipped + runs.reduce((sum, r) => sum + r.skipped, 0),
  };
  if (perImage) out.perImage = perImageJson(report, runs);
  if (files) out.report = filesJson(files);
  return out;
}

function runJson(run: RunScores, file: RunFile): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: run.name,
    pred: file.pred,
    iou: run.iou,
    precision: run.precision,
    recall: run.recall,
    hmean: run.hmean,
    matched: run.matched,
    gtCare: run.gtCare,
    detCare: run.detCare,
    detIgnored: run.detIgnored,
    detInvalid: run.detInvalid,
    imagesWithoutPrediction: run.imagesWithoutPrediction,
    predictionErrors: run.predictionErrors,
    unknownImages: run.unknownImages,
    problems: run.problems + file.skipped,
  };
  if (run.bySource) out.bySource = run.bySource;
  return out;
}

/** Per image (ground-truth order): its ground-truth counts, then each run at each threshold. */
function perImageJson(report: CompareReport, runs: readonly RunFile[]): Array<Record<string, unknown>> {
  const { table } = report;
  return table.images.map((image, slot) => {
    const base = table.counts(slot, 0, 0);
    const entries = report.iou.flatMap((iou, t) =>
      runs.map((run, r) => {
        const c = table.counts(slot, r, t);
        const scores = imageScores(c);
        const error = table.error(slot, r);
        return {
          name: run.name,
          iou,
          matched: c.matched,
          detCare: c.detCare,
          detIgnored: c.detIgnored,
          detInvalid: c.detInvalid,
          ...scores,
          predicted: table.predicted(slot, r),
          ...(error ? { error } : {}),
        };
      }),
    );
    const source = table.sources[slot];
    return { image, ...(source ? { source } : {}), gtCare: base.gtCare, gtIgnored: base.gtIgnored, gtInvalid: base.gtInvalid, runs: entries };
  });
}

const fixed = (n: number): string => n.toFixed(4);
const signed = (n: number): string => `${n > 0 ? '+' : n < 0 ? '−' : ' '}${Math.abs(n).toFixed(4)}`;

/** Columns of text: numbers right-aligned, the columns in `left` (the first by default) left-aligned. */
function table(header: string[], rows: string[][], left: readonly number[] = [0]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function protocolLine(iou: string, match: 'greedy' | 'optimal', areaPrecision: number): string {
  const matching = match === 'greedy' ? 'greedy matching (PaddleOCR)' : 'optimal matching (maximum bipartite)';
  return `ICDAR 2015 hmean-IoU: IoU > ${iou}, ${matching}, don't care when > ${areaPrecision} inside`;
}

type Scored = Pick<EvalReport, 'precision' | 'recall' | 'hmean' | 'matched' | 'gtCare' | 'detCare'> & { images: number };
const scoreCells = (s: Scored): string[] => [fixed(s.precision), fixed(s.recall), fixed(s.hmean), String(s.matched), String(s.gtCare), String(s.detCare), String(s.images)];
const SCORE_HEADER = ['precision', 'recall', 'hmean', 'matched', 'gtCare', 'detCare', 'images'];

/** One run at one threshold: the table `ocrdet eval` always printed. */
export function printSingle(report: EvalReport, perImage?: ImageReport[]): void {
  printLine(protocolLine(String(report.iou), report.match, report.areaPrecision));
  printLine(
    `${count(report.images, 'image')} · ${count(report.gtCare, 'care region')} (${report.gtIgnored} don't care, ${report.gtInvalid} invalid) · ` +
      `${count(report.detCare, 'care detection')} (${report.detIgnored} on don't care, ${report.detInvalid} invalid)`,
  );
  printLine();
  const rows = [['overall', ...scoreCells(report)]];
  for (const [source, scores] of Object.entries(report.bySource ?? {})) rows.push([`  ${source}`, ...scoreCells(scores)]);
  for (const line of table(['', ...SCORE_HEADER], rows)) printLine(line);
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

/** Several runs or thresholds: a table of runs per threshold, then each pair's difference. */
export function printComparison(report: CompareReport, runs: readonly RunFile[], perImage: boolean): void {
  printLine(protocolLine(report.iou.join(', '), report.match, report.areaPrecision));
  printLine(`${count(report.images, 'image')} · ${count(report.gtCare, 'care region')} (${report.gtIgnored} don't care, ${report.gtInvalid} invalid) · ${count(runs.length, 'run')}`);
  report.iou.forEach((iou, t) => {
    printLine();
    const rows: string[][] = [];
    for (const run of report.runs.filter((r) => r.iou === iou)) {
      rows.push([run.name, ...scoreCells(run)]);
      for (const [source, scores] of Object.entries(run.bySource ?? {})) rows.push([`  ${source}`, ...scoreCells(scores)]);
    }
    for (const line of table([`IoU > ${iou}`, ...SCORE_HEADER], rows)) printLine(line);
    if (perImage) printPerImage(report, runs, t);
  });
  if (report.pairs.length === 0) return;
  const { resamples, seed } = report.bootstrap;
  printLine();
  printLine(`hmean difference A − B, 95 % paired bootstrap interval over the ${report.images} images (${resamples} resamples, seed ${seed})`);
  const rows = report.pairs.map((p) => {
    const hmean = (name: string): number => report.runs.find((r) => r.name === name && r.iou === p.iou)!.hmean;
    const verdict = p.ci95[0] > 0 ? `${p.a} better` : p.ci95[1] < 0 ? `${p.b} better` : 'no clear difference';
    return [p.a, p.b, String(p.iou), fixed(hmean(p.a)), fixed(hmean(p.b)), signed(p.hmeanDiff), `[${signed(p.ci95[0])}, ${signed(p.ci95[1])}]`, verdict];
  });
  for (const line of table(['A', 'B', 'IoU', 'hmean A', 'hmean B', 'A − B', '95 % interval', ''], rows, [0, 1, 7])) printLine(line);
}

/** Images worst first by the first run, with every run's hmean (and the first pair's difference). */
function printPerImage(report: CompareReport, runs: readonly RunFile[], t: number): void {
  const { table: images } = report;
  const hmean = (slot: number, r: number): number => imageScores(images.counts(slot, r, t)).hmean;
  const slots = images.images.map((_, slot) => slot).sort((a, b) => hmean(a, 0) - hmean(b, 0) || (images.images[a] < images.images[b] ? -1 : 1));
  const header = ['image', ...runs.map((r) => r.name)];
  if (runs.length > 1) header.push(`${runs[0].name} − ${runs[1].name}`);
  const rows = slots.map((slot) => {
    const cells = [images.images[slot], ...runs.map((_, r) => fixed(hmean(slot, r)))];
    if (runs.length > 1) cells.push(signed(hmean(slot, 0) - hmean(slot, 1)));
    return cells;
  });
  printLine();
  printLine(`images by ${runs[0].name}'s hmean, worst first`);
  for (const line of table(header, rows)) printLine(line);
}
