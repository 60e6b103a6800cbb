/**
 * `convertDataset`: any dataset ocrdet reads → training data (ms-swift or InternVL JSONL with answers in a
 * grounding dialect) or exchange data for detectors (ICDAR 2015, COCO), split into train/val.
 *
 * One pass over the dataset, one image at a time: sort its regions (convert-regions.ts), render the answer,
 * cut it into crops when over the token budget (crops.ts), encode its samples, and append them to a spool
 * while the ledger (split.ts) keeps 24 bytes of numbers per image. When the dataset is done, the exact split
 * is decided and the spool is copied into train/val in hash order. Memory stays flat: no sample outlives its
 * iteration. Every problem is reported once and the rest goes on; files are renamed into place only when
 * complete, and with `strict` only when no problem was found.
 */
import { existsSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { count } from '../core/plural.js';
import type { ImageSize, Region, Sample } from '../core/types.js';
import { getDialect } from '../grounding/index.js';
import type { GroundingDialect } from '../grounding/types.js';
import { resolveConvertOptions, type ConvertOptions, type ConvertProblem, type ConvertSettings } from './convert-options.js';
import { ImageFiles, imageKey } from './convert-images.js';
import { renderAnswer, sortRegions, type AnswerStyle, type RenderedAnswer, type SortedRegions } from './convert-regions.js';
import { renderReportMarkdown, type ConvertReport } from './convert-report.js';
import { ConvertTally } from './convert-tally.js';
import { planCrops } from './crops.js';
import { isImageName, makeOutputDir } from './files.js';
import { detectFormat, readDataset } from './index.js';
import type { DatasetProblem } from './problems.js';
import { DUPLICATE, SplitLedger, VAL, seededHash53 } from './split.js';
import { readPromptsFrom } from './prompts-from.js';
import { Spool } from './spool.js';
import { OUTPUT_FORMATS, type OutputSample, type OutputWriter } from './writers/index.js';

export type { ConvertOptions, ConvertProblem, ConvertProgress } from './convert-options.js';
export type { ConvertReport } from './convert-report.js';

const PROGRESS_EVERY = 500;

/** One sample before encoding, with what the report needs. */
interface Produced {
  sample: OutputSample;
  tokens?: number;
}

interface Job {
  settings: Readonly<ConvertSettings>;
  writer: OutputWriter;
  llm: boolean;
  style?: AnswerStyle;
  prompt?: string;
  system?: string;
  files: ImageFiles;
  tally: ConvertTally;
  root: string;
  /** Images the reader reported as unreadable (absolute paths) or missing (file names): few, only bad ones. */
  badImages: Set<string>;
  reportedMissing: Set<string>;
  /** Missing images not yet reported (see missingImage). */
  missing: { anyFound: boolean; held: ConvertProblem[]; overflow: number };
}

function where(sample: Sample): string {
  return sample.image;
}

/** Missing images held back until an image is found: readers hold theirs back the same way (sample-builder.ts). */
const MAX_HELD_MISSING = 1_000;

/** Reports a missing image, unless the reader may still report it (it holds missing images until it finds one). */
function missingImage(job: Job, problem: ConvertProblem): void {
  if (job.missing.anyFound) job.tally.problem(problem);
  else if (job.missing.held.length < MAX_HELD_MISSING) job.missing.held.push(problem);
  else job.missing.overflow++;
}

/**
 * Releases the held-back missing images: once an image is found (`found`), each one the reader has not
 * reported by then is reported; at the end of a dataset with no image at all, one line sums them up.
 */
function settleMissing(job: Job, found: boolean): void {
  const { held, overflow } = job.missing;
  job.missing.held = [];
  job.missing.overflow = 0;
  job.missing.anyFound ||= found;
  if (found) {
    for (const problem of held) if (!job.reportedMissing.has(basename(problem.file))) job.tally.problem(problem);
    if (overflow > 0) job.tally.problem({ kind: 'unreadable-image', file: job.root, message: `${overflow} more images not found; skipped`, skipped: true });
  } else if (held.length > 0) {
    const count = held.length + overflow;
    job.tally.problem({ kind: 'unreadable-image', file: job.root, message: `no image found for any of the ${count} samples (first: ${held[0].file}); all skipped — pass --images DIR if the images are elsewhere`, skipped: true });
  }
}

/** Why a sample's image cannot be used (and whether the reader already said so), or undefined. */
function unusableReason(sample: Sample, job: Job): { why: string; reported: boolean } | undefined {
  if (job.badImages.has(sample.image)) return { why: 'image header unreadable', reported: true };
  if (!job.files.exists(sample.image)) return { why: 'image not found', reported: job.reportedMissing.has(basename(sample.image)) };
  if (!(sample.width > 0 && sample.height > 0)) return { why: 'image size unknown', reported: false };
  return undefined;
}

function reportDrops(job: Job, sample: Sample, sorted: SortedRegions): void {
  job.tally.drop('dont-care', sorted.ignored.length);
  for (const d of sorted.dropped) {
    job.tally.drop(d.reason);
    job.tally.problem({ kind: d.reason === 'duplicate' ? 'duplicate' : d.reason, file: where(sample), element: `region ${d.index}`, message: `${d.why}; left out`, skipped: true });
  }
  job.tally.clipped += sorted.clipped;
  job.tally.withoutText += sorted.withoutText;
}

function outputSample(job: Job, image: string, size: ImageSize, care: Region[], ignored: Region[], answer?: RenderedAnswer): OutputSample {
  return {
    image: job.files.ref(image),
    size,
    care,
    ignored,
    task: job.settings.task,
    ...(job.prompt !== undefined ? { prompt: job.prompt } : {}),
    ...(job.system !== undefined ? { system: job.system } : {}),
    ...(answer ? { answer } : {}),
  };
}

/** Crops of an over-budget image, or undefined (reported) when it is skipped. */
async function overflow(job: Job, sample: Sample, care: Region[], answer: RenderedAnswer, hash: number): Promise<Produced[] | undefined> {
  const { settings, tally } = job;
  const size = { width: sample.width, height: sample.height };
  const budget = settings.maxAnswerTokens;
  if (settings.overflow === 'skip') {
    tally.overBudgetImage({ image: sample.image, tokens: answer.tokens, outcome: 'skipped' });
    tally.problem({ kind: 'over-budget', file: sample.image, message: `answer of ~${answer.tokens} tokens is over --max-answer-tokens ${budget}; image skipped (--overflow skip)`, skipped: true });
    return undefined;
  }
  const plan = planCrops(care, size, {
    fits: (regions, cropSize) => renderAnswer(regions, cropSize, job.style!).tokens <= budget,
    minTiles: answer.tokens / budget,
  });
  if (!plan) {
    tally.overBudgetImage({ image: sample.image, tokens: answer.tokens, outcome: 'uncroppable' });
    tally.problem({ kind: 'over-budget', file: sample.image, message: `answer of ~${answer.tokens} tokens is over --max-answer-tokens ${budget} and no layout of crops fits; image skipped`, skipped: true });
    return undefined;
  }
  const paths = await job.files.crops(sample.image, hash, plan.tiles.map((t) => t.rect));
  tally.overBudgetImage({ image: sample.image, tokens: answer.tokens, outcome: 'cropped', crops: plan.tiles.length });
  tally.cutByCrops += plan.cut;
  tally.samplesFromCrops += plan.tiles.length;
  return plan.tiles.map((tile, i) => {
    const cropSize = { width: tile.rect[2] - tile.rect[0], height: tile.rect[3] - tile.rect[1] };
    const cropAnswer = renderAnswer(tile.regions, cropSize, job.style!);
    return { sample: outputSample(job, paths[i], cropSize, tile.regions, [], cropAnswer), tokens: cropAnswer.tokens };
  });
}

/** The samples of one dataset sample (none when it is skipped; the reason is reported). */
async function produce(job: Job, sample: Sample, hash: number): Promise<Produced[]> {
  const { settings, tally } = job;
  tally.regionsRead += sample.regions.length;
  const unusable = unusableReason(sample, job);
  if (unusable) {
    tally.drop('unreadable-image', sample.regions.length);
    tally.skipImage('unreadable-image', sample.image);
    // The reader's own line already says so: one line per bad input.
    if (!unusable.reported) missingImage(job, { kind: 'unreadable-image', file: sample.image, message: `${unusable.why}; image and its ${count(sample.regions.length, 'region')} skipped`, skipped: true });
    return [];
  }
  if (!job.missing.anyFound) settleMissing(job, true);
  const size = { width: sample.width, height: sample.height };
  const sorted = sortRegions(sample.regions, size, settings.task);
  reportDrops(job, sample, sorted);
  if (job.llm && sorted.care.length === 0 && !settings.keepEmpty) {
    tally.skipImage('no-care-regions', sample.image);
    return [];
  }
  let usable;
  try {
    usable = job.files.asIs() ? { path: sample.image, upright: false, copied: false } : await job.files.usable(sample.image, hash);
  } catch (error) {
    tally.drop('unreadable-image', sorted.care.length);
    tally.skipImage('unreadable-image', sample.image);
    tally.problem({ kind: 'unreadable-image', file: sample.image, message: `${(error as Error).message}; image skipped`, skipped: true });
    return [];
  }
  if (usable.upright) tally.uprightCopies++;
  if (usable.copied) tally.copiedImages++;
  if (!job.llm) return [{ sample: outputSample(job, usable.path, size, sorted.care, sorted.ignored) }];
  const answer = renderAnswer(sorted.care, size, job.style!);
  if (answer.tokens <= settings.maxAnswerTokens) {
    return [{ sample: outputSample(job, usable.path, size, sorted.care, [], answer), tokens: answer.tokens }];
  }
  try {
    const crops = await overflow(job, sample, sorted.care, answer, hash);
    if (crops) return crops;
  } catch (error) {
    tally.problem({ kind: 'unreadable-image', file: sample.image, message: `cannot write its crops (${(error as Error).message}); image skipped`, skipped: true });
  }
  tally.drop('over-budget', sorted.care.length);
  tally.skipImage('over-budget', sample.image);
  return [];
}

/** The spool record of one image: a JSON header (key, per-sample regions and tokens), then the samples' lines. */
function record(key: string, produced: readonly Produced[], writer: OutputWriter): string {
  let stats = '';
  let rows = '';
  for (const p of produced) {
    stats += `${stats ? ',' : ''}[${p.sample.care.length},${p.tokens ?? -1}]`;
    rows += writer.encode(p.sample);
  }
  return `[${JSON.stringify(key)},[${stats}]]\n${rows}`;
}

function parseRecord(bytes: Buffer): { key: string; stats: [number, number][]; payload: Buffer } {
  const newline = bytes.indexOf(10);
  const [key, stats] = JSON.parse(bytes.toString('utf8', 0, newline)) as [string, [number, number][]];
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

/** Converts the dataset at `dataset` (see the module comment); resolves to the report also written as report.json. */
export async function convertDataset(dataset: string, options: ConvertOptions): Promise<ConvertReport> {
  const settings = resolveConvertOptions(options);
  const format = settings.format ?? (await detectFormat(dataset));
  const problems: { forward?: (problem: DatasetProblem) => void } = {};
  const samples = readDataset(dataset, {
    format,
    probeImages: settings.probeImages,
    ...(settings.images !== undefined ? { images: settings.images } : {}),
    onProblem: (problem) => problems.forward?.(problem),
  });
  return convertSamples(samples, { dataset, format, root: await datasetRoot(dataset) }, options, problems);
}

/**
 * Converts a stream of samples (a dataset reader, detections to be used as pseudo-labels, samples made by
 * a program). `readerProblems.forward` is set to the function that takes the reader's problems.
 */
export async function convertSamples(
  samples: AsyncIterable<Sample>,
  source: SampleSource,
  options: ConvertOptions,
  readerProblems: { forward?: (problem: DatasetProblem) => void } = {},
): Promise<ConvertReport> {
  const started = performance.now();
  const settings = resolveConvertOptions(options);
  const out = resolve(settings.out);
  const created = !existsSync(out);
  makeOutputDir(out);
  const entry = OUTPUT_FORMATS.get(settings.to);
  const writer = entry.create({ swiftVersion: settings.swiftVersion === 2 ? 2 : 3 });
  const dialect: GroundingDialect | undefined = entry.answers ? getDialect(settings.dialect) : undefined;
  const tally = new ConvertTally(options.onProblem);
  const from = settings.promptsFrom !== undefined && entry.answers ? await readPromptsFrom(settings.promptsFrom) : {};
  const system = settings.system ?? from.system;
  const job: Job = {
    settings,
    writer,
    llm: entry.answers,
    ...(dialect ? { style: answerStyle(dialect, settings), prompt: settings.prompt ?? from.prompt ?? dialect.prompts[settings.task] ?? dialect.prompts.text } : {}),
    ...(system !== undefined ? { system } : {}),
    files: new ImageFiles({ out, paths: settings.paths, copyImages: settings.copyImages, probe: settings.probeImages }),
    tally,
    root: resolve(source.root),
    badImages: new Set(),
    reportedMissing: new Set(),
    missing: { anyFound: false, held: [], overflow: 0 },
  };
  readerProblems.forward = (problem) => {
    if (problem.kind === 'bad-file' && problem.skipped && isImageName(problem.file)) job.badImages.add(resolve(problem.file));
    if ((problem.kind === 'missing-image' || problem.kind === 'unpaired') && problem.element) job.reportedMissing.add(basename(problem.element));
    if (problem.skipped && (problem.kind === 'degenerate' || problem.kind === 'out-of-image' || problem.kind === 'bad-record')) {
      tally.drop(problem.kind);
    }
    tally.problem(problem);
  };
  const ledger = new SplitLedger();
  let finished = false;
  const spool = new Spool(join(out, `.spool-${process.pid}.tmp`));
  try {
    let producedSamples = 0;
    for await (const sample of samples) {
      tally.imagesRead++;
      const key = imageKey(sample.image, job.root);
      const hash = seededHash53(key, settings.seed);
      const produced = await produce(job, sample, hash);
      if (produced.length > 0) {
        const { offset, length } = spool.append(record(key, produced, writer));
        ledger.add({ hash, offset, length, source: sample.source });
        producedSamples += produced.length;
      }
      if (tally.imagesRead % PROGRESS_EVERY === 0) options.onProgress?.({ images: tally.imagesRead, samples: producedSamples });
    }
    settleMissing(job, false);
    const routed = route(job, ledger, spool, out);
    const report = tally.report(settings, {
      dataset: source.dataset,
      format: source.format,
      out,
      files: { ...writer.files(), report: 'report.json', reportMarkdown: 'report.md' },
      written: routed.written,
      elapsedMs: Math.round(performance.now() - started),
      images: routed.images,
      samples: routed.samples,
      llm: job.llm,
      ...(dialect ? { dialect: dialect.name } : {}),
      ...(job.prompt !== undefined ? { prompt: job.prompt } : {}),
      ...(job.system !== undefined ? { system: job.system } : {}),
    });
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

function answerStyle(dialect: GroundingDialect, settings: ConvertSettings): AnswerStyle {
  return {
    dialect,
    mode: settings.answer,
    task: settings.task,
    ...(settings.minPixels !== undefined ? { minPixels: settings.minPixels } : {}),
    ...(settings.maxPixels !== undefined ? { maxPixels: settings.maxPixels } : {}),
  };
}

/** Decides the split and copies each image's record from the spool to its split's sink, in hash order. */
function route(job: Job, ledger: SplitLedger, spool: Spool, out: string) {
  const { settings, tally, writer } = job;
  const { order, side } = ledger.assign(settings.split, settings.splitBy);
  const sinks = writer.openSinks({ out });
  const images = { train: 0, val: 0 };
  try {
    for (const index of order) {
      const entry = ledger.entry(index);
      const { key, stats, payload } = parseRecord(spool.read(entry.offset, entry.length));
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
      for (const [regions, tokens] of stats) tally.sample(regions, tokens >= 0 ? tokens : undefined);
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
    return { written, images, samples: { train: sinks.train.samples, val: sinks.val.samples } };
  } catch (error) {
    sinks.train.discard();
    sinks.val.discard();
    throw error;
  }
}
