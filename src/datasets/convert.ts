/**
 * `convertDataset`: any dataset ocrdet reads → training data (ms-swift or InternVL JSONL with answers in a
 * grounding dialect, plus the data record ocrdet-data.json that training, serving and detection read) or
 * exchange data for detectors (ICDAR 2015, COCO), split into train/val.
 *
 * One pass over the dataset, one image at a time: sort its regions (convert-regions.ts), render the answer,
 * cut it into crops when over the token budget (crops.ts), encode its samples (convert-produce.ts), and append
 * them to a spool while the ledger (split.ts) keeps 24 bytes of numbers per image. When the dataset is done,
 * the exact split is decided and the spool is copied into train/val in hash order. Memory stays flat: no
 * sample outlives its iteration (the record keeps three numbers per row). Every problem is reported once and
 * the rest goes on; files are renamed into place only when complete, and with `strict` only when no problem
 * was found.
 */
import { existsSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { Sample } from '../core/types.js';
import { DATA_RECORD_FILE, DATA_RECORD_VERSION, type DataRecord, type RowTokens } from '../grounding/record.js';
import { estimateTokens } from './tokens.js';
import { resolveConvertOptions, type ConvertOptions, type ConvertSettings } from './convert-options.js';
import { ImageFiles, imageKey } from './convert-images.js';
import { produce, skipImage, type ConvertJob, type Produced } from './convert-produce.js';
import { renderReportMarkdown, type ConvertReport } from './convert-report.js';
import { resolveAnswerTarget, type AnswerTarget } from './convert-target.js';
import { ConvertTally } from './convert-tally.js';
import { makeOutputDir } from './files.js';
import { detectFormat, readDataset } from './index.js';
import type { DatasetProblem } from './problems.js';
import { writeDataRecord } from './record-file.js';
import { DUPLICATE, SplitLedger, VAL, seededHash53 } from './split.js';
import { readPromptsFrom } from './prompts-from.js';
import { Spool } from './spool.js';
import { OUTPUT_FORMATS } from './writers/index.js';

export type { ConvertOptions, ConvertProblem, ConvertProgress } from './convert-options.js';
export type { ConvertReport } from './convert-report.js';

const PROGRESS_EVERY = 500;

/**
 * The spool record of one image: a JSON header (key, per sample its regions and, for answers, its answer and
 * image tokens), then the samples' lines.
 */
function spoolRecord(key: string, produced: readonly Produced[], job: ConvertJob): string {
  let stats = '';
  let rows = '';
  for (const p of produced) {
    stats += `${stats ? ',' : ''}[${p.sample.care.length},${p.tokens?.answer ?? -1},${p.tokens?.image ?? -1}]`;
    rows += job.writer.encode(p.sample);
  }
  return `[${JSON.stringify(key)},[${stats}]]\n${rows}`;
}

function parseSpoolRecord(bytes: Buffer): { key: string; stats: [number, number, number][]; payload: Buffer } {
  const newline = bytes.indexOf(10);
  const [key, stats] = JSON.parse(bytes.toString('utf8', 0, newline)) as [string, [number, number, number][]];
  return { key, stats, payload: bytes.subarray(newline + 1) };
}

async function datasetRoot(dataset: string): Promise<string> {
  const info = await stat(dataset);
  return resolve(info.isDirectory() ? dataset : dirname(dataset));
}

/** Where samples come from, for keys, messages and the report. */
export interface SampleSource {
  /** The dataset path (reported). */
  dataset: string;
  /** The dataset format (reported). */
  format: string;
  /** Image keys (the split's hash input) are paths relative to this folder. */
  root: string;
}

/** Hands samples the reader left out for their image (it reported why) to the job being built, for its counts. */
interface SkippedSamples {
  forward?: (sample: Sample) => void;
}

/** Converts the dataset at `dataset` (see the module comment); resolves to the report also written as report.json. */
export async function convertDataset(dataset: string, options: ConvertOptions): Promise<ConvertReport> {
  const settings = resolveConvertOptions(options);
  const format = settings.format ?? (await detectFormat(dataset));
  const problems: { forward?: (problem: DatasetProblem) => void } = {};
  const skipped: SkippedSamples = {};
  const samples = readDataset(dataset, {
    format,
    probeImages: settings.probeImages,
    ...(settings.images !== undefined ? { images: settings.images } : {}),
    ...scoreOptions(format, settings),
    // The reader is the one that knows whether an image is there: it reports each missing one and leaves it out.
    requireImages: true,
    onSkippedSample: (sample) => skipped.forward?.(sample),
    onProblem: (problem) => problems.forward?.(problem),
  });
  return convert(samples, { dataset, format, root: await datasetRoot(dataset) }, options, problems, skipped);
}

/**
 * The thresholds that judge detections (results only; readDataset refuses them for annotations): a text
 * score means nothing for boxes or objects, so it is 0 there, and giving one is a usage error.
 */
function scoreOptions(format: string, settings: Readonly<ConvertSettings>): { minScore?: number; minTextScore?: number } {
  if (settings.task !== 'text' && settings.minTextScore !== undefined) {
    throw new UsageError(`${optionName('minTextScore')} judges recognised text: it applies to ${optionName('task')} text, not ${settings.task}`, { details: optionDetails('minTextScore', 'task') });
  }
  const minTextScore = settings.task === 'text' ? settings.minTextScore : format === 'results' ? 0 : undefined;
  return { ...(settings.minScore !== undefined ? { minScore: settings.minScore } : {}), ...(minTextScore !== undefined ? { minTextScore } : {}) };
}

/**
 * Converts a stream of samples (detections used as pseudo-labels, samples made by a program) whose image files
 * exist; `readerProblems.forward` is set to the function that takes the reader's problems.
 */
export async function convertSamples(
  samples: AsyncIterable<Sample>,
  source: SampleSource,
  options: ConvertOptions,
  readerProblems: { forward?: (problem: DatasetProblem) => void } = {},
): Promise<ConvertReport> {
  return convert(samples, source, options, readerProblems, {});
}

/** The target answers are written for (dialect, family, prompts, image rule), checked; undefined for exchange formats. */
async function answerTargetOf(settings: Readonly<ConvertSettings>): Promise<AnswerTarget | undefined> {
  if (!OUTPUT_FORMATS.get(settings.to).answers) return undefined;
  const from = settings.promptsFrom !== undefined ? await readPromptsFrom(settings.promptsFrom) : {};
  const prompt = settings.prompt ?? from.prompt;
  const system = settings.system ?? from.system;
  return resolveAnswerTarget(settings, { ...(prompt !== undefined ? { prompt } : {}), ...(system !== undefined ? { system } : {}) });
}

/**
 * Checks options as `convertDataset` does before it reads anything (output format, dialect, family, task,
 * prompts, image rule), writing nothing: for a caller that converts at the end of long work (autolabel).
 */
export async function checkConvertOptions(options: ConvertOptions): Promise<void> {
  await answerTargetOf(resolveConvertOptions(options));
}

/** The job of a conversion: its writer, files and tally, and for answer formats the target they are written for. */
async function createJob(settings: Readonly<ConvertSettings>, out: string, tally: ConvertTally): Promise<ConvertJob> {
  const entry = OUTPUT_FORMATS.get(settings.to);
  const files = new ImageFiles({ out, paths: settings.paths, copyImages: settings.copyImages, probe: settings.probeImages });
  const target = await answerTargetOf(settings);
  if (!target) return { kind: 'exchange', settings, writer: entry.create({ swiftVersion: 3, imageTag: true }), files, tally };
  const writer = entry.create({ swiftVersion: settings.swiftVersion === 2 ? 2 : 3, imageTag: target.imageTag });
  const promptTokens = estimateTokens(target.family.template.promptText({ prompt: target.prompt, ...(target.system !== undefined ? { system: target.system } : {}), answer: '' }));
  return { kind: 'answers', settings, writer, files, tally, target, promptTokens };
}

async function convert(
  samples: AsyncIterable<Sample>,
  source: SampleSource,
  options: ConvertOptions,
  readerProblems: { forward?: (problem: DatasetProblem) => void },
  skipped: SkippedSamples,
): Promise<ConvertReport> {
  const started = performance.now();
  const settings = resolveConvertOptions(options);
  const tally = new ConvertTally(options.onProblem);
  const out = resolve(settings.out);
  const created = !existsSync(out);
  // Everything the options can get wrong is found before the output folder is made.
  const job = await createJob(settings, out, tally);
  makeOutputDir(out);
  const root = resolve(source.root);
  readerProblems.forward = (problem) => {
    if (problem.skipped && (problem.kind === 'degenerate' || problem.kind === 'out-of-image' || problem.kind === 'bad-record')) tally.drop(problem.kind);
    tally.problem(problem);
  };
  skipped.forward = (sample) => skipImage(job, sample);
  const ledger = new SplitLedger();
  let finished = false;
  const spool = new Spool(join(out, `.spool-${process.pid}.tmp`));
  try {
    let producedSamples = 0;
    for await (const sample of samples) {
      const key = imageKey(sample.image, root);
      const hash = seededHash53(key, settings.seed);
      const produced = await produce(job, sample, hash);
      if (produced.length > 0) {
        const { offset, length } = spool.append(spoolRecord(key, produced, job));
        ledger.add({ hash, offset, length, source: sample.source });
        producedSamples += produced.length;
      }
      if (tally.imagesRead % PROGRESS_EVERY === 0) options.onProgress?.({ images: tally.imagesRead, samples: producedSamples });
    }
    const routed = route(job, ledger, spool, out);
    const files = { ...job.writer.files(), ...(job.kind === 'answers' ? { record: DATA_RECORD_FILE } : {}), report: 'report.json', reportMarkdown: 'report.md' };
    const report = tally.report(settings, {
      dataset: source.dataset,
      format: source.format,
      out,
      files,
      written: routed.written,
      elapsedMs: Math.round(performance.now() - started),
      images: routed.images,
      samples: routed.samples,
      ...(job.kind === 'answers' ? { target: job.target } : {}),
    });
    if (job.kind === 'answers' && routed.written) writeDataRecord(out, dataRecord(job.target, job.writer.files(), routed.rows));
    writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(out, 'report.md'), renderReportMarkdown(report));
    finished = true;
    return report;
  } finally {
    spool.remove();
    // A run that stopped before writing anything leaves no empty --out folder of its own making behind.
    if (!finished && created) rmEmptyDir(out);
  }
}

function rmEmptyDir(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty (crops were written) or already gone: leave it
  }
}

function dataRecord(target: AnswerTarget, files: Record<string, string>, rows: { train: RowTokens[]; val: RowTokens[] }): DataRecord {
  return {
    kind: 'ocrdet data record',
    version: DATA_RECORD_VERSION,
    family: target.family.name,
    dialect: target.dialect.name,
    grid: { kind: target.dialect.grid.kind, max: target.dialect.grid.max },
    image: target.image,
    task: target.style.task,
    answer: target.style.mode,
    answerStyle: target.answerStyle,
    prompt: target.prompt,
    ...(target.system !== undefined ? { system: target.system } : {}),
    ...(target.swift ? { swift: target.swift } : {}),
    files: { train: files.train, val: files.val },
    rows,
  };
}

/** Decides the split and copies each image's record from the spool to its split's sink, in hash order. */
function route(job: ConvertJob, ledger: SplitLedger, spool: Spool, out: string) {
  const { settings, tally, writer } = job;
  const { order, side } = ledger.assign(settings.split, settings.splitBy);
  const sinks = writer.openSinks({ out });
  const images = { train: 0, val: 0 };
  const rows: { train: RowTokens[]; val: RowTokens[] } = { train: [], val: [] };
  const promptTokens = job.kind === 'answers' ? job.promptTokens : 0;
  try {
    for (const index of order) {
      const entry = ledger.entry(index);
      const { key, stats, payload } = parseSpoolRecord(spool.read(entry.offset, entry.length));
      if (side[index] === DUPLICATE) {
        const regions = stats.reduce((n, [r]) => n + r, 0);
        tally.drop('duplicate', regions);
        tally.skipImage('duplicate', key);
        tally.problem({ kind: 'duplicate', file: key, message: 'the same image is listed more than once; later copies skipped', skipped: true });
        continue;
      }
      const split = side[index] === VAL ? 'val' : 'train';
      sinks[split].write(payload);
      images[split]++;
      for (const [regions, answer, image] of stats) {
        tally.sample(regions, answer >= 0 ? answer : undefined);
        if (answer >= 0) {
          rows[split].push({ prompt: promptTokens, answer, image });
          tally.rowTokens.add(promptTokens + answer + image);
        }
      }
    }
    const written = !(settings.strict && tally.problemsSkipped > 0);
    if (written) {
      sinks.train.commit();
      sinks.val.commit();
      writer.finish?.({ out }, { train: sinks.train.samples, val: sinks.val.samples });
    } else {
      sinks.train.discard();
      sinks.val.discard();
    }
    return { written, images, samples: { train: sinks.train.samples, val: sinks.val.samples }, rows };
  } catch (error) {
    sinks.train.discard();
    sinks.val.discard();
    throw error;
  }
}
