/**
 * Reading a training row back for `ocrdet data preview`: which image it names, which answer it trains, and
 * which grounding dialect wrote that answer (given, found in the conversion's report.json, or recognised
 * from the answer's syntax).
 */
import { boxToPoints } from '../core/geometry.js';
import { optionName } from '../core/options.js';
import type { Box, ImageSize, Region } from '../core/types.js';

export interface TrainingRow {
  /** The image path as written. */
  image: string;
  /** The assistant's answer. */
  answer: string;
  /** ms-swift 3.x `objects` (answer made of <ref-object>/<bbox> placeholders). */
  objects?: { ref?: unknown; bbox?: unknown; bbox_type?: unknown };
  shape: 'swift3' | 'swift2' | 'internvl';
}

type Row = Record<string, unknown>;

const firstImage = (images: unknown): unknown => (Array.isArray(images) ? images[0] : images);

/** The row's image, answer and objects, or the reason it is not a training row ocrdet knows. */
export function readTrainingRow(row: unknown): TrainingRow | string {
  if (!row || typeof row !== 'object') return 'not a JSON object';
  const r = row as Row;
  let image: unknown;
  let answer: unknown;
  let shape: TrainingRow['shape'];
  if (Array.isArray(r.messages)) {
    const assistant = (r.messages as Row[]).filter((m) => m?.role === 'assistant').pop();
    [image, answer, shape] = [firstImage(r.images), assistant?.content, 'swift3'];
  } else if ('response' in r || 'query' in r) {
    [image, answer, shape] = [firstImage(r.images), r.response, 'swift2'];
  } else if (Array.isArray(r.conversations)) {
    const gpt = (r.conversations as Row[]).filter((m) => m?.from === 'gpt').pop();
    [image, answer, shape] = [firstImage(r.image), gpt?.value, 'internvl'];
  } else {
    return 'no "messages", "query"/"response" or "conversations": not an ms-swift or InternVL row';
  }
  if (typeof image !== 'string' || image === '') return 'no image path';
  if (typeof answer !== 'string') return 'no assistant answer';
  const objects = r.objects && typeof r.objects === 'object' ? (r.objects as TrainingRow['objects']) : undefined;
  return { image, answer, shape, ...(objects ? { objects } : {}) };
}

function maxNumber(text: string): number {
  let max = 0;
  for (const m of text.matchAll(/\d+(?:\.\d+)?/g)) max = Math.max(max, Number(m[0]));
  return max;
}

/**
 * The dialect an answer's syntax belongs to, with a note when the syntax is shared: `<|box_start|>` tokens
 * are Qwen2-VL's (0–1000) and ms-swift's for Qwen2.5-VL (input pixels); JSON `bbox_2d` is Qwen2.5-VL's
 * (input pixels) and Qwen3-VL's (0–1000). Numbers above 1000 can only be pixels; otherwise it is a guess.
 */
export function recogniseDialect(answer: string): { dialect?: string; note?: string } {
  if (/<[|｜]\s*(?:det|\/det|ref|\/ref)\s*[|｜]>/.test(answer)) return { dialect: 'deepseek-vl2' };
  if (/<loc_\d+>/.test(answer)) return { dialect: 'florence-2' };
  if (/<loc\d{4}>/.test(answer)) return { dialect: 'paligemma' };
  const guess = (pixels: string, relative: string, what: string) =>
    maxNumber(answer) > 1000
      ? { dialect: pixels }
      : { dialect: relative, note: `${what} are written by ${relative} (0–1000) and ${pixels} (input pixels); guessed ${relative}: set ${optionName('dialect')} to choose` };
  if (/<[|｜]\s*box_start\s*[|｜]>/.test(answer)) return guess('qwen2.5-vl', 'qwen2-vl', '<|box_start|> tokens');
  if (/"bbox_2d"/.test(answer)) return guess('qwen2.5-vl', 'qwen3-vl', 'JSON bbox_2d answers');
  if (/<\s*box\s*>\s*\(/.test(answer)) return { dialect: 'qwen-vl' };
  if (/<\s*box\s*>\s*\[|<\s*\/\s*ref\s*>\s*\[\[/.test(answer)) return { dialect: 'internvl2' };
  return {};
}

/** Regions from ms-swift `objects` as its template would place them, with warnings for what does not add up. */
export function objectsRegions(row: TrainingRow, size: ImageSize): { regions: Region[]; warnings: string[] } {
  const warnings: string[] = [];
  const bbox = Array.isArray(row.objects?.bbox) ? (row.objects!.bbox as unknown[]) : [];
  const ref = Array.isArray(row.objects?.ref) ? (row.objects!.ref as unknown[]) : [];
  const scale = row.objects?.bbox_type === 'norm1' ? [size.width, size.height] : [1, 1];
  const boxPlaceholders = (row.answer.match(/<bbox>/g) ?? []).length;
  const refPlaceholders = (row.answer.match(/<ref-object>/g) ?? []).length;
  if (boxPlaceholders !== bbox.length) warnings.push(`${boxPlaceholders} <bbox> placeholders for ${bbox.length} boxes`);
  if (refPlaceholders !== ref.length) warnings.push(`${refPlaceholders} <ref-object> placeholders for ${ref.length} refs`);
  const regions: Region[] = [];
  bbox.forEach((value, i) => {
    if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      warnings.push(`box ${i + 1}: ${JSON.stringify(value)} is not [x1, y1, x2, y2]; not drawn`);
      return;
    }
    const [x1, y1, x2, y2] = value as number[];
    const box: Box = [Math.min(x1, x2) * scale[0], Math.min(y1, y2) * scale[1], Math.max(x1, x2) * scale[0], Math.max(y1, y2) * scale[1]];
    regions.push({ points: boxToPoints(box), box, ...(typeof ref[i] === 'string' ? { text: ref[i] as string } : {}) });
  });
  return { regions, warnings };
}
