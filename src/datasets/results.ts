/**
 * Reads a results file: JSONL, one `Detection` per line (what `ocrdet detect` writes), each line checked
 * against the one results-line schema (core/detection.ts). Only `image` and `regions[].points` are required;
 * a region with only a `box` [x1, y1, x2, y2] becomes its four corners.
 *
 * Streams line by line. A bad line never stops the file: it is one problem (file, line, reason) and is
 * skipped; a bad region inside a good line is one problem and only that region is dropped. Blank lines and a
 * UTF-8 byte-order mark are tolerated. Polygon validity (self-intersection, zero area) is not judged here:
 * the evaluator counts invalid polygons itself, as the ICDAR protocol says.
 */
import { readFile, stat } from 'node:fs/promises';
import { checkResultLine, checkResultValue, detectionOf, type CheckedLine } from '../core/detection.js';
import { BadResultsError } from '../core/errors.js';
import { assertResultsFile, readLines } from '../core/lines.js';
import type { Detection } from '../core/types.js';
import { describeBytes, stripBom } from './files.js';
import { quoteLine, type DatasetProblem } from './problems.js';

export interface ReadResultsOptions {
  /**
   * Called once per skipped line (`line` set) or dropped region (`element` = `regions[i]`), always with
   * kind `bad-record` and `skipped: true`; `formatProblem` prints it as `file:line: element: reason`.
   */
  onProblem?: (problem: DatasetProblem) => void;
  /**
   * A line longer than this (or a file that is one JSON document larger than this) is a problem and is not held
   * in memory. Default: no limit.
   */
  maxBytes?: number;
}

/** Says why a line, or one region of it (`element`), was skipped. */
type LineProblem = (message: string, element?: string) => void;

/** A Detection as read, with where it was: its line (JSONL), or its place in a JSON document. */
export interface ResultEntry {
  detection: Detection;
  /** 1-based line of a JSONL file. */
  line?: number;
  /** `[3]` for an item of a JSON array, `document` for a file that is one Detection. */
  element?: string;
}

/**
 * Streams the Detections of a JSONL results file — or of a JSON file holding one Detection or an array of
 * them, pretty-printed or not (what `ocrdet detect one.jpg > one.json` writes: one image prints as pretty
 * JSON). Throws when the file cannot be opened, or is not a results file at all: its first line is not a
 * JSON object (a README, an image, a CSV given as predictions). Later bad lines are reported one by one and skipped.
 */
export async function* readResults(file: string, options: ReadResultsOptions = {}): AsyncGenerator<Detection> {
  for await (const entry of readResultEntries(file, options)) yield entry.detection;
}

/** readResults, each Detection with the line (or document element) it was read from, for messages. */
export async function* readResultEntries(file: string, options: ReadResultsOptions = {}): AsyncGenerator<ResultEntry> {
  await assertResultsFile(file);
  let sawLine = false;
  for await (const { number, text: raw, tooLongBytes } of readLines(file, options.maxBytes !== undefined ? { maxLineBytes: options.maxBytes } : {})) {
    if (tooLongBytes !== undefined) {
      options.onProblem?.({ kind: 'bad-record', file, line: number, message: `a line of ${tooLongBytes} bytes, more than one image's detections may be (${describeBytes(options.maxBytes!)}); line skipped`, skipped: true });
      sawLine = true;
      continue;
    }
    const text = raw.trim();
    if (text === '') continue;
    if (!sawLine) {
      sawLine = true;
      // A line that only opens an object or an array: the file is one JSON document, not JSON lines.
      if (text === '{' || text.startsWith('[')) {
        yield* readJsonDocument(file, number, options);
        return;
      }
      if (!/^\{/.test(text)) throw new BadResultsError(`${file}: not a results file (Detection JSONL): line ${number} is ${quoteLine(text)}, not a JSON object`);
    }
    const problem: LineProblem = (message, element) =>
      options.onProblem?.({ kind: 'bad-record', file, line: number, ...(element ? { element } : {}), message, skipped: true });
    const detection = usable(checkResultLine(text), problem);
    if (detection) yield { detection, line: number };
  }
}

/** The Detections of a file that is one JSON document: an object (one Detection) or an array of them. */
async function* readJsonDocument(file: string, firstLine: number, options: ReadResultsOptions): AsyncGenerator<ResultEntry> {
  const { size } = await stat(file);
  if (options.maxBytes !== undefined && size > options.maxBytes) {
    options.onProblem?.({ kind: 'bad-file', file, message: `one JSON document of ${describeBytes(size)}, more than ${describeBytes(options.maxBytes)}; not read (write results as JSONL, one Detection per line)`, skipped: true });
    return;
  }
  const text = stripBom(await readFile(file, 'utf8'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadResultsError(`${file}: not a results file: it opens a JSON document at line ${firstLine} that does not parse (${(error as Error).message})`, { cause: error });
  }
  const items = Array.isArray(value) ? value : [value];
  for (let index = 0; index < items.length; index++) {
    const problem: LineProblem = (message, element) =>
      options.onProblem?.({ kind: 'bad-record', file, element: Array.isArray(value) ? `[${index}]${element ? `.${element}` : ''}` : (element ?? 'document'), message, skipped: true });
    const detection = usable(checkResultValue(items[index]), problem);
    if (detection) yield { detection, element: Array.isArray(value) ? `[${index}]` : 'document' };
  }
}

/**
 * The Detection of a checked line, or undefined (after one `problem`) when the line cannot be used; drops
 * (with one `problem` each) regions that have neither usable points nor a usable box.
 */
function usable(checked: CheckedLine, problem: LineProblem): Detection | undefined {
  if (checked.problem !== undefined) {
    problem(checked.problem);
    return undefined;
  }
  return detectionOf(checked.line, (index, reason) => problem(`${reason}; region skipped`, `regions[${index}]`));
}
