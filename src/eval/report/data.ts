/**
 * What the report's files hold, as pure functions of the scored images and the comparison: one compact
 * record per image for the page, the error lines of errors.jsonl, and the summary the page's tables show.
 */
import type { Point } from '../../core/types.js';
import { compareHeader, type CompareHeader, type CompareReport } from '../compare.js';
import { imageReports, scoresBySource } from '../evaluate.js';
import type { RegionKind } from '../image.js';
import type { ScoredImage, ScoredRegion } from '../runs.js';

/** The page's record of one image (short keys: a 1,000-image report carries ~1,000 of them). */
export interface ImageRecord {
  /** Slot: position in the ground truth. */
  i: number;
  /** Name as shown. */
  n: string;
  /** Source (subset), when known. */
  s?: string;
  /** Size from the ground truth (0 when unknown); the picture's own size replaces it. */
  w: number;
  h: number;
  /** Ground-truth polygons, flat [x0, y0, x1, y1, …] in whole pixels of the original. */
  g: number[][];
  /** Their kinds: c care, i don't care, x invalid. */
  gk: string;
  /** Their texts ('' when none); absent when no region has one. */
  gt?: string[];
  /** Care ground-truth regions. */
  gc: number;
  r: RunRecord[];
}

export interface RunRecord {
  /** Detected polygons, as `g`. */
  d: number[][];
  /** Their kinds: c care, i on don't care, x invalid. */
  dk: string;
  dt?: string[];
  /** 0 when the run has no prediction for the image. */
  p?: 0;
  /** The detector's error. */
  e?: string;
  /** Best IoU (thousandths) of each ground-truth region / detection with the other side's care regions; 0 for non-care. */
  gb: number[];
  db: number[];
  /** Per threshold: [indices of missed ground-truth regions, indices of false-alarm detections]. */
  x: Array<[number[], number[]]>;
  /** Per threshold: per-image hmean (PaddleOCR's per-image rule), matched, care detections. */
  h: number[];
  m: number[];
  dc: number[];
}

const KIND_LETTER: Record<RegionKind, string> = { care: 'c', ignore: 'i', invalid: 'x' };

function flat(points: readonly Point[]): number[] {
  const out: number[] = [];
  for (const [x, y] of points) out.push(Number.isFinite(x) ? Math.round(x) : 0, Number.isFinite(y) ? Math.round(y) : 0);
  return out;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function texts(regions: readonly ScoredRegion[]): string[] | undefined {
  return regions.some((r) => r.text) ? regions.map((r) => r.text ?? '') : undefined;
}

export function imageRecord(image: ScoredImage): ImageRecord {
  const record: ImageRecord = {
    i: image.slot,
    n: image.image,
    ...(image.source ? { s: image.source } : {}),
    w: image.width,
    h: image.height,
    g: image.gt.map((r) => flat(r.points)),
    gk: image.gt.map((r) => KIND_LETTER[r.kind]).join(''),
    gc: image.runs[0]?.byIou[0]?.gtCare ?? image.gt.filter((r) => r.kind === 'care').length,
    r: image.runs.map((run) => {
      const gb = image.gt.map(() => 0);
      const db = run.detections.map(() => 0);
      // Best IoUs come with the errors; a matched region's best IoU is not needed by the page.
      for (const error of run.byIou.flatMap((t) => t.errors)) {
        (error.kind === 'miss' ? gb : db)[error.index] = Math.round(error.bestIou * 1000);
      }
      const dt = texts(run.detections);
      return {
        d: run.detections.map((d) => flat(d.points)),
        dk: run.detections.map((d) => KIND_LETTER[d.kind]).join(''),
        ...(dt ? { dt } : {}),
        ...(run.predicted ? {} : { p: 0 as const }),
        ...(run.error ? { e: run.error } : {}),
        gb,
        db,
        x: run.byIou.map((t): [number[], number[]] => [
          t.errors.filter((e) => e.kind === 'miss').map((e) => e.index),
          t.errors.filter((e) => e.kind === 'false').map((e) => e.index),
        ]),
        h: run.byIou.map((t) => round(t.hmean, 4)),
        m: run.byIou.map((t) => t.matched),
        dc: run.byIou.map((t) => t.detCare),
      };
    }),
  };
  const gt = texts(image.gt);
  if (gt) record.gt = gt;
  return record;
}

export interface ErrorLine {
  run: string;
  image: string;
  iou: number;
  kind: 'miss' | 'false';
  points: Point[];
  text: string | null;
  bestIou: number;
}

/** errors.jsonl's lines for one image: per run, per threshold, its misses then its false alarms. */
export function errorLines(image: ScoredImage, runNames: readonly string[]): ErrorLine[] {
  return image.runs.flatMap((run, r) =>
    run.byIou.flatMap((at) =>
      at.errors.map((error) => {
        const region = error.kind === 'miss' ? image.gt[error.index] : run.detections[error.index];
        return { run: runNames[r], image: image.image, iou: at.iou, kind: error.kind, points: region.points, text: region.text ?? null, bestIou: error.bestIou };
      }),
    ),
  );
}

export interface PageScores {
  precision: number;
  recall: number;
  hmean: number;
  matched: number;
  gtCare: number;
  detCare: number;
}

export interface RunSummary extends PageScores {
  detIgnored: number;
  detInvalid: number;
  imagesWithoutPrediction: number;
  predictionErrors: number;
  unknownImages: number;
  problems: number;
}

/** The page's summary: everything its tables show, computed here so the page does no scoring of its own. */
export interface PageSummary extends CompareHeader {
  title: string;
  created: string;
  gt: string;
  runs: Array<{ name: string; pred: string }>;
  /** [threshold][run] */
  scores: RunSummary[][];
  /** Per source: images, and [threshold][run] scores. */
  sources: Array<{ name: string; images: number; scores: PageScores[][] }>;
  pairs: Array<{ a: number; b: number; t: number; diff: number; lo: number; hi: number; share: number }>;
  /** Picture per slot: [width, height] of the original, or 0 when it could not be drawn. */
  pictures: Array<[number, number] | 0>;
  /** The pictures' folder, relative to the page; '' when pictures are off. */
  pictureDir: string;
}

export interface SummaryMeta {
  title: string;
  created: string;
  gt: string;
  runs: Array<{ name: string; pred: string }>;
  pictures: Array<[number, number] | 0>;
  pictureDir: string;
}

const pick = (s: PageScores): PageScores => ({
  precision: s.precision,
  recall: s.recall,
  hmean: s.hmean,
  matched: s.matched,
  gtCare: s.gtCare,
  detCare: s.detCare,
});

export function pageSummary(report: CompareReport, meta: SummaryMeta): PageSummary {
  const runCount = meta.runs.length;
  const scores = report.iou.map((_, t) =>
    report.runs.slice(t * runCount, (t + 1) * runCount).map((run) => ({
      ...pick(run),
      detIgnored: run.detIgnored,
      detInvalid: run.detInvalid,
      imagesWithoutPrediction: run.imagesWithoutPrediction,
      predictionErrors: run.predictionErrors,
      unknownImages: run.unknownImages.length,
      problems: run.problems,
    })),
  );
  // Subsets always (the page shows them when there are several), from the same per-image numbers.
  const bySource = report.iou.map((_, t) => meta.runs.map((_, r) => scoresBySource(imageReports(report.table, r, t))));
  const names = Object.keys(bySource[0]?.[0] ?? {});
  const sources = names.map((name) => ({
    name,
    images: bySource[0][0][name].images,
    scores: bySource.map((perRun) => perRun.map((subsets) => pick(subsets[name]))),
  }));
  const index = new Map(meta.runs.map((r, i) => [r.name, i]));
  return {
    ...meta,
    ...compareHeader(report),
    scores,
    sources,
    pairs: report.pairs.map((p) => ({
      a: index.get(p.a)!,
      b: index.get(p.b)!,
      t: report.iou.indexOf(p.iou),
      diff: p.hmeanDiff,
      lo: p.ci95[0],
      hi: p.ci95[1],
      share: p.aBetterShare,
    })),
  };
}
