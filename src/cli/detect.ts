/**
 * `ocrdet detect <image|dir|glob>...`: a thin shell over `runBatch` (src/batch/run.ts).
 *
 * One file argument → one Detection as pretty JSON on stdout. Anything else → JSONL, one Detection per line
 * in input order, on stdout or in `--out FILE` (resumable). Per-image errors: one `path: CODE: message`
 * line on stderr each, the batch goes on, exit 1. Ctrl-C once: no new image starts, those in flight finish
 * and are written, exit 130; twice: the ones in flight are aborted too; three times: exit at once.
 *
 * Backend options are not listed here: each backend's registry entry (src/detectors/index.ts) declares its
 * flags, which appear under their own help heading and reach only that backend.
 */
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { z } from 'zod';
import { InterruptedError, UsageError, errorLine } from '../core/errors.js';
import { count } from '../core/plural.js';
import type { Detection, DetectionError } from '../core/types.js';
import { makeOutputDir } from '../datasets/files.js';
import { BACKENDS, DEFAULT_BACKEND } from '../detectors/index.js';
import type { DetectorBackend } from '../detectors/types.js';
import type { PageInput } from '../batch/pages.js';
import type { PageReader } from '../image/pages.js';
import { OUTPUT_FORMATS } from '../formats/index.js';
import { packageVersion } from './commands.js';
import { PAGE_DEFAULTS } from '../image/pages.js';
import type { ImageInput } from '../batch/inputs.js';
import type { Shard } from '../batch/shard.js';
import { backendFlagTable, backendOptions, cliOptionName, detectorFromFlags } from './backend-flags.js';
import { defineCommand, givenWords, type ArgumentTable, type FlagsOf, type Invocation } from './command-spec.js';
import { emitDetectSlurm, OWN_FLAGS, resolveShard, SHARD_FLAGS } from './detect-shards.js';
import { inFlagText, positiveInt, prettyDetectionJson, showProgress, warn } from './output.js';
import { onInterrupt } from './signals.js';

/** `--format`: JSON Detections (one pretty object / an array), JSONL, or a document format of src/formats. */
const FORMAT_NAMES = ['json', 'jsonl', 'text', 'hocr', 'alto'] as const;

const FLAGS = {
  backend: { flags: '--backend <name>', description: `detector backend: ${BACKENDS.names().join(', ')}`, default: DEFAULT_BACKEND, schema: z.string().min(1) },
  format: {
    flags: '--format <name>',
    description: `output: ${FORMAT_NAMES.join(', ')} (default: json for one image, jsonl otherwise; text, hocr and alto are documents in reading order)`,
    // Any case; `txt` is text.
    parse: (value: string) => (value.toLowerCase() === 'txt' ? 'text' : value.toLowerCase()),
    schema: z.enum(FORMAT_NAMES).optional(),
  },
  dpi: {
    flags: '--dpi <n>',
    description: `PDF pages are rendered at this resolution (default ${PAGE_DEFAULTS.dpi}: 10 pt text 28 px tall)`,
    parse: positiveInt('--dpi'),
    schema: z.number().int().positive().max(2400).default(PAGE_DEFAULTS.dpi),
  },
  pages: { flags: '--pages <ranges>', description: 'pages of each PDF or multi-page TIFF, e.g. 1-3,7 or 10- (default: all)', schema: z.string().min(1).optional() },
  out: { flags: '--out <file>', description: 'write JSONL to this file; a rerun skips the images already in it', schema: z.string().min(1).optional() },
  overlay: { flags: '--overlay <dir>', description: 'write one PNG per image with the regions drawn (names mirror the input paths)', schema: z.string().min(1).optional() },
  concurrency: {
    flags: '--concurrency <n>',
    description: `images in flight at once (default: per backend, ${BACKENDS.all().map((b) => `${b.name} ${b.defaultConcurrency}`).join(', ')})`,
    parse: positiveInt('--concurrency'),
    schema: z.number().int().positive().optional(),
  },
  retryErrors: { flags: '--retry-errors', description: 'with --out: redo images recorded with an error (default: keep them)', schema: z.boolean().default(false) },
  quiet: { flags: '-q, --quiet', description: 'no progress bar, notices or summary (per-image errors are still printed)', schema: z.boolean().default(false) },
  json: { flags: '--json', description: 'output is always JSON (accepted for symmetry with other commands)', hidden: true, schema: z.boolean().optional() },
  ...SHARD_FLAGS,
  ...backendFlagTable(),
} as const;
type DetectFlags = FlagsOf<typeof FLAGS>;

/** `path: CODE: message`, without repeating the path when the message starts with it; options said as flags. */
export function imageErrorLine(image: string, error: DetectionError): string {
  const message = error.message.startsWith(`${image}: `) ? error.message.slice(image.length + 2) : error.message;
  return `${image}: ${errorLine({ code: error.code, message: inFlagText(message, cliOptionName) })}`;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Overlays written into an input directory would be read as inputs by the next run. */
async function checkOverlayDir(overlay: string, inputs: readonly string[]): Promise<void> {
  const info = await stat(overlay).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UsageError(`--overlay ${overlay}: exists and is not a directory`);
  const target = resolve(overlay) + sep;
  for (const input of inputs) {
    if (!(await stat(input).catch(() => undefined))?.isDirectory()) continue;
    if (target.startsWith(resolve(input) + sep)) {
      throw new UsageError(`--overlay ${overlay}: is inside the input directory ${input}; the overlays would be read as images next time`);
    }
  }
  // Made now, so that a folder that cannot be made stops the run before any work (not one warning per image).
  makeOutputDir(overlay, 'overlay');
}

/**
 * Text on stdout with back-pressure; a closed pipe (`| head`) stops the batch quietly. `beforeWrite` lets
 * the progress bar step aside when stdout and stderr are the same terminal.
 */
function stdoutWriter(onClosed: () => void, beforeWrite?: () => void): (text: string) => Promise<void> {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
    onClosed();
  });
  return async (text) => {
    if (closed || text === '') return;
    beforeWrite?.();
    if (process.stdout.write(text)) return;
    await new Promise<void>((done) => {
      process.stdout.once('drain', done);
      process.stdout.once('error', () => done());
    });
  };
}

/** A Detection as one JSON line, `image` first. */
function jsonLine(detection: Detection): string {
  const { image, ...rest } = detection;
  return `${JSON.stringify({ image, ...rest })}\n`;
}

/** How results reach stdout in a format: what goes before the first, around each, and after the last. */
interface StdoutFormat {
  begin(): string;
  item(detection: Detection, index: number): string;
  end(count: number): string;
}

function stdoutFormat(format: (typeof FORMAT_NAMES)[number], files: readonly string[]): StdoutFormat {
  if (format === 'jsonl') return { begin: () => '', item: jsonLine, end: () => '' };
  if (format === 'json') {
    return {
      begin: () => '[\n',
      item: (d, i) => `${i > 0 ? ',\n' : ''}${prettyDetectionJson(d, '  ').replace(/^/, '  ')}`,
      end: (count) => (count > 0 ? '\n]\n' : ']\n'),
    };
  }
  const entry = OUTPUT_FORMATS.get(format);
  const context = { software: { name: 'ocrdet', version: packageVersion() }, files };
  return { begin: () => entry.begin(context), item: (d, i) => entry.page(d, i), end: () => entry.end() };
}

/** SIGINT/SIGTERM: first → stop, second → abort, third → exit now. Returns the function that detaches it. */
export function handleSignals(stop: AbortController, abort: AbortController, log: (line: string) => void): () => void {
  return onInterrupt((count) => {
    if (count === 1) {
      stop.abort();
      log('detect: stopping: no new images; waiting for those in flight (Ctrl-C again to abort them)');
    } else if (count === 2) {
      abort.abort();
      log('detect: aborting the images in flight (Ctrl-C again to exit at once)');
    } else return false;
    return true;
  });
}

/** Detects every page of the inputs; exit 1 when some failed (each named on stderr), 0 otherwise. */
async function runDetect(inputs: readonly string[], invocation: Invocation<ArgumentTable, typeof FLAGS>): Promise<number> {
  const { flags } = invocation;
  const entry = BACKENDS.get(flags.backend);
  const detectorOptions = backendOptions(flags, invocation.given, entry.name);
  const shard = resolveShard(flags);
  if (flags.overlay) await checkOverlayDir(flags.overlay, inputs);
  if (flags.retryErrors && !flags.out) throw new UsageError('--retry-errors needs --out FILE (the results file whose errors to redo)');
  if (flags.out && flags.format && flags.format !== 'jsonl') {
    throw new UsageError(`--format ${flags.format} writes to stdout; --out always writes resumable JSONL (drop --out and redirect: > result.${flags.format === 'text' ? 'txt' : flags.format === 'hocr' ? 'hocr' : 'xml'})`);
  }
  // Heavy modules (sharp, onnxruntime, PDFium, the batch engine) load only now.
  const { expandInputs } = await import('../batch/inputs.js');
  const { expandPages, parsePageRanges } = await import('../batch/pages.js');
  if (flags.emit) {
    // Every task runs this command: what it would refuse is refused here, before a script of N failing tasks.
    if (flags.pages !== undefined) parsePageRanges(flags.pages);
    const files = await expandInputs(inputs);
    await emitDetectSlurm(givenWords(spec, invocation, OWN_FLAGS), inputs, flags);
    if (!flags.quiet) warn(`detect: ${count(files.length, 'input')} in ${flags.shards} parts`);
    return 0;
  }
  const { PageReader } = await import('../image/pages.js');
  const selection = flags.pages === undefined ? undefined : parsePageRanges(flags.pages);
  const maxPixels = typeof detectorOptions.maxPixels === 'number' ? detectorOptions.maxPixels : undefined;
  const reader = new PageReader({ dpi: flags.dpi, maxPixels });
  const notice = (message: string) => (flags.quiet ? undefined : warn(`detect: ${message}`));
  try {
    const { files, batchShard } = await shardFiles(await expandInputs(inputs), shard, Boolean(flags.overlay), notice);
    const pages = await expandPages(files, reader, selection, notice);
    // Each part has its own results file (dets.jsonl → dets.3-of-16.jsonl): parts never write one file together.
    const out = flags.out && shard ? (await import('../batch/shard.js')).shardResultsPath(flags.out, shard) : flags.out;
    if (shard && out) notice(`this part's results go to ${out}`);
    // One file giving one Detection prints it as one pretty JSON object; anything else streams.
    const single = inputs.length === 1 && !out && !shard && pages.length === 1 && (await isFile(inputs[0]));
    return await detectPages(pages, reader, { ...flags, out, format: flags.format ?? (single ? 'json' : 'jsonl') }, single, entry, detectorOptions, batchShard);
  } finally {
    await reader.close();
  }
}

/**
 * The files a part opens: its own, chosen before any document is opened. With overlays every file is kept and the
 * batch picks the part's pages itself (`batchShard`), so that overlays are named over every page, as one run names them.
 */
async function shardFiles(files: ImageInput[], shard: Shard | undefined, overlays: boolean, notice: (message: string) => void): Promise<{ files: ImageInput[]; batchShard?: Shard }> {
  if (!shard) return { files };
  if (overlays) return { files, batchShard: shard };
  const { inShard, shardLabel } = await import('../batch/shard.js');
  const mine = files.filter((file) => inShard(file, shard));
  notice(`part ${shardLabel(shard)}: ${mine.length} of ${count(files.length, 'input')}`);
  return { files: mine };
}

/** Detects the pages (images, and pages of documents) and writes the results as the flags say. */
async function detectPages(
  pages: readonly PageInput[],
  reader: PageReader,
  flags: DetectFlags & { format: (typeof FORMAT_NAMES)[number] },
  single: boolean,
  entry: DetectorBackend<never>,
  detectorOptions: Record<string, unknown>,
  shard?: Shard,
): Promise<number> {
  const { runBatch } = await import('../batch/run.js');
  const detector = await detectorFromFlags(entry.name, detectorOptions);

  const { ProgressBar } = await import('./progress.js');
  const bar = showProgress(flags.quiet) && !single ? new ProgressBar(process.stderr, { label: 'detect', counters: entry.counters }) : undefined;
  const log = (line: string) => (bar ? bar.log(line) : warn(line));
  const stop = new AbortController();
  const abort = new AbortController();
  const detach = handleSignals(stop, abort, log);
  let singleResult: Detection | undefined;
  let pipeClosed = false;
  const onPipeClosed = () => ((pipeClosed = true), stop.abort());
  // stdout gets the results unless they go to --out, or a single Detection is printed pretty at the end.
  const write = (single && flags.format === 'json') || flags.out ? undefined : stdoutWriter(onPipeClosed, process.stdout.isTTY ? () => bar?.clear() : undefined);
  const format = stdoutFormat(flags.format, [...new Set(pages.map((p) => p.path))]);
  let written = 0;
  await write?.(format.begin());
  try {
    const summary = await runBatch({
      pageInputs: pages,
      pageReader: reader,
      ...(shard ? { shard } : {}),
      detector,
      concurrency: flags.concurrency,
      out: flags.out,
      retryErrors: flags.retryErrors,
      overlayDir: flags.overlay,
      maxPixels: reader.maxPixels,
      stopSignal: stop.signal,
      signal: abort.signal,
      onDetection: (detection) => (write ? write(format.item(detection, written++)) : single ? void (singleResult = detection) : undefined),
      onImageError: (image, error) => log(imageErrorLine(image, error)),
      onProgress: (progress) => bar?.update(progress),
      onNotice: (message) => (flags.quiet ? undefined : log(`detect: ${message}`)),
    });
    bar?.finish();
    await write?.(format.end(written));
    if (singleResult) process.stdout.write(`${prettyDetectionJson(singleResult)}\n`);
    if (!single && !flags.quiet) {
      const rate = summary.elapsedMs > 0 ? (summary.done / summary.elapsedMs) * 1000 : 0;
      const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped (already in ${flags.out})` : '';
      // The backend's counters as totals (requests, retries, tokens…): the bar showed them while it ran.
      const counters = Object.entries(summary.counters).map(([name, n]) => `${name} ${n}`).join(', ');
      const unit = pages.some((p) => p.page !== undefined) ? 'page' : 'image';
      warn(`detect: ${count(summary.done, unit)} done, ${summary.failed} failed${skipped} in ${(summary.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(2)} ${unit}s/s)${counters ? `; ${counters}` : ''}`);
      for (const line of detector.summary?.() ?? []) warn(`detect: ${line}`);
      if (summary.previouslyFailed > 0) {
        warn(`detect: ${count(summary.previouslyFailed, 'image')} failed in an earlier run and were not retried; add --retry-errors to redo them`);
      }
    }
    if (summary.interrupted && !pipeClosed) {
      const left = summary.total - summary.skipped - summary.done;
      const where = flags.out ? ` (kept in ${flags.out}; run the same command again to do the other ${left})` : '';
      throw new InterruptedError(`stopped by a signal after ${summary.done} of ${count(summary.total - summary.skipped, 'image')}${where}`);
    }
    return summary.failed > 0 || summary.previouslyFailed > 0 ? 1 : 0;
  } finally {
    bar?.finish();
    detach();
    await detector.close();
  }
}

export const spec = defineCommand({
  name: 'detect',
  description: 'Detect text regions in images: one Detection (JSON) per image, in input order.',
  arguments: {
    inputs: {
      name: '<inputs...>',
      description: "image and PDF files, directories (recursive) and glob patterns (quote them: 'scans/**/*.png')",
      schema: z.array(z.string()),
    },
  },
  flags: FLAGS,
  helpAfter:
    '\nOutput: one input file → a Detection as JSON; several images or pages → JSONL (one Detection per line, input order).\n' +
    'A PDF gives one Detection per page (page, dpi); so does a TIFF of several pages.\n' +
    'Exit codes: 0 all done, 1 some images failed (each named on stderr), 2 usage error, 130 interrupted.',
  run: (invocation) => runDetect(invocation.args.inputs, invocation),
});
