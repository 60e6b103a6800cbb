/**
 * Reads a results file: JSONL, one `Detection` per line (what `ocrdet detect` writes). Only `image` and
 * `regions[].points` are required; a region with only a `box` [x1, y1, x2, y2] becomes its four corners.
 *
 * Streams line by line. A bad line never stops the file: it is one problem (file, line, reason) and is
 * skipped; a bad region inside a good line is one problem and only that region is dropped. Blank lines and a
 * UTF-8 byte-order mark are tolerated. Polygon validity (self-intersection, zero area) is not judged here:
 * the evaluator counts invalid polygons itself, as the ICDAR protocol says.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { DetectionErrorSchema } from '../core/detection.js';
import { BadResultsError, NotFoundError } from '../core/errors.js';
import { boundsOf, boxToPoints } from '../core/geometry.js';
import type { Box, Detection, Point, Region } from '../core/types.js';
import { stripBom } from './files.js';
import { quoteLine, type DatasetProblem } from './problems.js';

export interface ReadResultsOptions {
  /**
   * Called once per skipped line (`line` set) or dropped region (`element` = `regions[i]`), always with
   * kind `bad-record` and `skipped: true`; `formatProblem` prints it as `file:line: element: reason`.
   */
  onProblem?: (problem: DatasetProblem) => void;
}

/** Says why a line, or one region of it (`element`), was skipped. */
export type LineProblem = (message: string, element?: string) => void;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const PointSchema = z.tuple([finite, finite]);
const BoxSchema = z.tuple([finite, finite, finite, finite]);

const RegionSchema = z.object({
  points: z.array(PointSchema).min(1).optional(),
  box: BoxSchema.optional(),
  // Extra fields are kept when well-formed and quietly dropped when not: they do not affect the score.
  text: z.string().optional().catch(undefined),
  score: finite.optional().catch(undefined),
});

const DetectionSchema = z.object({
  image: z.string().min(1),
  regions: z.array(z.unknown()).optional(),
  width: z.number().nonnegative().optional().catch(undefined),
  height: z.number().nonnegative().optional().catch(undefined),
  source: z.string().optional().catch(undefined),
  backend: z.string().optional().catch(undefined),
  model: z.string().optional().catch(undefined),
  timings: z.record(z.string(), z.number()).optional().catch(undefined),
  warnings: z.array(z.string()).optional().catch(undefined),
  error: DetectionErrorSchema.optional().catch(undefined),
});

/**
 * Streams the Detections of a JSONL results file — or of a JSON file holding one Detection or an array of
 * them, pretty-printed or not (what `ocrdet detect one.jpg > one.json` writes: one image prints as pretty
 * JSON). Throws when the file cannot be opened, or is not a results file at all: its first line is not a
 * JSON object (a README, an image, a CSV given as --pred). Later bad lines are reported one by one and skipped.
 */
export async function* readResults(file: string, options: ReadResultsOptions = {}): AsyncGenerator<Detection> {
  await assertReadableFile(file);
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let sawLine = false;
  for await (const raw of lines) {
    lineNumber++;
    const text = (lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue;
    if (!sawLine) {
      sawLine = true;
      // A line that only opens an object or an array: the file is one JSON document, not JSON lines.
      if (text === '{' || text.startsWith('[')) {
        lines.close();
        yield* readJsonDocument(file, lineNumber, options);
        return;
      }
      if (!/^\{/.test(text)) throw new BadResultsError(`${file}: not a results file (Detection JSONL): line ${lineNumber} is ${quoteLine(text)}, not a JSON object`);
    }
    const problem: LineProblem = (message, element) =>
      options.onProblem?.({ kind: 'bad-record', file, line: lineNumber, ...(element ? { element } : {}), message, skipped: true });
    const detection = parseResultLine(text, problem);
    if (detection) yield detection;
  }
}

/** The Detections of a file that is one JSON document: an object (one Detection) or an array of them. */
async function* readJsonDocument(file: string, firstLine: number, options: ReadResultsOptions): AsyncGenerator<Detection> {
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
    const detection = parseResultValue(items[index], problem);
    if (detection) yield detection;
  }
}

/**
 * Parses one results line. Returns undefined (after one `problem`) when the line cannot be used; drops
 * (with one `problem` each) regions that have neither usable points nor a usable box.
 */
export function parseResultLine(text: string, problem: LineProblem): Detection | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problem(`not JSON (${(error as Error).message})`);
    return undefined;
  }
  return parseResultValue(value, problem);
}

/** A parsed JSON value as a Detection, with the same checks and problems as parseResultLine. */
export function parseResultValue(value: unknown, problem: LineProblem): Detection | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problem(`expected a JSON object (a Detection), got ${Array.isArray(value) ? 'an array' : typeof value}`);
    return undefined;
  }
  const parsed = DetectionSchema.safeParse(value);
  if (!parsed.success) {
    problem(describeIssue(parsed.error.issues[0]));
    return undefined;
  }
  const line = parsed.data;
  if (line.regions === undefined && line.error === undefined) {
    problem('"regions" is missing (write "regions": [] for an image with nothing detected)');
    return undefined;
  }
  const regions: Region[] = [];
  (line.regions ?? []).forEach((item, index) => {
    const region = parseRegion(item);
    if (typeof region === 'string') problem(`${region}; region skipped`, `regions[${index}]`);
    else regions.push(region);
  });
  const detection: Detection = {
    image: line.image,
    width: line.width ?? 0,
    height: line.height ?? 0,
    regions,
    backend: line.backend ?? '',
    model: line.model ?? '',
    timings: line.timings ?? {},
  };
  if (line.source !== undefined) detection.source = line.source;
  if (line.warnings !== undefined) detection.warnings = line.warnings;
  if (line.error !== undefined) detection.error = line.error;
  return detection;
}

/** A Region, or the reason the item is not one. */
function parseRegion(item: unknown): Region | string {
  const parsed = RegionSchema.safeParse(item);
  if (!parsed.success) return describeIssue(parsed.error.issues[0]);
  const { points, box, text, score } = parsed.data;
  let polygon: Point[];
  if (points) polygon = points as Point[];
  else if (box) polygon = boxToPoints(box as Box);
  else return 'has neither "points" nor "box"';
  const region: Region = { points: polygon, box: boundsOf(polygon) };
  if (text !== undefined) region.text = text;
  if (score !== undefined) region.score = score;
  return region;
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'value';
  return `${where}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
}

async function assertReadableFile(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new NotFoundError(`results file ${file} does not exist`, { cause: error });
  }
  if (!info.isFile()) throw new BadResultsError(`results file ${file} is not a file (expected Detection JSONL)`);
}
