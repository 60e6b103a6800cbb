/**
 * `reparseResults`: re-reads a vlm results file (JSONL written with `saveRaw`) and parses the saved answers
 * again — with another dialect, task or coordinate scale, or with a newer parser — without asking the model.
 * Each line's regions, dialect and warnings are replaced; every other field is kept as it was. Lines
 * recorded with an `error` are passed through unchanged (there was no answer); lines without `raw` are
 * passed through unchanged and reported. With `snap` or `agreement`, each line's image (its recorded path,
 * from the working folder) gets one det pass, as in detection (./text-check.ts); a line whose image cannot be
 * read is re-parsed without it and reported.
 */
import { checkResultLine } from '../../core/detection.js';
import { assertResultsFile, readLines } from '../../core/lines.js';
import { optionName } from '../../core/options.js';
import { dialects, getDialect } from '../../grounding/index.js';
import type { GroundingTask } from '../../grounding/types.js';
import { OcrdetError, toOcrdetError } from '../../core/errors.js';
import type { TextMap, TextMapper } from '../ppocr/text-map.js';
import { isRawAnswer, noBoxesWarning, regionsFromAnswers, type RawAnswer } from './answers.js';
import { checkRegions, createTextChecker } from './text-check.js';

export interface ReparseOptions {
  /** Dialect to parse with; default: the one each line records. */
  dialect?: string;
  task?: GroundingTask;
  coordinateScale?: number;
  /** Refine each box to the text's quadrilateral with the embedded det model (one det pass per line's image). */
  snap?: boolean;
  /** Score each region and page by agreement with the embedded det model (implied by `snap`). */
  agreement?: boolean;
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
  /** Regions refined to the text's quadrilateral (with `snap`). */
  snapped: number;
}

/**
 * Re-parses one Detection record from its saved answers (and, given the det pass of its image, checks the
 * regions against it: agreement, and snapping with `snap`). Returns the reason when it cannot.
 */
export function reparseRecord(record: Record<string, unknown>, options: Omit<ReparseOptions, 'onRecord' | 'onProblem'>, textMap?: TextMap): Record<string, unknown> | string {
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
  const checked = textMap ? checkRegions(regions, textMap, { snap: options.snap === true }) : undefined;
  const timings = typeof record.timings === 'object' && record.timings !== null ? (record.timings as Record<string, number>) : {};
  // Old agreement and snapping belong to the old regions.
  const { warnings: _old, agreement: _agreement, ...rest } = record;
  return {
    ...rest,
    regions: checked?.regions ?? regions,
    dialect: dialect.name,
    timings: { ...timings, reparse: Math.round((performance.now() - started) * 100) / 100 },
    ...(checked ? { agreement: checked.agreement } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The det pass of a line's image, or why there is none (a missing or unreadable image). A det model that cannot run throws. */
async function textMapOf(checker: TextMapper, image: string): Promise<TextMap | string> {
  try {
    return await checker.textMap(image);
  } catch (error) {
    const e = toOcrdetError(error);
    if (e.code === 'OCRDET_MODEL' || !(error instanceof OcrdetError)) throw error;
    return e.message;
  }
}

/** Streams `file`, calling `onRecord` for every output line in order. Throws only when the file cannot be read. */
export async function reparseResults(file: string, options: ReparseOptions): Promise<ReparseSummary> {
  if (options.dialect) getDialect(options.dialect); // an unknown name fails before any work
  await assertResultsFile(file);
  const summary: ReparseSummary = { lines: 0, reparsed: 0, errors: 0, problems: 0, withoutBoxes: 0, snapped: 0 };
  const checker = options.snap || options.agreement ? await createTextChecker() : undefined;
  try {
    for await (const { number, text } of readLines(file)) {
      if (text.trim() === '') continue;
      summary.lines++;
      await reparseLine(text, `${file}:${number}`, number, options, summary, checker);
    }
  } finally {
    await checker?.close();
  }
  return summary;
}

/** One line of the file: re-parsed (and checked), passed through, or skipped; counted in `summary`. */
async function reparseLine(text: string, where: string, lineNumber: number, options: ReparseOptions, summary: ReparseSummary, checker: TextMapper | undefined): Promise<void> {
  const { line, record, problem } = checkResultLine(text);
  if (!line) {
    summary.problems++;
    options.onProblem?.(`${where}: ${problem}; line skipped`);
    return;
  }
  if (line.error !== undefined) {
    summary.errors++;
    await options.onRecord(record, lineNumber);
    return;
  }
  let textMap: TextMap | undefined;
  if (checker && Array.isArray(record.raw) && record.raw.length > 0) {
    const mapped = await textMapOf(checker, line.image);
    if (typeof mapped === 'string') {
      summary.problems++;
      options.onProblem?.(`${where}: ${record.image}: ${mapped}; regions re-parsed without the det model (not ${options.snap ? 'snapped' : 'scored'})`);
    } else textMap = mapped;
  }
  const result = reparseRecord(record, options, textMap);
  if (typeof result === 'string') {
    summary.problems++;
    options.onProblem?.(`${where}: ${record.image}: ${result}; line kept as it was`);
    await options.onRecord(record, lineNumber);
    return;
  }
  summary.reparsed++;
  summary.snapped += (result.regions as { snapped?: boolean }[]).filter((region) => region.snapped).length;
  if ((result.regions as unknown[]).length === 0 && noBoxesWarning(record.raw as RawAnswer[], 0, getDialect(result.dialect as string))) summary.withoutBoxes++;
  await options.onRecord(result, lineNumber);
}
