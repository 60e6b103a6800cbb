/**
 * The regions of one image as a converter sees them: which go into the answer, which are left out and why
 * (a dialect's `format` leaves out don't-care regions and regions without area inside the image without a
 * word; the converter counts them itself), and the answer text with its estimated token cost.
 */
import { boundsOf, clipPoints } from '../core/geometry.js';
import type { Box, ImageSize, Region } from '../core/types.js';
import { answerItems } from '../grounding/answer-items.js';
import type { FormatOptions, GroundingDialect, GroundingTask } from '../grounding/types.js';
import type { DropReason } from './convert-report.js';
import { estimateTokens } from './tokens.js';

export interface DroppedRegion {
  /** 1-based position among the sample's regions, for messages. */
  index: number;
  reason: Exclude<DropReason, 'dont-care'>;
  why: string;
}

export interface SortedRegions {
  /** Regions for the answer: not don't-care, with area inside the image, no duplicates. */
  care: Region[];
  /** Don't-care regions (left out of answers; kept as `###` / iscrowd by the exchange formats). */
  ignored: Region[];
  dropped: DroppedRegion[];
  /** Care regions partly outside the image (clipped in the answer). */
  clipped: number;
  /** Care regions without a transcription (task text). */
  withoutText: number;
}

function describeBox(box: Box): string {
  return `[${box.map((v) => Math.round(v * 100) / 100).join(', ')}]`;
}

function sameRegion(a: Region, b: Region): boolean {
  if ((a.text ?? '') !== (b.text ?? '') || a.points.length !== b.points.length) return false;
  return a.points.every((p, i) => p[0] === b.points[i][0] && p[1] === b.points[i][1]);
}

/** Sorts a sample's regions into care, don't care and dropped (with the reason for each drop). */
export function sortRegions(regions: readonly Region[], size: ImageSize, task: GroundingTask): SortedRegions {
  const out: SortedRegions = { care: [], ignored: [], dropped: [], clipped: 0, withoutText: 0 };
  const seen = new Map<number, Region[]>();
  regions.forEach((region, i) => {
    const index = i + 1;
    if (region.ignore) {
      out.ignored.push(region);
      return;
    }
    const [x1, y1, x2, y2] = region.box;
    if (x2 <= 0 || y2 <= 0 || x1 >= size.width || y1 >= size.height) {
      out.dropped.push({ index, reason: 'out-of-image', why: `box ${describeBox(region.box)} lies outside the ${size.width}×${size.height} image` });
      return;
    }
    const partlyOutside = x1 < 0 || y1 < 0 || x2 > size.width || y2 > size.height;
    const inside = partlyOutside ? boundsOf(clipPoints(region.points, size)) : region.box;
    if (inside[2] <= inside[0] || inside[3] <= inside[1]) {
      out.dropped.push({ index, reason: 'degenerate', why: `no ${inside[2] <= inside[0] ? 'width' : 'height'} inside the image (box ${describeBox(region.box)})` });
      return;
    }
    // Exact repeats (an annotation tool's double click, a merged file): same text, same polygon. Keyed by a
    // number made of the box (cheap), then compared exactly.
    const key = ((x1 * 8191 + y1) * 8191 + x2) * 8191 + y2;
    const sameBox = seen.get(key);
    if (sameBox?.some((other) => sameRegion(other, region))) {
      out.dropped.push({ index, reason: 'duplicate', why: `same text and polygon as an earlier region (box ${describeBox(region.box)})` });
      return;
    }
    if (sameBox) sameBox.push(region);
    else seen.set(key, [region]);
    if (partlyOutside) out.clipped++;
    if (task === 'text' && !region.text?.trim()) out.withoutText++;
    out.care.push(region);
  });
  return out;
}

export interface AnswerStyle {
  dialect: GroundingDialect;
  mode: 'native' | 'objects';
  task: GroundingTask;
  /** Qwen2.5-VL smart_resize bounds. */
  minPixels?: number;
  maxPixels?: number;
}

/** ms-swift's `objects` field (3.x/4.x): one ref and one pixel box per `<ref-object><bbox>` pair. */
export interface SwiftObjects {
  ref: string[];
  bbox: number[][];
  bbox_type: 'real';
}

export interface RenderedAnswer {
  /** The assistant turn as written. */
  text: string;
  /** Estimated tokens of the answer the model is trained on (for objects: of the equivalent native answer). */
  tokens: number;
  objects?: SwiftObjects;
}

/** Placeholders ms-swift replaces in messages: a label must not contain them. */
const SWIFT_PLACEHOLDERS = ['<ref-object>', '<bbox>', '<image>', '<video>', '<audio>'];

const round2 = (v: number): number => Math.round(v * 100) / 100;

function formatOptions(style: AnswerStyle, legacy: boolean): FormatOptions {
  return {
    task: style.task,
    boxLabel: 'text',
    ...(style.minPixels !== undefined ? { minPixels: style.minPixels } : {}),
    ...(style.maxPixels !== undefined ? { maxPixels: style.maxPixels } : {}),
    // ms-swift writes the legacy <|box_start|> tokens for the Qwen-VL family (QWENVL_BBOX_FORMAT=legacy).
    ...(legacy ? { style: 'legacy' as const } : {}),
  };
}

/** The answer for `care` regions of an image of `size`, in the style asked for. */
export function renderAnswer(care: readonly Region[], size: ImageSize, style: AnswerStyle): RenderedAnswer {
  if (style.mode === 'native') {
    const text = style.dialect.format(care, size, formatOptions(style, false));
    return { text, tokens: estimateTokens(text) };
  }
  const items = answerItems(care, size, { task: style.task, boxLabel: 'text' }, SWIFT_PLACEHOLDERS);
  const equivalent = style.dialect.format(care, size, formatOptions(style, true));
  return {
    text: items.map(() => '<ref-object><bbox>').join('\n'),
    tokens: estimateTokens(equivalent),
    objects: { ref: items.map((item) => item.label), bbox: items.map((item) => item.box.map(round2)), bbox_type: 'real' },
  };
}
