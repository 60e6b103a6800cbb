/**
 * `ocrdet data autolabel IMAGES... --out DIR [--dialect D] [--to swift] …`: unlabelled images → fine-tuning
 * data and labels to review, in one command. A shell over `autolabel()` (src/batch/autolabel.ts): the embedded
 * detector labels the images (DIR/detections.jsonl, resumable), the labels convert as `data convert` would
 * (DIR/train.jsonl, val.jsonl, ocrdet-data.json, report.json), and are laid out for LabelMe and PPOCRLabel
 * (DIR/review/) and drawn (DIR/preview/). Progress and problems on stderr, the summary and next steps on stdout
 * (or one JSON object with --json). Exit 0 everything used; 1 some images failed or something was left out;
 * 2 usage errors; 130 interrupted (rerun to finish).
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { InterruptedError } from '../core/errors.js';
import { count } from '../core/plural.js';
import type { AutolabelResult } from '../batch/autolabel.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { printSummary, TARGET_FLAGS, targetOptions } from './data-convert.js';
import { scoreFlags } from './data-stats.js';
import { nonNegativeInt, positiveInt, printJson, printLine, restateOptionError, showProgress, warn } from './output.js';


const FLAGS = {
  out: {
    flags: '--out <dir>',
    description: 'output folder: detections.jsonl, the converted data (train.jsonl, val.jsonl, ocrdet-data.json, report.json), review/, preview/',
    required: true,
    schema: z.string().min(1),
  },
  ...TARGET_FLAGS,
  ...scoreFlags((text, key) => `${text.replace(/^results: /, '')}${key === 'minTextScore' ? '; --task text only' : ''}`),
  review: {
    flags: '--review <tools>',
    description: 'annotation tools to lay the labels out for: labelme, ppocr (PPOCRLabel), both comma-separated, or none',
    default: 'labelme,ppocr',
    schema: z.string(),
  },
  previewLimit: {
    flags: '--preview-limit <n>',
    description: 'images drawn into preview/ at most (default: all; 0: none)',
    parse: nonNegativeInt('--preview-limit'),
    schema: z.number().int().min(0).optional(),
  },
  concurrency: { flags: '--concurrency <n>', description: 'images detected at once (default 2)', parse: positiveInt('--concurrency'), schema: z.number().int().positive().optional() },
  modelDir: { flags: '--model-dir <dir>', description: 'directory of PP-OCR ONNX models (+ dictionary) instead of the bundled PP-OCRv4 ones', schema: z.string().min(1).optional() },
  threads: { flags: '--threads <n>', description: 'onnxruntime threads per model (default: all cores, up to 4)', parse: positiveInt('--threads'), schema: z.number().int().positive().optional() },
  retryErrors: { flags: '--retry-errors', description: 'redo images recorded with an error in DIR/detections.jsonl', schema: z.boolean().default(false) },
  quiet: { flags: '-q, --quiet', description: 'no progress bar or notices (the summary is still printed)', schema: z.boolean().default(false) },
  json: { flags: '--json', description: 'print one JSON object: detect, convert (report.json), review, preview', schema: z.boolean().default(false) },
} as const;
type Flags = FlagsOf<typeof FLAGS> & { inputs: string[] };

export const spec = defineCommand({
  name: 'autolabel',
  description: 'label images with the embedded detector: fine-tuning data, LabelMe / PPOCRLabel files to review, preview pictures',
  arguments: { inputs: { name: '<images...>', description: "image files, folders (recursive) and glob patterns (quote them: 'scans/**/*.png')", schema: z.array(z.string().min(1)).min(1) } },
  flags: FLAGS,
  helpAfter:
    '\nRerun the same command to finish an interrupted run or to add images: detection resumes, label files\n' +
    'that exist (a reviewed one) are never written over. After a review, convert the reviewed files:\n' +
    '  ocrdet data convert DIR/review/labelme --out DIR/reviewed     (or DIR/review/ppocr)',
  run: ({ args, flags }) => runAutolabel({ ...flags, inputs: args.inputs }),
});

/** `--review labelme,ppocr` → the tools (`none` → none); unknown names are refused by autolabel, which lists the known ones. */
function reviewTools(value: string): string[] {
  const tools = value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  return tools.length === 1 && tools[0] === 'none' ? [] : tools;
}

async function runAutolabel(flags: Flags): Promise<number> {
  const [{ autolabel }, { formatProblem }, { ProgressBar }, { handleSignals, imageErrorLine }] = await Promise.all([
    import('../batch/autolabel.js'),
    import('../datasets/problems.js'),
    import('./progress.js'),
    import('./detect.js'),
  ]);
  const { inputs, out, minScore, minTextScore, review, previewLimit, concurrency, modelDir, threads, retryErrors, quiet, json, ...target } = flags;
  const bar = showProgress(quiet) ? new ProgressBar(process.stderr, { label: 'detect' }) : undefined;
  const log = (line: string) => (bar ? bar.log(line) : warn(line));
  const stop = new AbortController();
  const abort = new AbortController();
  const detach = handleSignals(stop, abort, log);
  let result: AutolabelResult;
  try {
    result = await autolabel({
      inputs,
      out,
      convert: targetOptions(target),
      ...(minScore !== undefined ? { minScore } : {}),
      ...(minTextScore !== undefined ? { minTextScore } : {}),
      review: reviewTools(review) as never,
      ...(previewLimit !== undefined ? { previewLimit } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      detectorOptions: { ...(modelDir ? { modelDir } : {}), ...(threads ? { intraOpThreads: threads } : {}) },
      retryErrors,
      stopSignal: stop.signal,
      signal: abort.signal,
      onProgress: (progress) => bar?.update(progress),
      onImageError: (image, error) => log(imageErrorLine(image, error)),
      onNotice: (message) => (quiet ? undefined : log(`detect: ${message}`)),
      onProblem: (problem) => {
        if (problem.skipped) log(`${problem.kind}: ${formatProblem({ ...problem, kind: 'note' })}`);
      },
    });
  } catch (error) {
    throw restateOptionError(error, 'ocrdet data autolabel');
  } finally {
    bar?.finish();
    detach();
  }
  const { detect } = result;
  if (detect.interrupted) {
    throw new InterruptedError(`stopped by a signal after ${detect.done} of ${count(detect.total - detect.skipped, 'image')} (kept in ${result.detections}; run the same command again to finish)`);
  }
  if (json) printJson({ detections: result.detections, detect, convert: result.convert, review: result.review, preview: result.preview && { out: result.preview.out, pictures: result.preview.pictures.length, failed: result.preview.failed } });
  else printResult(result, out);
  const failed = detect.failed + detect.previouslyFailed;
  return failed > 0 || (result.convert?.problems.skipped ?? 0) > 0 || (result.preview?.failed ?? 0) > 0 ? 1 : 0;
}

/** A path as a person typed it: relative to the working folder when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function printResult(result: AutolabelResult, out: string): void {
  const { detect, convert, review, preview } = result;
  printLine(`detect   ${count(detect.done, 'image')} labelled, ${detect.failed} failed, ${detect.skipped} already in ${shown(result.detections)} (${(detect.elapsedMs / 1000).toFixed(1)} s)`);
  if (convert) printSummary(convert);
  if (review) {
    const kept = review.kept > 0 ? `; ${count(review.kept, 'image')} kept as they were (label files there already)` : '';
    printLine(`review   ${count(review.written, 'image')} given label files in ${Object.values(review.folders).map(shown).join(', ')}${kept}`);
  }
  if (preview) printLine(`preview  ${count(preview.pictures.length, 'picture')} in ${shown(preview.out)} (index.md)${preview.failed ? `; ${preview.failed} could not be drawn` : ''}`);
  printLine('next');
  const { labelme, ppocr } = review?.folders ?? {};
  if (labelme) printLine(`  labelme ${shown(labelme)} --labelflags '{".*": ["difficult"]}'   # correct; untick difficult to accept a region`);
  if (ppocr) printLine(`  PPOCRLabel: open a folder of ${shown(ppocr)}, correct, Check each image (### = don't care)`);
  if (labelme ?? ppocr) printLine(`  ocrdet data convert ${shown((labelme ?? ppocr)!)} --out ${shown(join(resolve(out), 'reviewed'))}   # the reviewed labels → training data`);
  printLine(`  ocrdet train --data ${shown(resolve(out))} --out runs/autolabel --dry-run   # or train on the labels as they are`);
}
