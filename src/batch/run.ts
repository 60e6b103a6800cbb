/**
 * The batch engine: run one Detector over many images, `concurrency` at a time, results in input order,
 * to a resumable JSONL file and/or a callback, with overlays and progress. `ocrdet detect` is a thin shell
 * over `runBatch`; programs can call it directly, or iterate results with `detectMany` (./iterate.ts).
 *
 * Stopping: `stopSignal` (first Ctrl-C) starts no new image and lets the ones in flight finish and be
 * written; `signal` (second Ctrl-C) also aborts the ones in flight through `DetectCallOptions.signal`.
 * An image cut off that way is not recorded, so the next run does it.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import { BadResultsError, FileSystemError, UsageError, fileSystemErrno, toFileSystemError, toOcrdetError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import { count } from '../core/plural.js';
import type { Detection, DetectionError } from '../core/types.js';
import { failedDetection } from '../detectors/failed.js';
import { BACKENDS, createBackendDetector, DEFAULT_BACKEND } from '../detectors/index.js';
import type { Detector } from '../detectors/types.js';
import { PageReader } from '../image/pages.js';
import { rawImageInput } from '../image/sharp.js';
import { expandInputs, unreadableFormatHint, type ImageInput } from './inputs.js';
import { expandPages, parsePageRanges, type PageInput, type PageSelection } from './pages.js';
import { JsonlWriter, cutBrokenTail, dropErrorLines, imageKey, scanResults } from './jsonl.js';
import { lockResultsFile } from './lock.js';
import { overlayFailure, overlayNames, overlayPath, redrawMissingOverlays, writeOverlay } from './overlays.js';
import { runOrdered } from './pool.js';
import { checkShard, inShard, shardLabel, type Shard } from './shard.js';
import { BatchStats, type BatchProgress } from './stats.js';

export interface RunBatchOptions {
  /** Image files, directories (recursive) and glob patterns, in the order results should come. */
  inputs?: readonly string[];
  /** Already expanded inputs (instead of `inputs`), e.g. from `expandInputs`. */
  images?: readonly ImageInput[];
  /** Inputs already expanded into pages (instead of `inputs`/`images`), from `expandPages` with `pageReader`. */
  pageInputs?: readonly PageInput[];
  /** Reads PDF and TIFF pages (the caller closes it). Otherwise one is made from `dpi` and closed at the end. */
  pageReader?: PageReader;
  /** PDF rendering resolution for the reader made here. Default PAGE_DEFAULTS.dpi (200). */
  dpi?: number;
  /** Pages to read from each PDF and multi-page TIFF: `"1-3,7"` or parsed ranges. Default: every page. */
  pages?: string | PageSelection;
  /**
   * Do only this part of the inputs (./shard.ts): a job array runs the same batch once per part. A document's
   * pages stay together in one part; only the part's documents are opened, unless overlays are drawn (each
   * page's overlay is then named over every input's pages, as a single run names it).
   */
  shard?: Shard;
  /** The detector to use (the caller closes it). Otherwise one is created from `backend` and closed at the end. */
  detector?: Detector;
  /** Backend name for the detector created here. Default `ppocr`. */
  backend?: string;
  /** Options for that backend (validated by it). */
  detectorOptions?: Record<string, unknown>;
  /** Images in flight at once. Default: the backend's `defaultConcurrency`. */
  concurrency?: number;
  /** Results file (JSONL). Images already in it are skipped; new lines are appended in input order. */
  out?: string;
  /** Redo images whose recorded line has an `error` (their old error lines are removed first). */
  retryErrors?: boolean;
  /** Directory for one overlay PNG per processed image. */
  overlayDir?: string;
  /** Pixel limit for overlay drawing (the detector has its own). */
  maxPixels?: number;
  /** Each result of this run, in input order, after it is written to `out`. */
  onDetection?: (detection: Detection, index: number) => void | Promise<void>;
  /** An image finished with an error, or its overlay could not be written (called before its line is written). */
  onImageError?: (image: string, error: DetectionError) => void;
  /** Called on every change; throttle drawing yourself. */
  onProgress?: (progress: BatchProgress) => void;
  /** Things worth telling the user that are not per-image errors: resume counts, a repaired tail, overlays redrawn. */
  onNotice?: (message: string) => void;
  /** Graceful stop: no new image starts; the ones in flight finish and are written. */
  stopSignal?: AbortSignal;
  /** Hard stop: aborts the images in flight too. */
  signal?: AbortSignal;
  /** Finished results allowed to wait for an earlier, slower image (see ./pool.ts). Default 1024. */
  maxWaiting?: number;
  /** fsync interval of the results file. Default 1000 ms. */
  syncIntervalMs?: number;
}

export interface BatchSummary {
  total: number;
  /** Already in `out` with regions (or with an error, without `retryErrors`). */
  skipped: number;
  /** Of the skipped: recorded with an error by an earlier run (redo them with `retryErrors`). */
  previouslyFailed: number;
  /** Finished by this run. */
  done: number;
  /** Finished by this run with an error. */
  failed: number;
  /** Stopped (signal) before every image was done: rerun to finish. */
  interrupted: boolean;
  elapsedMs: number;
  counters: Record<string, number>;
}

/** Errors that mean the detector itself cannot work: stop the batch rather than fail every image. */
const FATAL_CODES = new Set(['OCRDET_MODEL', 'OCRDET_CONFIG', 'OCRDET_USAGE']);

interface Resume {
  done: Set<string>;
  /** Of `done`: the images recorded with regions (no error). */
  succeeded: Set<string>;
  previouslyFailed: number;
}

/** `out` must be a file; its folder is created. */
async function prepareOutPath(out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  const details = optionDetails('out');
  if (info?.isDirectory()) throw new UsageError(`${optionName('out')} ${out}: is a directory; give a file name, e.g. ${join(out, 'dets.jsonl')}`, { details });
  if (info && !info.isFile()) throw new UsageError(`${optionName('out')} ${out}: not a regular file`, { details });
  if (!info) {
    try {
      makeDirectory(dirname(out));
    } catch (error) {
      const ErrorClass = fileSystemErrno(error) ? FileSystemError : UsageError;
      throw new ErrorClass(`${optionName('out')} ${out}: cannot create its folder (${(error as Error).message})`, { cause: error, details });
    }
  }
}

/** Reads the existing `out`, cuts a half-written tail, and drops the error lines of retried images. */
async function prepareResults(out: string, images: readonly PageInput[], options: RunBatchOptions): Promise<Resume> {
  const scan = await scanResults(out).catch((error: unknown) => {
    // `out` names something that is not a results file: a usage error, and nothing was done (exit 2).
    throw error instanceof BadResultsError ? new UsageError(error.message, { cause: error, details: error.details }) : error;
  });
  if (scan.brokenTailBytes > 0) {
    await cutBrokenTail(out, scan);
    options.onNotice?.(`${out}: removed a half-written last line (${scan.brokenTailBytes} bytes) left by an interrupted run; that image is redone`);
  }
  const wanted = new Set(images.map((image) => imageKey(image.path, image.page)));
  const failedBefore = new Set([...scan.images].filter(([key, r]) => wanted.has(key) && !r.ok).map(([key]) => key));
  if (options.retryErrors && failedBefore.size > 0) {
    const dropped = await dropErrorLines(out, failedBefore);
    options.onNotice?.(`${out}: retrying ${count(failedBefore.size, 'image')} that failed before (${count(dropped, 'error line')} removed)`);
  }
  const done = new Set([...scan.images.keys()].filter((key) => wanted.has(key) && !(options.retryErrors && failedBefore.has(key))));
  const succeeded = new Set([...done].filter((key) => scan.images.get(key)?.ok));
  return { done, succeeded, previouslyFailed: options.retryErrors ? 0 : failedBefore.size };
}

function defaultConcurrency(detector: Detector): number {
  return BACKENDS.has(detector.backend) ? BACKENDS.get(detector.backend).defaultConcurrency : 1;
}

function checkOptions(options: RunBatchOptions): void {
  const { concurrency, maxWaiting } = options;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new UsageError(`runBatch: option "concurrency" expected a positive integer, received ${concurrency}`);
  }
  if (maxWaiting !== undefined && (!Number.isInteger(maxWaiting) || maxWaiting < 1)) {
    throw new UsageError(`runBatch: option "maxWaiting" expected a positive integer, received ${maxWaiting}`);
  }
  if (!options.inputs && !options.images && !options.pageInputs) throw new UsageError('runBatch: give "inputs" (paths, directories, globs), "images" or "pageInputs"');
  if (options.shard) checkShard(options.shard, 'runBatch: option "shard"');
}

/** Runs a batch to the end (or to a stop). Throws only for usage/config problems and a broken detector. */
export async function runBatch(options: RunBatchOptions): Promise<BatchSummary> {
  checkOptions(options);
  const reader = options.pageReader ?? new PageReader({ dpi: options.dpi, maxPixels: options.maxPixels });
  try {
    const selection = typeof options.pages === 'string' ? parsePageRanges(options.pages) : options.pages;
    const { pages, names } = await batchPages(options, reader, selection);
    return await runPages(pages, names, reader, options);
  } finally {
    if (!options.pageReader) await reader.close();
  }
}

/**
 * The pages this run does and their overlay names. The names are made over the whole list, so that a part of a
 * job array names each overlay as one run would (and two parts never write the same file).
 */
async function batchPages(options: RunBatchOptions, reader: PageReader, selection: PageSelection | undefined): Promise<{ pages: PageInput[]; names: string[] }> {
  const { shard } = options;
  const expand = (files: readonly ImageInput[]) => expandPages(files, reader, selection, options.onNotice);
  const partNotice = (kept: number, all: number) => options.onNotice?.(`part ${shardLabel(shard!)}: ${kept} of ${count(all, 'input')}`);
  let all: PageInput[];
  if (options.pageInputs) all = [...options.pageInputs];
  else {
    const files = options.images ?? (await expandInputs(options.inputs ?? []));
    if (shard && !options.overlayDir) {
      // Only the part's own documents are opened.
      const mine = files.filter((file) => inShard(file, shard));
      partNotice(mine.length, files.length);
      return { pages: await expand(mine), names: [] };
    }
    all = await expand(files);
  }
  const allNames = options.overlayDir ? overlayNames(all) : [];
  if (!shard) return { pages: all, names: allNames };
  const kept = all.map((page, i) => ({ page, i })).filter(({ page }) => inShard(page, shard));
  partNotice(new Set(kept.map(({ page }) => page.path)).size, new Set(all.map((page) => page.path)).size);
  return { pages: kept.map(({ page }) => page), names: options.overlayDir ? kept.map(({ i }) => allNames[i]) : [] };
}

async function runPages(images: readonly PageInput[], names: readonly string[], reader: PageReader, options: RunBatchOptions): Promise<BatchSummary> {
  if (options.out) await prepareOutPath(options.out);
  const release = options.out ? await lockResultsFile(options.out) : undefined;
  let detector = options.detector;
  let writer: JsonlWriter | undefined;
  let failure: { error: unknown } | undefined;
  try {
    // Only now, holding the lock: a run that held it just before may have written the whole file meanwhile.
    const outExists = options.out ? Boolean(await stat(options.out).catch(() => undefined)) : false;
    const resume: Resume = options.out && outExists ? await prepareResults(options.out, images, options) : { done: new Set(), succeeded: new Set(), previouslyFailed: 0 };
    const todo = images.map((image, index) => ({ image, index })).filter(({ image }) => !resume.done.has(imageKey(image.path, image.page)));
    const stats = new BatchStats(images.length, images.length - todo.length);
    if (stats.skipped > 0) options.onNotice?.(`${options.out}: ${stats.skipped} of ${count(images.length, 'image')} already done; doing the other ${todo.length}`);
    // Overlays an earlier run could not write (a full disk) are drawn from the regions it recorded.
    const pagePicture = async (image: PageInput) => rawImageInput(await reader.render(image.path, image.kind!, image.page!));
    const redraw = options.out && options.overlayDir ? await redrawMissingOverlays(options.out, images, names, resume.succeeded, { ...options, pagePicture }) : { failed: 0 };
    if (todo.length > 0) detector ??= await createBackendDetector(options.backend ?? DEFAULT_BACKEND, options.detectorOptions ?? {});
    // A part of a job array that holds no inputs still leaves its (empty) file: the task is seen done, and a
    // merge of every part's file finds them all.
    if (options.out && (todo.length > 0 || !outExists)) writer = await JsonlWriter.open(options.out, { syncIntervalMs: options.syncIntervalMs });
    const outcome = detector ? await runTodo(todo, { detector, reader, names, stats, writer }, options) : { interrupted: false };
    return {
      total: images.length,
      skipped: stats.skipped,
      previouslyFailed: resume.previouslyFailed,
      done: stats.done,
      failed: stats.failed + redraw.failed,
      interrupted: outcome.interrupted,
      elapsedMs: stats.elapsedMs(),
      counters: { ...stats.counters },
    };
  } catch (error) {
    failure = { error };
    throw error;
  } finally {
    // A close that fails after the run already failed (the same full disk) must not hide the first error.
    await writer?.close().catch((error: unknown) => {
      if (!failure) throw toFileSystemError(error, options.out);
    });
    if (detector && !options.detector) await detector.close();
    await release?.();
  }
}

/** What a batch works with once it started: the detector, the page reader, overlay names, counts, the file. */
interface BatchContext {
  detector: Detector;
  reader: PageReader;
  names: readonly string[];
  stats: BatchStats;
  writer: JsonlWriter | undefined;
}

async function runTodo(todo: readonly { image: PageInput; index: number }[], context: BatchContext, options: RunBatchOptions): Promise<{ interrupted: boolean }> {
  const { detector, names, stats, writer } = context;
  const stopSignals = [options.stopSignal, options.signal].filter((s): s is AbortSignal => Boolean(s));
  const stopSignal = stopSignals.length > 0 ? AbortSignal.any(stopSignals) : undefined;
  const onStop = () => {
    stats.stopping = true;
    options.onProgress?.(stats.snapshot());
  };
  stopSignal?.addEventListener('abort', onStop, { once: true });
  const report = () => options.onProgress?.(stats.snapshot());
  report();
  try {
    const outcome = await runOrdered(todo, {
      concurrency: options.concurrency ?? defaultConcurrency(detector),
      maxWaiting: options.maxWaiting ?? 1024,
      stopSignal,
      run: async ({ image, index }) => {
        stats.started();
        report();
        const outcome = await detectOne(image, context, options).catch((error: unknown) => {
          stats.dropped();
          throw error;
        });
        const detection = outcome?.detection;
        if (detection === undefined) stats.dropped();
        else {
          if (detection.error) options.onImageError?.(pageName(detection), detection.error);
          // An overlay that cannot be written fails the image (exit 1); its regions are still recorded.
          const overlayFailed =
            !detection.error && options.overlayDir !== undefined && !(await addOverlay(detection, outcome?.pixels ?? detection.image, overlayPath(options.overlayDir, names[index]), options));
          stats.finished(Boolean(detection.error) || overlayFailed);
        }
        report();
        return detection;
      },
      deliver: async (detection, position) => {
        await writer?.append(detection);
        await options.onDetection?.(detection, todo[position].index);
      },
    });
    return { interrupted: outcome.stopped || stats.done < todo.length };
  } finally {
    stopSignal?.removeEventListener('abort', onStop);
  }
}

/** `path` or `path page N`: how messages name an image or a page. */
export function pageName(detection: Pick<Detection, 'image' | 'page'>): string {
  return detection.page === undefined ? detection.image : `${detection.image} page ${detection.page}`;
}

/**
 * One image or page: the detector's Detection (with the page's pixels, for its overlay), an error
 * Detection, or undefined when a hard abort cut it off.
 */
async function detectOne(image: PageInput, context: BatchContext, options: RunBatchOptions): Promise<{ detection: Detection; pixels?: Buffer } | undefined> {
  const { detector, reader, stats } = context;
  const startMs = performance.now();
  const fail = (error: unknown): Detection =>
    failedDetection({ image: image.path, backend: detector.backend, model: detector.model, timings: { total: Math.round((performance.now() - startMs) * 100) / 100 } }, error);
  let detection: Detection;
  let pixels: Buffer | undefined;
  try {
    if (image.error) throw image.error;
    if (image.page !== undefined && image.kind) pixels = rawImageInput(await reader.render(image.path, image.kind, image.page));
    detection = await detector.detect(pixels ?? image.path, {
      name: image.path,
      signal: options.signal,
      concurrency: options.concurrency ?? defaultConcurrency(detector),
      onCounter: (name, increment) => stats.count(name, increment),
    });
  } catch (error) {
    if (options.signal?.aborted) return undefined;
    const e = toOcrdetError(error);
    if (FATAL_CODES.has(e.code)) throw e;
    detection = fail(e);
  }
  if (detection.error && options.signal?.aborted) return undefined;
  const { error } = detection;
  const hint = error?.code === 'OCRDET_BAD_IMAGE' ? unreadableFormatHint(image.path) : undefined;
  if (error && hint && !error.message.includes(hint)) detection = { ...detection, error: { ...error, message: `${error.message}; ${hint}` } };
  // The path as given (and the page) is the key a rerun matches on, whatever the backend wrote; `image` comes first.
  const { image: _asRecorded, page: _page, dpi: _dpi, ...rest } = detection;
  const page = image.page === undefined ? {} : { page: image.page, ...(image.kind === 'pdf' ? { dpi: reader.dpi } : {}) };
  return { detection: { image: image.path, ...page, ...rest }, ...(pixels ? { pixels } : {}) };
}

/**
 * Draws and writes one overlay over `picture` (the image file, or a page's pixels); false when it could not be
 * written. The failure is the image's: said through `onImageError`, and in the Detection's warnings (its regions
 * are good and recorded; a rerun draws the missing overlay from them).
 */
async function addOverlay(detection: Detection, picture: string | Buffer, file: string, options: RunBatchOptions): Promise<boolean> {
  const startMs = performance.now();
  try {
    await writeOverlay(detection, file, options.maxPixels, picture);
    detection.timings = { ...detection.timings, overlay: Math.round(performance.now() - startMs) };
    return true;
  } catch (error) {
    const failure = overlayFailure(error, file);
    detection.warnings = [...(detection.warnings ?? []), failure.message];
    options.onImageError?.(pageName(detection), failure);
    return false;
  }
}
