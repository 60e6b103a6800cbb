/**
 * `reparseResults`: re-reads a vlm results file (JSONL written with `saveRaw`) and parses the saved answers
 * again — with another dialect, task or coordinate scale, or with a newer parser — without asking the model.
 * Each line's regions, dialect and warnings are replaced; every other field is kept as it was. Lines
 * recorded with an `error` are passed through unchanged (there was no answer); lines without `raw` are
 * passed through unchanged and reported.
 */
import { checkResultLine } from '../../core/detection.js';
import { assertResultsFile, readLines } from '../../core/lines.js';
import { optionName } from '../../core/options.js';
import { dialects, getDialect } from '../../grounding/index.js';
import type { GroundingTask } from '../../grounding/types.js';
import { isRawAnswer, noBoxesWarning, regionsFromAnswers, type RawAnswer } from './answers.js';

export interface ReparseOptions {
  /** Dialect to parse with; default: the one each line records. */
  dialect?: string;
  task?: GroundingTask;
  coordinateScale?: number;
  /** Each output line's record, in input order (re-parsed, or passed through). */
  onRecord: (record: Record<string, unknown>, lineNumber: number) => void | Promise<void>;
  /** A line that could not be re-parsed: `file:line: why` (the line is passed through or skipped). */
  onProblem?: (message: string) => void;
}

export interface ReparseSummary {
  lines: number;
  reparsed: number;
  /** Lines recorded with an error, passed through. */
  errors: number;
  /** Lines without saved answers (passed through) or not Detection lines (skipped). */
  problems: number;
  /** Re-parsed lines whose answers held text but no box in the dialect (a wrong `dialect` shows here). */
  withoutBoxes: number;
}

/** Re-parses one Detection record from its saved answers. Returns the reason when it cannot. */
export function reparseRecord(record: Record<string, unknown>, options: Omit<ReparseOptions, 'onRecord' | 'onProblem'>): Record<string, unknown> | string {
  const raw = record.raw;
  if (!Array.isArray(raw) || raw.length === 0) return `no saved answers ("raw"); run detect with ${optionName('saveRaw')} to keep them`;
  if (!raw.every(isRawAnswer)) return '"raw" is not a list of saved answers ({ answer, frame, sent, … })';
  const name = options.dialect ?? (typeof record.dialect === 'string' ? record.dialect : undefined);
  if (!name) return `no "dialect" recorded; give one with ${optionName('dialect')}`;
  if (!dialects.has(name)) return `unknown dialect "${name}" recorded; give one with ${optionName('dialect')} (${dialects.names().join(', ')})`;
  const dialect = getDialect(name);
  const started = performance.now();
  const parts = raw as RawAnswer[];
  const { regions, warnings } = regionsFromAnswers(parts, dialect, { task: options.task, coordinateScale: options.coordinateScale });
  const empty = noBoxesWarning(parts, regions.length, dialect);
  if (empty) warnings.push(empty);
  const timings = typeof record.timings === 'object' && record.timings !== null ? (record.timings as Record<string, number>) : {};
  const { warnings: _old, ...rest } = record;
  return {
    ...rest,
    regions,
    dialect: dialect.name,
    timings: { ...timings, reparse: Math.round((performance.now() - started) * 100) / 100 },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** Streams `file`, calling `onRecord` for every output line in order. Throws only when the file cannot be read. */
export async function reparseResults(file: string, options: ReparseOptions): Promise<ReparseSummary> {
  if (options.dialect) getDialect(options.dialect); // an unknown name fails before any work
  await assertResultsFile(file);
  const summary: ReparseSummary = { lines: 0, reparsed: 0, errors: 0, problems: 0, withoutBoxes: 0 };
  for await (const { number: lineNumber, text } of readLines(file)) {
    if (text.trim() === '') continue;
    summary.lines++;
    const { line, record, problem } = checkResultLine(text);
    if (!line) {
      summary.problems++;
      options.onProblem?.(`${file}:${lineNumber}: ${problem}; line skipped`);
      continue;
    }
    if (line.error !== undefined) {
      summary.errors++;
      await options.onRecord(record, lineNumber);
      continue;
    }
    const result = reparseRecord(record, options);
    if (typeof result === 'string') {
      summary.problems++;
      options.onProblem?.(`${file}:${lineNumber}: ${record.image}: ${result}; line kept as it was`);
      await options.onRecord(record, lineNumber);
      continue;
    }
    summary.reparsed++;
    if ((result.regions as unknown[]).length === 0 && noBoxesWarning(record.raw as RawAnswer[], 0, getDialect(result.dialect as string))) summary.withoutBoxes++;
    await options.onRecord(result, lineNumber);
  }
  return summary;
}
