/**
 * Datasets in, Samples out: `readDataset` streams any supported annotation set as `Sample`s in ocrdet's
 * frame (oriented original-image pixels, points clockwise from the top-left), `detectFormat` tells the
 * format from a path, `datasetStats` summarises a set (what `ocrdet data stats` prints as JSON).
 *
 * Contract: one bad file or record never ends the stream; each problem is reported once through
 * `onProblem` (file, line or element, reason) and the rest goes on. Only a dataset path that does not exist,
 * an unknown or undetectable format, or an `images` folder that does not exist throw (NotFoundError,
 * UsageError). Memory does not grow with the number of images: folders are walked, not listed, and
 * samples are yielded one at a time. Order is the file system's (use the image path as a key, not the order).
 */
import { NotFoundError, UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { Sample } from '../core/types.js';
import { ANNOTATION_SIZE_LIMITS, pathKind } from './files.js';
import { DATASET_FORMATS, detectFormat } from './formats.js';
import type { DatasetProblem } from './problems.js';
import type { DatasetFormat, ReadDatasetOptions, ReaderContext } from './reader.js';
import { SampleBuilder } from './sample-builder.js';
import { StatsCollector, type DatasetStats } from './stats.js';

export { detectFormat, DATASET_FORMATS } from './formats.js';
export { RESULTS_DEFAULTS } from './readers/results.js';
export { ANNOTATION_SIZE_LIMITS } from './files.js';
export { formatProblem, type DatasetProblem, type DatasetProblemKind } from './problems.js';
export type { DatasetFormat, DatasetReader, ReadDatasetOptions, CoordinateFrame } from './reader.js';
export type { DatasetStats, Distribution, SourceStats } from './stats.js';

async function resolveFormat(path: string, options: ReadDatasetOptions): Promise<DatasetFormat> {
  const limit = options.maxAnnotationBytes;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new UsageError(`${optionName('maxAnnotationBytes')} expected a positive whole number of bytes, received ${String(limit)}`, { details: optionDetails('maxAnnotationBytes') });
  }
  if ((await pathKind(path)) === 'missing') throw new NotFoundError(`${path}: no such file or folder`);
  if (options.images !== undefined && (await pathKind(options.images)) !== 'dir') {
    throw new NotFoundError(`${optionName('images')} ${options.images}: no such folder`, { details: optionDetails('images') });
  }
  if (options.format === undefined) return detectFormat(path);
  if (typeof options.format !== 'string') throw new UsageError(`format must be a string, got ${typeof options.format}`);
  return DATASET_FORMATS.get(options.format).name;
}

/**
 * Streams the samples of the dataset at `path` (see the module comment for the contract). A format given
 * by name that finds nothing at all there (no sample, no problem) is a usage error at the end of the
 * stream, naming the format the path looks like: `format: 'icdar2015'` on a VOC folder must not read as an
 * empty dataset.
 */
export async function* readDataset(path: string, options: ReadDatasetOptions = {}): AsyncGenerator<Sample> {
  const reader = DATASET_FORMATS.get(await resolveFormat(path, options));
  checkScoreOptions(reader.name, options);
  let found = 0;
  const report = (problem: DatasetProblem): void => {
    found++;
    options.onProblem?.(problem);
  };
  const probeImages = options.probeImages ?? true;
  const builder = new SampleBuilder({
    frame: reader.frame,
    probeImages,
    report,
    dataset: path,
    ...(options.images !== undefined ? { images: options.images } : {}),
    ...(options.requireImages ? { requireImages: true } : {}),
  });
  const maxAnnotationBytes = options.maxAnnotationBytes ?? ANNOTATION_SIZE_LIMITS[reader.name];
  const context: ReaderContext = {
    options: {
      probeImages,
      maxAnnotationBytes,
      ...(options.images !== undefined ? { images: options.images } : {}),
      ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
      ...(options.minTextScore !== undefined ? { minTextScore: options.minTextScore } : {}),
    },
    report,
    finish: (raw) => builder.finish(raw),
    get missingImageKind() {
      return builder.missingImageKind;
    },
    set missingImageKind(kind) {
      builder.missingImageKind = kind;
    },
  };
  try {
    for await (const sample of reader.read(path, context)) {
      found++;
      if (options.requireImages && builder.lacksImage(sample)) options.onSkippedSample?.(sample);
      else yield sample;
    }
  } finally {
    builder.flush();
  }
  if (found === 0 && options.format !== undefined) {
    throw new UsageError(`${path}: no ${reader.name} annotations found${await lookalike(path, reader.name)}`, { details: optionDetails('format') });
  }
}

/**
 * minScore and minTextScore judge detections: they mean something for the results format only, and a number
 * in [0, 1]. Anything else is a usage error (a threshold that silently did nothing would mislead).
 */
function checkScoreOptions(format: DatasetFormat, options: ReadDatasetOptions): void {
  for (const key of ['minScore', 'minTextScore'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new UsageError(`${optionName(key)} expects a number in [0, 1], got ${JSON.stringify(value)}`, { details: optionDetails(key) });
    }
    if (format !== 'results') {
      throw new UsageError(`${optionName(key)} judges detections: it applies to ocrdet's results (format results), not to ${format} annotations`, { details: optionDetails(key) });
    }
  }
}

/** `; it looks like voc-quad (…)` when the path's own format is another one. */
async function lookalike(path: string, forced: string): Promise<string> {
  try {
    const detected = await detectFormat(path);
    return detected !== forced ? `; it looks like ${detected} (leave out ${optionName('format')}, or give ${optionName('format')} ${detected})` : '';
  } catch {
    return '';
  }
}

export interface DatasetStatsOptions extends ReadDatasetOptions {
  /** Called with each sample as it is read (e.g. for progress). */
  onSample?: (sample: Sample) => void;
}

/** Reads a whole dataset and summarises it; problems are counted and passed on to `onProblem`. */
export async function datasetStats(path: string, options: DatasetStatsOptions = {}): Promise<DatasetStats> {
  const format = await resolveFormat(path, options);
  const collector = new StatsCollector();
  const samples = readDataset(path, {
    ...options,
    format,
    onProblem: (problem) => {
      collector.addProblem(problem);
      options.onProblem?.(problem);
    },
  });
  for await (const sample of samples) {
    collector.addSample(sample);
    options.onSample?.(sample);
  }
  return collector.result(path, format);
}
