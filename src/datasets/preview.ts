/**
 * `previewDataset`: pictures of what a training file teaches, to check a conversion before spending GPU
 * hours on it. Each row's answer is decoded back into regions with the dialect's own `parse` (or, for
 * ms-swift `objects` rows, placed as ms-swift's template would place them) and drawn on its image
 * (image/overlay.ts); crops are rows like any other. A dataset (not a training JSONL) is drawn from its ground
 * truth, don't-care regions dashed grey; ocrdet's results JSONL is such a dataset (detections drawn as labels,
 * unsure ones as don't care), for reviewing autolabels.
 *
 * The dialect: `dialect` if given, else the one in report.json beside the file (written by `convertDataset`,
 * with the task and Qwen2.5-VL pixel bounds), else recognised from each answer's syntax.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { optionName } from '../core/options.js';
import type { ImageSize, Region } from '../core/types.js';
import { DATA_RECORD_FILE } from '../grounding/record.js';
import { readDataRecordFile } from './record-file.js';
import { getDialect } from '../grounding/index.js';
import type { GroundingTask, ParseOptions } from '../grounding/types.js';
import type { ConvertProblem } from './convert-options.js';
import type { DatasetFormat } from './reader.js';
import { isFile, makeOutputDir, readLines } from './files.js';
import { objectsRegions, readTrainingRow, recogniseDialect, type TrainingRow } from './preview-rows.js';

export interface PreviewOptions {
  /** Folder for the pictures (and index.md). */
  out: string;
  /** Rows (or images) drawn at most. Default 20. */
  limit?: number;
  /** Only rows whose image path contains this text (e.g. "crops/"). */
  filter?: string;
  dialect?: string;
  task?: GroundingTask;
  /** Qwen2.5-VL smart_resize bounds the answers were written for. */
  minPixels?: number;
  maxPixels?: number;
  /** Longer side of the pictures, in pixels. Default 1600. */
  maxSidePx?: number;
  /** A dataset (not JSONL): its format, when not detected from the path (`--format`). */
  format?: DatasetFormat;
  /** A dataset (not JSONL): where its images are, when not where the format says (`--images`). */
  images?: string;
  /** ocrdet's results drawn as labels: the thresholds under which regions are don't care (readers/results.ts). */
  minScore?: number;
  minTextScore?: number;
  onProblem?: (problem: ConvertProblem) => void;
}

export interface PreviewPicture {
  /** 1-based line of the JSONL (or position in the dataset). */
  row: number;
  image: string;
  picture: string;
  dialect?: string;
  regions: number;
  warnings: string[];
}

export interface PreviewResult {
  file: string;
  out: string;
  pictures: PreviewPicture[];
  /** Rows that could not be drawn (reported through onProblem). */
  failed: number;
}

interface Settings {
  dialect?: string;
  task: GroundingTask;
  parse: ParseOptions;
  /** Where the dialect came from, for the index. */
  dialectFrom: 'option' | 'report' | 'answer';
}

function settingsFor(file: string, options: PreviewOptions): Settings {
  const pixels = { ...(options.minPixels ? { minPixels: options.minPixels } : {}), ...(options.maxPixels ? { maxPixels: options.maxPixels } : {}) };
  if (options.dialect) return { dialect: getDialect(options.dialect).name, task: options.task ?? 'text', parse: pixels, dialectFrom: 'option' };
  // The data record data convert wrote beside the rows says how they were written.
  const recordPath = join(dirname(file), DATA_RECORD_FILE);
  if (existsSync(recordPath)) {
    try {
      const record = readDataRecordFile(recordPath);
      const fromRecord = record.image.kind === 'smart-resize' ? { minPixels: record.image.minPixels, maxPixels: record.image.maxPixels } : {};
      return { dialect: record.dialect, task: options.task ?? record.task, parse: { ...fromRecord, ...pixels }, dialectFrom: 'report' };
    } catch {
      // not a record this ocrdet reads: recognise dialects from the answers instead
    }
  }
  // Conversions written before the data record: their report.json names the dialect and Qwen2.5-VL's bounds.
  const reportPath = join(dirname(file), 'report.json');
  if (existsSync(reportPath)) {
    try {
      const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { dialect?: string; task?: GroundingTask; minPixels?: number; maxPixels?: number };
      if (report.dialect) {
        const fromReport = { ...(report.minPixels ? { minPixels: report.minPixels } : {}), ...(report.maxPixels ? { maxPixels: report.maxPixels } : {}) };
        return { dialect: getDialect(report.dialect).name, task: options.task ?? report.task ?? 'text', parse: { ...fromReport, ...pixels }, dialectFrom: 'report' };
      }
    } catch {
      // not our report: recognise dialects from the answers instead
    }
  }
  return { task: options.task ?? 'text', parse: pixels, dialectFrom: 'answer' };
}

/** An image path of a row: absolute, else relative to the file, ROOT_IMAGE_DIR (ms-swift's) or the working folder. */
function locate(image: string, file: string): string | undefined {
  if (isAbsolute(image)) return existsSync(image) ? image : undefined;
  const bases = [dirname(file), process.env.ROOT_IMAGE_DIR, process.cwd()].filter((b): b is string => Boolean(b));
  return bases.map((base) => resolve(base, image)).find((candidate) => existsSync(candidate));
}

/** Why a non-empty answer gave no boxes under the dialect given: most often, another dialect's syntax. */
function noBoxesWarning(dialect: string, answer: string): string {
  const seen = recogniseDialect(answer).dialect;
  return seen && seen !== dialect
    ? `no ${dialect} boxes in this answer; its syntax is ${seen}'s: is ${optionName('dialect')} ${dialect} right?`
    : `no ${dialect} boxes in this ${answer.length}-character answer`;
}

async function decodeRow(row: TrainingRow, size: ImageSize, settings: Settings): Promise<{ regions: Region[]; warnings: string[]; dialect?: string }> {
  if (row.objects) return objectsRegions(row, size);
  const recognised = settings.dialect ? {} : recogniseDialect(row.answer);
  const name = settings.dialect ?? recognised.dialect;
  if (!name) return { regions: [], warnings: [`answer syntax not recognised: give ${optionName('dialect')}`] };
  const { regions, warnings } = getDialect(name).parse(row.answer, size, { ...settings.parse, task: settings.task });
  if (regions.length === 0 && row.answer.trim() !== '' && settings.dialect) warnings.unshift(noBoxesWarning(name, row.answer));
  return { regions, warnings: recognised.note ? [recognised.note, ...warnings] : warnings, dialect: name };
}

async function draw(source: string, regions: readonly Region[], picture: string, maxSidePx: number): Promise<void> {
  const { drawOverlay } = await import('../image/overlay.js');
  writeFileSync(picture, await drawOverlay(source, regions, { maxSidePx }));
}

function pictureName(row: number, image: string): string {
  return `${String(row).padStart(4, '0')}-${basename(image, extname(image)).replace(/[^\w.-]+/g, '_').slice(0, 60)}.png`;
}

/** Draws up to `limit` rows of a training JSONL (or samples of a dataset) into `out`; see the module comment. */
export async function previewDataset(file: string, options: PreviewOptions): Promise<PreviewResult> {
  if (file.toLowerCase().endsWith('.jsonl') && !isFile(file)) throw new NotFoundError(`${file}: no such file`);
  const out = resolve(options.out);
  makeOutputDir(out);
  const limit = options.limit ?? 20;
  const maxSidePx = options.maxSidePx ?? 1600;
  const result: PreviewResult = { file, out, pictures: [], failed: 0 };
  const fail = (problem: Omit<ConvertProblem, 'skipped'>): void => {
    result.failed++;
    options.onProblem?.({ ...problem, skipped: true });
  };
  if (!(await isTrainingFile(file, options))) {
    await previewGroundTruth(file, options, { out, limit, maxSidePx, result, fail });
  } else {
    const settings = settingsFor(resolve(file), options);
    const { probeImage } = await import('../image/probe.js');
    // A note that every row repeats (a wrong dialect) is said once, with the number of rows it held for.
    const repeats = new Map<string, { line: number; more: number }>();
    for await (const { text, line } of readLines(file)) {
      if (result.pictures.length >= limit) break;
      if (text.trim() === '') continue;
      let row: TrainingRow | string;
      try {
        row = readTrainingRow(JSON.parse(text));
      } catch (error) {
        row = `not JSON (${(error as Error).message})`;
      }
      if (typeof row === 'string') {
        fail({ kind: 'bad-record', file, line, message: `${row}; row not drawn` });
        continue;
      }
      if (options.filter && !row.image.includes(options.filter)) continue;
      const source = locate(row.image, resolve(file));
      if (!source) {
        fail({ kind: 'unreadable-image', file, line, message: `image ${row.image} not found (looked beside the file, in ROOT_IMAGE_DIR and the working folder)` });
        continue;
      }
      try {
        const probe = await probeImage(source);
        const decoded = await decodeRow(row, probe, settings);
        if (probe.orientation !== 1) decoded.warnings.unshift(`EXIF orientation ${probe.orientation}: trainers read this image unrotated, the picture shows it upright`);
        const picture = join(out, pictureName(line, row.image));
        await draw(source, decoded.regions, picture, maxSidePx);
        result.pictures.push({ row: line, image: row.image, picture, ...(decoded.dialect ? { dialect: decoded.dialect } : {}), regions: decoded.regions.length, warnings: decoded.warnings });
        for (const warning of decoded.warnings) {
          const seen = repeats.get(warning);
          if (seen) seen.more++;
          else {
            repeats.set(warning, { line, more: 0 });
            options.onProblem?.({ kind: 'note', file, line, message: warning });
          }
        }
      } catch (error) {
        fail({ kind: 'unreadable-image', file, line, message: `${(error as Error).message}; row not drawn` });
      }
    }
    for (const [warning, { line, more }] of repeats) {
      if (more > 0) options.onProblem?.({ kind: 'note', file, line, message: `the note of row ${line} held for ${more} more row${more === 1 ? '' : 's'} ("${warning.slice(0, 40)}…")` });
    }
  }
  writeFileSync(join(out, 'index.md'), indexMarkdown(result));
  return result;
}

/** A JSONL file of training rows, not a dataset (ocrdet's results JSONL is one: detections drawn as labels). */
export async function isTrainingFile(file: string, options: Pick<PreviewOptions, 'format'> = {}): Promise<boolean> {
  if (!file.toLowerCase().endsWith('.jsonl') || options.format !== undefined) return false;
  const { resultsReader } = await import('./readers/results.js');
  return !(await resultsReader.sniff(file));
}

interface GroundTruthContext {
  out: string;
  limit: number;
  maxSidePx: number;
  result: PreviewResult;
  fail: (problem: Omit<ConvertProblem, 'skipped'>) => void;
}

async function previewGroundTruth(path: string, options: PreviewOptions, context: GroundTruthContext): Promise<void> {
  const { readDataset } = await import('./index.js');
  let position = 0;
  const where = { ...(options.format ? { format: options.format } : {}), ...(options.images ? { images: options.images } : {}) };
  const scores = { ...(options.minScore !== undefined ? { minScore: options.minScore } : {}), ...(options.minTextScore !== undefined ? { minTextScore: options.minTextScore } : {}) };
  for await (const sample of readDataset(path, { ...where, ...scores, onProblem: (problem) => options.onProblem?.(problem) })) {
    position++;
    if (context.result.pictures.length >= context.limit) break;
    if (options.filter && !sample.image.includes(options.filter)) continue;
    const picture = join(context.out, pictureName(position, sample.image));
    try {
      await draw(sample.image, sample.regions, picture, context.maxSidePx);
      context.result.pictures.push({ row: position, image: sample.image, picture, regions: sample.regions.length, warnings: [] });
    } catch (error) {
      context.fail({ kind: 'unreadable-image', file: sample.image, message: `${(error as Error).message}; not drawn` });
    }
  }
}

function indexMarkdown(result: PreviewResult): string {
  const lines = [`# Preview of \`${result.file}\``, '', '| row | picture | image | dialect | regions | warnings |', '|---|---|---|---|---|---|'];
  for (const p of result.pictures) {
    lines.push(`| ${p.row} | [${basename(p.picture)}](${basename(p.picture)}) | \`${p.image}\` | ${p.dialect ?? ''} | ${p.regions} | ${p.warnings.join('; ').replace(/\|/g, '\\|')} |`);
  }
  lines.push('', `${result.pictures.length} drawn, ${result.failed} could not be drawn.`, '');
  return lines.join('\n');
}
