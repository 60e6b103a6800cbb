/**
 * Model answers → regions in original-image pixels. Pure, and shared by the detector and `ocrdet reparse`,
 * so re-parsing saved answers gives exactly what detection gave (or what another dialect would have).
 *
 * Each answer belongs to a frame: the rectangle of the original it was asked about (the whole image or a
 * tile) and the size that rectangle was sent at. Relative dialects (0–1000, bins) map onto the frame
 * directly; Qwen2.5-VL's coordinates are pixels of the model's input, which is the size the server reported
 * (ms-swift `images_size`) when it did, else the model's smart_resize of the size sent.
 */
import { optionName } from '../../core/options.js';
import type { ImageSize, Region } from '../../core/types.js';
import { modelView, type ImageRule } from '../../grounding/image-rules.js';
import type { GroundingDialect, GroundingTask } from '../../grounding/types.js';
import type { PixelRect } from '../../image/encode.js';
import { mergeFrameRegions } from './merge.js';

/** One saved answer: everything needed to parse it again (`Detection.raw[i]`). */
export interface RawAnswer {
  /** The model's answer, unchanged. */
  answer: string;
  /** The rectangle of the original image that was asked about, in pixels. */
  frame: PixelRect;
  /** The size of the image sent for that rectangle. */
  sent: ImageSize;
  /** The model's input size as the server reported it (ms-swift `return_details` → `images_size`). */
  reported?: ImageSize;
  /** `stop`, or `length` when the answer hit max tokens. */
  finishReason?: string | null;
}

export interface AnswerParseOptions {
  task?: GroundingTask;
  coordinateScale?: number;
  /** How the model sees images (the data record's); default: the dialect's input size of the size sent. */
  image?: ImageRule;
}

export interface ParsedAnswers {
  regions: Region[];
  warnings: string[];
}

/** The size the model saw for a frame: the server's word, else the image rule's (or the dialect's) resize of what was sent. */
export function modelInputSize(part: RawAnswer, dialect: GroundingDialect, image?: ImageRule): ImageSize | undefined {
  if (part.reported && part.reported.width > 0 && part.reported.height > 0) return part.reported;
  if (!dialect.inputSize) return undefined;
  return image ? modelView(part.sent, image).canvas : dialect.inputSize(part.sent);
}

function shift(region: Region, dx: number, dy: number): Region {
  if (dx === 0 && dy === 0) return region;
  const move = (v: number, d: number) => Math.round((v + d) * 100) / 100;
  const points = region.points.map(([x, y]): [number, number] => [move(x, dx), move(y, dy)]);
  const [x1, y1, x2, y2] = region.box;
  return { ...region, points, box: [move(x1, dx), move(y1, dy), move(x2, dx), move(y2, dy)] };
}

/** Regions of one answer, in original-image pixels, with its warnings prefixed by `where` when given. */
export function parseAnswer(part: RawAnswer, dialect: GroundingDialect, options: AnswerParseOptions, where = ''): ParsedAnswers {
  const frameSize = { width: part.frame.width, height: part.frame.height };
  const inputSize = modelInputSize(part, dialect, options.image);
  const parsed = dialect.parse(part.answer, frameSize, {
    task: options.task,
    ...(inputSize ? { inputSize } : {}),
    ...(options.coordinateScale ? { coordinateScale: options.coordinateScale } : {}),
  });
  const warnings = parsed.warnings.map((w) => `${where}${w}`);
  if (part.finishReason === 'length') {
    warnings.push(`${where}the answer was cut off at the answer-token limit (${optionName('maxTokens')}); regions after it are missing (raise it, or tile with ${optionName('tile')})`);
  }
  return { regions: parsed.regions.map((r) => shift(r, part.frame.left, part.frame.top)), warnings };
}

/**
 * All answers of one image → one region list. A single answer's regions come back in the dialect's order;
 * several frames' regions are merged across overlaps (./merge.ts) and put in reading order.
 */
export function regionsFromAnswers(parts: readonly RawAnswer[], dialect: GroundingDialect, options: AnswerParseOptions = {}): ParsedAnswers {
  if (parts.length === 1) return parseAnswer(parts[0], dialect, options);
  const perFrame: Region[][] = [];
  const warnings: string[] = [];
  parts.forEach((part, i) => {
    const { regions, warnings: partWarnings } = parseAnswer(part, dialect, options, `${frameName(part, i)}: `);
    perFrame.push(regions);
    warnings.push(...partWarnings);
  });
  return { regions: mergeFrameRegions(perFrame), warnings };
}

/**
 * Whether an answer is the dialect's own way of saying "nothing here": what its `format` writes for no
 * regions (Qwen2.5-VL's fenced `[]`), fenced or not, whitespace aside.
 */
export function isEmptyInDialect(answer: string, dialect: GroundingDialect): boolean {
  const bare = (text: string) => text.replace(/^\s*```[\w-]*\s*|\s*```\s*$/g, '').replace(/\s+/g, '');
  const empty = bare(dialect.format([], { width: 1, height: 1 }));
  return bare(answer) === empty;
}

/**
 * The warning for answers that hold text but no box (wrong dialect, prompt or system prompt), or undefined.
 * A dialect's own empty answer is a model that found nothing, not a wrong dialect.
 */
export function noBoxesWarning(parts: readonly RawAnswer[], regionCount: number, dialect?: GroundingDialect): string | undefined {
  if (regionCount > 0 || parts.every((part) => part.answer.trim() === '' || (dialect !== undefined && isEmptyInDialect(part.answer, dialect)))) return undefined;
  const text = parts.map((part) => part.answer).join(' ').replace(/\s+/g, ' ').trim();
  const check = ['dialect', 'prompt', 'system'].map((key) => optionName(key));
  return `no boxes in the answer ("${text.length > 60 ? `${text.slice(0, 59)}…` : text}"); check ${check[0]}, ${check[1]} and ${check[2]}`;
}

function frameName(part: RawAnswer, index: number): string {
  const { left, top, width, height } = part.frame;
  return `frame ${index + 1} (${width}×${height} at ${left},${top})`;
}

/** Whether a value read from a results file has the shape of a RawAnswer (reparse input is untrusted). */
export function isRawAnswer(value: unknown): value is RawAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const size = (s: unknown) => typeof s === 'object' && s !== null && Number((s as ImageSize).width) > 0 && Number((s as ImageSize).height) > 0;
  const frame = v.frame as Record<string, unknown> | undefined;
  const rectOk = size(frame) && Number.isFinite(frame?.left) && Number.isFinite(frame?.top);
  return typeof v.answer === 'string' && rectOk && size(v.sent) && (v.reported === undefined || size(v.reported));
}
