/**
 * The one schema of a results line: a Detection as JSON, what `ocrdet detect` writes one per line and what
 * resume (batch/jsonl.ts), eval (datasets/results.ts) and reparse (detectors/vlm/reparse.ts) read back.
 *
 * A line is a Detection when it is a JSON object with a non-empty `image` and a `regions` array, or an
 * `error` instead of regions (a failed image). The other fields are kept when well-formed and quietly
 * dropped when not: they never decide whether a line is usable. Regions are checked one by one
 * (`regionOf`), so a bad region costs only itself.
 */
import { z } from 'zod';
import { isErrorCode, parseErrorLine } from './errors.js';
import { boundsOf } from './polygon.js';
import { boxToPoints } from './rectangles.js';
import type { Box, Detection, DetectionError, Point, Region } from './types.js';

/**
 * A failed image's `error`: `{ code, message }`, or the `CODE: message` line that files of earlier versions
 * hold. Both read as `{ code, message }`; a code outside the error table, or an error of any other shape, is
 * OCRDET_INTERNAL with its words kept: an error recorded in any form means the image failed.
 */
export const DetectionErrorSchema = z
  .union([
    z.string().transform((line): DetectionError => parseErrorLine(line)),
    z.object({ code: z.string(), message: z.string() }).transform(({ code, message }): DetectionError =>
      isErrorCode(code) ? { code, message } : { code: 'OCRDET_INTERNAL', message: `${code}: ${message}` },
    ),
  ])
  .catch(({ value }): DetectionError => ({ code: 'OCRDET_INTERNAL', message: JSON.stringify(value) }));

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const RegionSchema = z.object({
  points: z.array(z.tuple([finite, finite])).min(1).optional(),
  box: z.tuple([finite, finite, finite, finite]).optional(),
  text: z.string().optional().catch(undefined),
  score: finite.optional().catch(undefined),
  textScore: finite.optional().catch(undefined),
});

/** A results line, checked. Fields of no Detection (a vlm line's `raw`, `dialect`…) are kept as they are. */
export const ResultLineSchema = z.looseObject({
  image: z.string().min(1),
  regions: z.array(z.unknown()).optional(),
  width: z.number().nonnegative().optional().catch(undefined),
  height: z.number().nonnegative().optional().catch(undefined),
  source: z.string().optional().catch(undefined),
  backend: z.string().optional().catch(undefined),
  model: z.string().optional().catch(undefined),
  timings: z.record(z.string(), z.number()).optional().catch(undefined),
  warnings: z.array(z.string()).optional().catch(undefined),
  page: z.number().int().positive().optional().catch(undefined),
  dpi: z.number().positive().optional().catch(undefined),
  orientation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]).optional().catch(undefined),
  blocks: z.array(z.object({ box: z.tuple([finite, finite, finite, finite]), lines: z.array(z.number().int().nonnegative()) })).optional().catch(undefined),
  // null, as some writers put for "no error", is no error.
  error: DetectionErrorSchema.nullish().transform((error) => error ?? undefined),
});

export type ResultLine = z.infer<typeof ResultLineSchema>;

/**
 * A line checked against the schema — `line` as read and `record`, the JSON object exactly as written — or
 * why it is not a Detection line (`"image": …`, `not JSON (…)`).
 */
export type CheckedLine =
  | { line: ResultLine; record: Record<string, unknown>; problem?: undefined }
  | { line?: undefined; record?: undefined; problem: string };

/** Checks one line's text: JSON, an object, the schema, and regions or an error. */
export function checkResultLine(text: string): CheckedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  return checkResultValue(value);
}

/** The same checks as checkResultLine, on a parsed JSON value (an item of a JSON document). */
export function checkResultValue(value: unknown): CheckedLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: `expected a JSON object (a Detection), got ${Array.isArray(value) ? 'an array' : typeof value}` };
  }
  const parsed = ResultLineSchema.safeParse(value);
  if (!parsed.success) return { problem: describeIssue(parsed.error.issues[0]) };
  if (parsed.data.regions === undefined && parsed.data.error === undefined) {
    return { problem: '"regions" is missing (write "regions": [] for an image with nothing detected)' };
  }
  return { line: parsed.data, record: value as Record<string, unknown> };
}

/** One region of a line: its points (or the four corners of its box), or why it is not usable. */
export function regionOf(item: unknown): Region | string {
  const parsed = RegionSchema.safeParse(item);
  if (!parsed.success) return describeIssue(parsed.error.issues[0]);
  const { points, box, text, score, textScore } = parsed.data;
  let polygon: Point[];
  if (points) polygon = points as Point[];
  else if (box) polygon = boxToPoints(box as Box);
  else return 'has neither "points" nor "box"';
  const region: Region = { points: polygon, box: boundsOf(polygon) };
  if (text !== undefined) region.text = text;
  if (score !== undefined) region.score = score;
  if (textScore !== undefined) region.textScore = textScore;
  return region;
}

/**
 * The Detection of a checked line: its usable regions (each unusable one reported to `onBadRegion` with
 * its index and why), the sizes (0 when unknown) and the Detection fields it has.
 */
export function detectionOf(line: ResultLine, onBadRegion: (index: number, reason: string) => void = () => undefined): Detection {
  const regions: Region[] = [];
  (line.regions ?? []).forEach((item, index) => {
    const region = regionOf(item);
    if (typeof region === 'string') onBadRegion(index, region);
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
  if (line.page !== undefined) detection.page = line.page;
  if (line.dpi !== undefined) detection.dpi = line.dpi;
  if (line.orientation !== undefined) detection.orientation = line.orientation;
  // Blocks index the regions as written: kept only when every region was usable (none dropped, none shifted).
  if (line.blocks !== undefined && regions.length === (line.regions ?? []).length) detection.blocks = line.blocks as Detection['blocks'];
  if (line.warnings !== undefined) detection.warnings = line.warnings;
  if (line.error !== undefined) detection.error = line.error;
  return detection;
}

/** A zod issue as `"field": what is wrong`. */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'value';
  return `${where}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
}
