/**
 * The training data as `ocrdet train` sees it: the row files, the data record beside them, and what the record
 * says about length — each row's tokens as the chosen ms-swift version counts them against max_length. ms-swift
 * drops a row that is too long (2.x: `truncation_strategy` delete; 3.x/4.x: the dataset replaces it with another
 * row, v3.12.6 swift/llm/dataset/utils.py lines 91–116), silently: here the limit is set from the longest row, or
 * a limit the user chose is refused with the count of rows it would drop.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { FAMILIES } from '../grounding/families.js';
import { DATA_RECORD_FILE, checkedLength, type DataRecord } from '../grounding/record.js';
import { readDataRecordFile } from '../datasets/record-file.js';
import { resolveDataFiles, type DataFiles } from './command.js';
import type { RecordLayer } from './recipe.js';
import { atLeast, parseSwiftVersion, type SwiftVersion } from './version.js';

export interface TrainingData {
  files: DataFiles;
  /** The data record, when the data has one. */
  record?: RecordLayer;
}

/** `--data DIR` (or one of its row files) with the record beside it, when `data convert` wrote one. */
export function loadTrainingData(data: string): TrainingData {
  const files = resolveDataFiles(data);
  const folder = /\.jsonl?$/i.test(data) ? dirname(data) : data;
  const path = join(folder, DATA_RECORD_FILE);
  if (!existsSync(path)) return { files };
  const record = readDataRecordFile(path);
  // A single file of another conversion in the same folder is not described by this record.
  if (/\.jsonl?$/i.test(data) && ![record.files.train, record.files.val].includes(basename(data))) return { files };
  return { files, record: { record, path } };
}

/** The ms-swift version must train the family from the rows as written: a UsageError naming both otherwise. */
export function checkRecordVersion(data: RecordLayer, version: SwiftVersion): void {
  const { record, path } = data;
  if (!record.swift) throw new UsageError(`${path}: the rows were written for InternVL's own fine-tuning (--to internvl), not for ms-swift; convert with --to swift`);
  const from = parseSwiftVersion(record.swift.from);
  if (!atLeast(version, from.major, from.minor, from.patch)) {
    throw new UsageError(`ms-swift ${version.raw} cannot train these rows: ${path} says ${record.swift.rows} rows of ${record.family}, which ms-swift trains from ${record.swift.from}; install that or pass --swift-version ${from.major}`);
  }
  const before = record.swift.before ? parseSwiftVersion(record.swift.before) : undefined;
  if (before && atLeast(version, before.major, before.minor, before.patch)) {
    throw new UsageError(`ms-swift ${version.raw} does not read these rows as written: ${path} says ${record.swift.rows} rows (for ms-swift before ${record.swift.before}); convert with --swift-version ${version.major}, or pass --swift-version 2`);
  }
}

/** One row as ms-swift measures it against max_length. */
export interface RowLength {
  file: 'train' | 'val';
  /** 1-based line of the row in its file. */
  line: number;
  tokens: number;
  /** The image tokens counted in `tokens` (0 where this ms-swift version counts none). */
  imageTokens: number;
}

export interface LengthPlan {
  maxLength: number;
  /** Why max_length is what it is, for a diagnostic line; undefined when nothing was decided here. */
  note?: string;
  rows: RowLength[];
  /** Rows longer than maxLength, longest first (none unless the user chose the limit). */
  over: RowLength[];
}

/** Headroom over an estimate: image tokens are exact, text tokens are estimated (src/datasets/tokens.ts). */
const TEXT_MARGIN = 0.1;
const ROUND_TO = 64;

/** Each row's length as `version` counts it, in file order. */
export function rowLengths(record: DataRecord, version: SwiftVersion): RowLength[] {
  const family = FAMILIES.get(record.family);
  const rows: RowLength[] = [];
  for (const file of ['train', 'val'] as const) {
    record.rows[file].forEach((row, i) => {
      const tokens = checkedLength(row, family, version.major);
      rows.push({ file, line: i + 1, tokens, imageTokens: tokens - checkedLength({ ...row, image: 0 }, family, version.major) });
    });
  }
  return rows;
}

/**
 * max_length for these rows: the recipe's when it was chosen by the user (`explicit`: rows over it are listed in
 * `over`), else the larger of the preset's and the longest row with headroom, rounded up to 64.
 */
export function planMaxLength(record: DataRecord, version: SwiftVersion, current: number, explicit: boolean): LengthPlan {
  const rows = rowLengths(record, version);
  if (explicit) return { maxLength: current, rows, over: rows.filter((r) => r.tokens > current).sort((a, b) => b.tokens - a.tokens) };
  const needed = neededLength(rows);
  if (needed <= current) return { maxLength: current, rows, over: [] };
  const dropped = rows.filter((r) => r.tokens > current).length;
  const longest = rows.reduce((a, b) => (b.tokens > a.tokens ? b : a));
  const note = `max_length ${needed}: the longest row is ~${longest.tokens} tokens${longest.imageTokens ? ` (${longest.imageTokens} of them image tokens)` : ''}, and the preset's ${current} would drop ${dropped} of ${rows.length} rows`;
  return { maxLength: needed, note, rows, over: [] };
}

/** The limit that keeps every row, with headroom for the text estimate, rounded up to 64. */
export function neededLength(rows: readonly RowLength[]): number {
  return rows.reduce((most, r) => Math.max(most, Math.ceil((r.tokens + TEXT_MARGIN * (r.tokens - r.imageTokens)) / ROUND_TO) * ROUND_TO), 0);
}

/** Quantiles of the row lengths, for `train --check`. */
export function lengthQuantiles(rows: readonly RowLength[]): { count: number; median: number; p90: number; max: number } {
  const sorted = rows.map((r) => r.tokens).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { count: sorted.length, median: at(0.5), p90: at(0.9), max: sorted.at(-1) ?? 0 };
}

/** The refusal for rows over a chosen limit: how many, the longest, and what to change. */
export function overLimitError(plan: LengthPlan, data: RecordLayer, flag: string): UsageError {
  const [longest] = plan.over;
  const image = longest.imageTokens ? `, ${longest.imageTokens} of them image tokens` : '';
  const fewer = data.record.image.kind === 'tiles' ? ', or convert with fewer tiles (--max-tiles)' : data.record.image.kind === 'smart-resize' ? ', or convert with a smaller --max-pixels' : '';
  return new UsageError(
    `${flag} ${plan.maxLength}: ${plan.over.length} of ${plan.rows.length} rows in ${data.path}'s data are longer, and ms-swift would drop them (the longest, ${data.record.files[longest.file]}:${longest.line}, is ~${longest.tokens} tokens${image}); raise it to ${neededLength(plan.rows)}, leave it out to have it set from the data${fewer}`,
  );
}
