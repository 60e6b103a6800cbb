/**
 * results: ocrdet's own output, Detection JSONL (what `ocrdet detect` writes; also a JSON file of one Detection
 * or an array of them), read as a dataset — detections as labels ("pseudo-labels"), for `data stats`,
 * `data convert` (autolabelling: src/batch/autolabel.ts) and `eval --gt`. Lines are checked by the one
 * results-line schema (src/core/detection.ts, read through ../results.ts).
 *
 * Which detections are labels: a region whose detector `score` is under `minScore`, or whose recogniser
 * `textScore` is under `minTextScore` (when the task needs text), is don't care — kept, but neither a label
 * nor background, exactly as a `###` region of a hand-made dataset:
 * - evaluation neither counts a detection there nor misses it (ICDAR 2015: don't-care regions are ignored);
 * - ICDAR and COCO exports keep it as `###` / `iscrowd`, which detector training (PaddleOCR's DB) masks out
 *   of the loss;
 * - a grounding answer (ms-swift, InternVL rows) leaves it out, as it leaves out a `###` region: the answer
 *   lists every care region, so an unsure region is not taught as text, and since the model reads nothing
 *   there it is taught only that the list ends without it.
 * Dropping such regions instead would make them background everywhere (a detector that finds them would be
 * penalised), and keeping them would teach boxes that are mostly not text: on seed-test, of ppocr's regions
 * with score under 0.7, 20 % are text a person annotated (care), 17 % don't care, 63 % nothing; of those with
 * text score under 0.5, 12 % are care text and none was read right (bench/autolabel.bench.js).
 * A region without a score (a multimodal model's answer) is a label. A line recorded with an `error` is an
 * image the detector failed on: it is reported and left out, never read as an image without text; so is a
 * page of a PDF or multi-page TIFF (`page`), whose pixels are a rendering no dataset can name.
 *
 * Image paths are as `ocrdet detect` records them: relative to the folder it ran in (the working folder),
 * else to the results file's folder. Frame: ORIENTED pixels (Detection coordinates are pixels of the image
 * as displayed, after EXIF orientation: src/core/types.ts).
 */
import { dirname } from 'node:path';
import type { Detection, Sample } from '../../core/types.js';
import { pathKind, readHead } from '../files.js';
import { readResultEntries } from '../results.js';
import type { DatasetProblem } from '../problems.js';
import type { DatasetReader, RawRegion, RawSample, ReaderContext } from '../reader.js';

export const RESULTS_DEFAULTS = Object.freeze({
  /**
   * Detector score under which a region is don't care. PP-OCRv4's DB already drops boxes under 0.6 (PaddleOCR's
   * det_db_box_thresh); on seed-test, fewer than a quarter of its regions between 0.6 and 0.7 are care text,
   * against more than half from 0.7 up (bench/autolabel.bench.js).
   */
  minScore: 0.7,
  /**
   * Recogniser score under which a region is don't care when the task needs text: PaddleOCR's drop_score 0.5
   * (tools/infer/utility.py), the score under which its system pipeline drops a region.
   */
  minTextScore: 0.5,
});

/** Whether a region is too unsure to be a label (see the module comment). */
function unsure(region: Detection['regions'][number], minScore: number, minTextScore: number): boolean {
  if (region.score !== undefined && region.score < minScore) return true;
  return minTextScore > 0 && region.textScore !== undefined && region.textScore < minTextScore;
}

function rawSample(detection: Detection, file: string, where: { line?: number; element?: string }, context: ReaderContext): RawSample {
  const minScore = context.options.minScore ?? RESULTS_DEFAULTS.minScore;
  const minTextScore = context.options.minTextScore ?? RESULTS_DEFAULTS.minTextScore;
  const regions: RawRegion[] = detection.regions.map((region) => ({
    points: region.points,
    ...(region.text !== undefined ? { text: region.text } : {}),
    ...(region.score !== undefined ? { score: region.score } : {}),
    ...(region.textScore !== undefined ? { textScore: region.textScore } : {}),
    ...(unsure(region, minScore, minTextScore) ? { ignore: true } : {}),
    ...(where.line !== undefined ? { line: where.line } : {}),
  }));
  return {
    file,
    ...where,
    image: { ref: detection.image, baseDirs: [process.cwd(), dirname(file)] },
    ...(detection.width > 0 && detection.height > 0 ? { size: { width: detection.width, height: detection.height } } : {}),
    regions,
    ...(detection.source !== undefined ? { source: detection.source } : {}),
  };
}

async function* read(path: string, context: ReaderContext): AsyncGenerator<Sample> {
  const options = { onProblem: (problem: DatasetProblem) => context.report(problem), maxBytes: context.options.maxAnnotationBytes };
  for await (const { detection, line, element } of readResultEntries(path, options)) {
    const where = { ...(line !== undefined ? { line } : {}), ...(element !== undefined ? { element } : {}) };
    if (detection.error) {
      const { code, message } = detection.error;
      context.report({ kind: 'bad-record', file: path, ...where, element: detection.image, message: `the detector failed on this image (${code}: ${message}); sample skipped`, skipped: true });
      continue;
    }
    if (detection.page !== undefined) {
      // Its coordinates are pixels of a page rendered at `dpi`: there is no image file a dataset could name.
      context.report({ kind: 'bad-record', file: path, ...where, element: `${detection.image} page ${detection.page}`, message: 'a page of a document, not an image file; sample skipped (save the pages as images and detect those to label them)', skipped: true });
      continue;
    }
    yield await context.finish(rawSample(detection, path, where, context));
  }
}

/** A results line or document: a JSON object naming an `image` and its `regions` (or its `error`). */
export function looksLikeResults(head: string): boolean {
  const first = head.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const document = first.trim() === '{' || first.trim().startsWith('[');
  const text = document ? head : first;
  if (!/^\s*[[{]/.test(text)) return false;
  return /"image"\s*:\s*"/.test(text) && /"(regions"\s*:\s*\[|error"\s*:)/.test(text);
}

async function sniff(path: string): Promise<boolean> {
  if ((await pathKind(path)) !== 'file') return false;
  return looksLikeResults(await readHead(path));
}

export const resultsReader: DatasetReader = {
  name: 'results',
  aliases: ['detections', 'ocrdet', 'detection-jsonl'],
  description: "ocrdet's own Detection JSONL (what ocrdet detect writes): detections as labels, unsure ones don't care",
  frame: 'oriented',
  sniff,
  read,
};
