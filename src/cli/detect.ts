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
import { Command, Option } from 'commander';
import { z } from 'zod';
import { InterruptedError, UsageError, errorLine } from '../core/errors.js';
import { count } from '../core/plural.js';
import type { Detection, DetectionError } from '../core/types.js';
import { makeOutputDir } from '../datasets/files.js';
import { BACKENDS, DEFAULT_BACKEND } from '../detectors/index.js';
import { addBackendFlags, backendOptions, cliOptionName, detectorFromFlags } from './backend-flags.js';
import { inFlagText, parseFlags, positiveInt, prettyDetectionJson, showProgress, warn } from './output.js';

const detectFlagsSchema = z.object({
  backend: z.string().min(1),
  out: z.string().min(1).optional(),
  overlay: z.string().min(1).optional(),
  concurrency: z.number().int().positive().optional(),
  retryErrors: z.boolean().default(false),
  quiet: z.boolean().default(false),
});
type DetectFlags = z.infer<typeof detectFlagsSchema>;

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
 * JSONL on stdout with back-pressure; a closed pipe (`| head`) stops the batch quietly. `beforeWrite` lets
 * the progress bar step aside when stdout and stderr are the same terminal.
 */
function stdoutSink(onClosed: () => void, beforeWrite?: () => void): (detection: Detection) => Promise<void> {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
    onClosed();
  });
  return async (detection) => {
    if (closed) return;
    const { image, ...rest } = detection;
    beforeWrite?.();
    if (process.stdout.write(`${JSON.stringify({ image, ...rest })}\n`)) return;
    await new Promise<void>((done) => {
      process.stdout.once('drain', done);
      process.stdout.once('error', () => done());
    });
  };
}

/** SIGINT/SIGTERM: first → stop, second → abort, third → exit now. Returns the function that detaches it. */
export function handleSignals(stop: AbortController, abort: AbortController, log: (line: string) => void): () => void {
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      stop.abort();
      log('detect: stopping: no new images; waiting for those in flight (Ctrl-C again to abort them)');
    } else if (count === 2) {
      abort.abort();
      log('detect: aborting the images in flight (Ctrl-C again to exit at once)');
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

async function runDetect(inputs: string[], flags: DetectFlags, command: Command): Promise<void> {
  const entry = BACKENDS.get(flags.backend);
  const detectorOptions = backendOptions(command, entry.name);
  if (flags.overlay) await checkOverlayDir(flags.overlay, inputs);
  if (flags.retryErrors && !flags.out) throw new UsageError('--retry-errors needs --out FILE (the results file whose errors to redo)');
  const single = inputs.length === 1 && !flags.out && (await isFile(inputs[0]));
  // Heavy modules (sharp, onnxruntime, the batch engine) load only now.
  const { expandInputs } = await import('../batch/inputs.js');
  const { runBatch } = await import('../batch/run.js');
  const images = await expandInputs(inputs);
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
  const toStdout = single || flags.out ? undefined : stdoutSink(onPipeClosed, process.stdout.isTTY ? () => bar?.clear() : undefined);
  try {
    const summary = await runBatch({
      images,
      detector,
      concurrency: flags.concurrency,
      out: flags.out,
      retryErrors: flags.retryErrors,
      overlayDir: flags.overlay,
      maxPixels: typeof detectorOptions.maxPixels === 'number' ? detectorOptions.maxPixels : undefined,
      stopSignal: stop.signal,
      signal: abort.signal,
      onDetection: (detection) => (single ? void (singleResult = detection) : toStdout?.(detection)),
      onImageError: (image, error) => log(imageErrorLine(image, error)),
      onProgress: (progress) => bar?.update(progress),
      onNotice: (message) => (flags.quiet ? undefined : log(`detect: ${message}`)),
    });
    bar?.finish();
    if (singleResult) process.stdout.write(`${prettyDetectionJson(singleResult)}\n`);
    if (!single && !flags.quiet) {
      const rate = summary.elapsedMs > 0 ? (summary.done / summary.elapsedMs) * 1000 : 0;
      const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped (already in ${flags.out})` : '';
      // The backend's counters as totals (requests, retries, tokens…): the bar showed them while it ran.
      const counters = Object.entries(summary.counters).map(([name, n]) => `${name} ${n}`).join(', ');
      warn(`detect: ${count(summary.done, 'image')} done, ${summary.failed} failed${skipped} in ${(summary.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(2)} images/s)${counters ? `; ${counters}` : ''}`);
      if (summary.previouslyFailed > 0) {
        warn(`detect: ${count(summary.previouslyFailed, 'image')} failed in an earlier run and were not retried; add --retry-errors to redo them`);
      }
    }
    if (summary.interrupted && !pipeClosed) {
      const left = summary.total - summary.skipped - summary.done;
      const where = flags.out ? ` (kept in ${flags.out}; run the same command again to do the other ${left})` : '';
      throw new InterruptedError(`stopped by a signal after ${summary.done} of ${count(summary.total - summary.skipped, 'image')}${where}`);
    }
    if (summary.failed > 0 || summary.previouslyFailed > 0) process.exitCode = 1;
  } finally {
    bar?.finish();
    detach();
    await detector.close();
  }
}

export function createCommand(): Command {
  const command = new Command('detect')
    .description('Detect text regions in images: one Detection (JSON) per image, in input order.')
    .argument('<inputs...>', 'image files, directories (recursive) and glob patterns (quote them: \'scans/**/*.png\')')
    .option('--backend <name>', `detector backend: ${BACKENDS.names().join(', ')}`, DEFAULT_BACKEND)
    .option('--out <file>', 'write JSONL to this file; a rerun skips the images already in it')
    .option('--overlay <dir>', 'write one PNG per image with the regions drawn (names mirror the input paths)')
    .option('--concurrency <n>', `images in flight at once (default: per backend, ${BACKENDS.all().map((b) => `${b.name} ${b.defaultConcurrency}`).join(', ')})`, positiveInt('--concurrency'))
    .option('--retry-errors', 'with --out: redo images recorded with an error (default: keep them)')
    .option('-q, --quiet', 'no progress bar, notices or summary (per-image errors are still printed)')
    .addOption(new Option('--json', 'output is always JSON (accepted for symmetry with other commands)').hideHelp())
    .addOption(new Option('--debug', 'print stack traces').hideHelp());
  addBackendFlags(command);
  command.addHelpText(
    'after',
    '\nOutput: one input file → a Detection as JSON; several images → JSONL (one Detection per line, input order).\n' +
      'Exit codes: 0 all done, 1 some images failed (each named on stderr), 2 usage error, 130 interrupted.',
  );
  return command.action(async (inputs: string[], raw: Record<string, unknown>, cmd: Command) => {
    const flags = parseFlags(detectFlagsSchema, { ...raw, retryErrors: raw.retryErrors ?? false, quiet: raw.quiet ?? false }, 'ocrdet detect');
    await runDetect(inputs, { ...flags }, cmd);
  });
}
