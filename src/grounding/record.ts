/**
 * The data record: what `ocrdet data convert` writes beside train.jsonl/val.jsonl (ocrdet-data.json) so that
 * every later stage agrees with the data — training (preset, resize settings, max_length), merging and
 * serving (the engine's resize settings), detection (prompt, dialect, the size images are sent at). Its
 * schema lives here because it is about a model family's grid and image rule; reading and writing it beside
 * the data is datasets/record-file.ts. Readable JSON, versioned: a reader refuses a version it does not know.
 */
import { z } from 'zod';
import { FAMILY_NAMES, FAMILIES, type ModelFamily } from './families.js';
import { GRID_KINDS } from './grids.js';
import type { ImageSize } from '../core/types.js';
import { ImageRuleSchema, modelView } from './image-rules.js';
import { dialects } from './index.js';

/** The file name beside the data (and, copied by `ocrdet train`, beside the run). */
export const DATA_RECORD_FILE = 'ocrdet-data.json';
export const DATA_RECORD_VERSION = 1;

const count = z.number().int().min(0);

/** Estimated tokens of one training row, in the order of the rows of its file. */
export const RowTokensSchema = z.strictObject({
  /** Everything but the answer and the image: system turn, role markers, user prompt. */
  prompt: count,
  /** The assistant turn (for `--answer objects`: the native answer ms-swift renders from it). */
  answer: count,
  /** Image tokens by the family's image rule (image-rules.ts), exact. */
  image: count,
});
export type RowTokens = z.infer<typeof RowTokensSchema>;

const dialectName = z.string().refine((name) => dialects.has(name), { error: (issue) => `expected a grounding dialect (${dialects.names().join(', ')}), received ${JSON.stringify(issue.input)}` });

export const DataRecordSchema = z
  .strictObject({
    /** What the file is, for a person who opens it. */
    kind: z.literal('ocrdet data record'),
    version: z.literal(DATA_RECORD_VERSION),
    /** The model family the rows are for (families.ts). */
    family: z.enum(FAMILY_NAMES),
    /** The grounding dialect the answers are written in. */
    dialect: dialectName,
    /** The dialect's coordinate grid (grids.ts): `max` is null for pixels of the model input. */
    grid: z.strictObject({ kind: z.enum(GRID_KINDS), max: z.number().int().positive().nullable() }),
    /** How the model sees an image, with the settings the answers and the token counts were computed for. */
    image: ImageRuleSchema,
    task: z.enum(['text', 'objects', 'boxes']),
    /** native: answers in the dialect; objects: ms-swift's `objects` field, rendered by its template. */
    answer: z.enum(['native', 'objects']),
    /** What the trained model will write: the dialect's own syntax, or ms-swift's legacy Qwen tokens. */
    answerStyle: z.enum(['dialect', 'qwen-legacy-tokens']),
    /** The user prompt of every row, without the `<image>` tag. */
    prompt: z.string(),
    /** The system prompt of every row, when the rows carry one (else the template's default applies). */
    system: z.string().optional(),
    /** ms-swift rows: their format and the ms-swift versions that train them as written. */
    swift: z
      .strictObject({
        rows: z.enum(['2.x', '3.x/4.x']),
        /** Lowest version that has the family and reads the rows. */
        from: z.string(),
        /** First version that does not (2.x rows: 3.0.0), when there is one. */
        before: z.string().optional(),
      })
      .optional(),
    /** The row files, relative to the record's folder. */
    files: z.strictObject({ train: z.string(), val: z.string() }),
    /** Estimated tokens per row, file by file, in file order. */
    rows: z.strictObject({ train: z.array(RowTokensSchema), val: z.array(RowTokensSchema) }),
  })
  .superRefine((record, ctx) => {
    const family = FAMILIES.get(record.family);
    if (!family.dialects.includes(record.dialect)) {
      ctx.addIssue({ code: 'custom', path: ['dialect'], message: `${record.dialect} is not a dialect ${record.family} is trained in (${family.dialects.join(', ')})` });
    }
    if (record.image.kind !== family.image.kind) {
      ctx.addIssue({ code: 'custom', path: ['image', 'kind'], message: `${record.family} sees images by ${family.image.kind}, not ${record.image.kind}` });
    }
  });

export type DataRecord = z.infer<typeof DataRecordSchema>;

/** The family record of a data record. */
export function familyOf(record: Pick<DataRecord, 'family'>): ModelFamily {
  return FAMILIES.get(record.family);
}

/**
 * The length ms-swift compares with max_length for a row (its image tokens counted or not, by version;
 * Florence-2's prompt and answer are two sequences, the longer one counts).
 */
export function checkedLength(row: RowTokens, family: ModelFamily, swiftMajor: number): number {
  const image = family.swift.countsImageTokens[swiftMajor === 2 ? 2 : 3] ? row.image : 0;
  if (family.template.encoderDecoder) return Math.max(row.prompt, row.answer + 1) + image;
  return row.prompt + row.answer + image;
}

/**
 * The model input size the answers of an image of `size` pixels were written on, when the dialect's grid is
 * pixels of that input (Qwen2.5-VL): the record's smart_resize of the size. Undefined for relative grids.
 */
export function recordInputSize(record: Pick<DataRecord, 'grid' | 'image'>, size: ImageSize): ImageSize | undefined {
  return record.grid.kind === 'input-pixels' ? modelView(size, record.image).canvas : undefined;
}
