/**
 * The options of `convertDataset` / `ocrdet data convert`: one DEFAULTS object and one zod schema (the types
 * come from it), validated once, at the edge. How the options of training rows combine is checked in
 * convert-target.ts.
 */
import { z } from 'zod';
import { parseOptions } from '../core/options.js';
import type { DatasetProblem } from './problems.js';
import type { DropReason } from './convert-report.js';

export const OUTPUT_FORMAT_NAMES = ['swift', 'internvl', 'icdar', 'coco'] as const;
export const DATASET_FORMAT_NAMES = ['voc-quad', 'icdar2015', 'ppocr', 'labelme', 'coco', 'results'] as const;

export const CONVERT_DEFAULTS = Object.freeze({
  to: 'swift' as const,
  /** The reference system's model (InternVL2-8B). */
  dialect: 'internvl2',
  answer: 'native' as const,
  /** 3 = ms-swift 3.x and 4.x rows (the grounding format did not change in 4.x). */
  swiftVersion: 3 as const,
  task: 'text' as const,
  /** Absolute paths are what ms-swift resolves without ROOT_IMAGE_DIR. */
  paths: 'abs' as const,
  copyImages: false,
  /** Nine images for training to one for validation. */
  split: 0.9,
  seed: 42,
  splitBy: 'image' as const,
  /** The reference run's max_length (its sft_args.json): 2048. */
  maxAnswerTokens: 2048,
  overflow: 'crop' as const,
  keepEmpty: false,
  probeImages: true,
  strict: false,
});

export const ConvertOptionsSchema = z
  .object({
    out: z.string().min(1),
    to: z.enum(OUTPUT_FORMAT_NAMES).default(CONVERT_DEFAULTS.to),
    dialect: z.string().min(1).default(CONVERT_DEFAULTS.dialect),
    /** The model family the rows are for (src/grounding/families.ts); default: the one the dialect is named after. */
    family: z.string().min(1).optional(),
    answer: z.enum(['native', 'objects']).default(CONVERT_DEFAULTS.answer),
    swiftVersion: z.union([z.literal(2), z.literal(3), z.literal(4)]).default(CONVERT_DEFAULTS.swiftVersion),
    task: z.enum(['text', 'objects', 'boxes']).default(CONVERT_DEFAULTS.task),
    prompt: z.string().min(1).optional(),
    system: z.string().min(1).optional(),
    /** A JSONL training file whose first row's system prompt and user prompt are reused (--prompt/--system win). */
    promptsFrom: z.string().min(1).optional(),
    paths: z.enum(['abs', 'rel']).default(CONVERT_DEFAULTS.paths),
    copyImages: z.boolean().default(CONVERT_DEFAULTS.copyImages),
    split: z.number().gt(0).max(1).default(CONVERT_DEFAULTS.split),
    seed: z.number().int().min(0).max(0xffffffff).default(CONVERT_DEFAULTS.seed),
    splitBy: z.enum(['image', 'source']).default(CONVERT_DEFAULTS.splitBy),
    maxAnswerTokens: z.number().int().min(16).default(CONVERT_DEFAULTS.maxAnswerTokens),
    overflow: z.enum(['crop', 'skip']).default(CONVERT_DEFAULTS.overflow),
    keepEmpty: z.boolean().default(CONVERT_DEFAULTS.keepEmpty),
    format: z.enum(DATASET_FORMAT_NAMES).optional(),
    images: z.string().min(1).optional(),
    /** ocrdet's results as the dataset: detector score under which a region is don't care (readers/results.ts). */
    minScore: z.number().min(0).max(1).optional(),
    /** ocrdet's results, task text: recogniser score under which a region is don't care (readers/results.ts). */
    minTextScore: z.number().min(0).max(1).optional(),
    probeImages: z.boolean().default(CONVERT_DEFAULTS.probeImages),
    /** Qwen2-VL, Qwen2.5-VL, Qwen3-VL: the MIN_PIXELS / MAX_PIXELS of training (smart_resize bounds). */
    minPixels: z.number().int().positive().optional(),
    maxPixels: z.number().int().positive().optional(),
    /** InternVL: the most tiles of an image in training (ms-swift's MAX_NUM). */
    maxTiles: z.number().int().min(1).max(40).optional(),
    strict: z.boolean().default(CONVERT_DEFAULTS.strict),
  })
  .strict();

export type ConvertSettings = z.infer<typeof ConvertOptionsSchema>;

/** A problem found while converting: the reader's, or the converter's own kinds. */
export interface ConvertProblem extends Omit<DatasetProblem, 'kind'> {
  kind: DatasetProblem['kind'] | 'duplicate' | 'over-budget' | 'unreadable-image';
}

export interface ConvertProgress {
  images: number;
  samples: number;
}

export interface ConvertCallbacks {
  /** One call per problem (a bad record, a dropped region with its reason, a skipped image). */
  onProblem?: (problem: ConvertProblem) => void;
  /** Called every few hundred images. */
  onProgress?: (progress: ConvertProgress) => void;
}

export type ConvertOptions = z.input<typeof ConvertOptionsSchema> & ConvertCallbacks;

export type { DropReason };

/** Validates options (flags or API) and applies the defaults. */
export function resolveConvertOptions(options: ConvertOptions): Readonly<ConvertSettings> {
  const { onProblem: _p, onProgress: _g, ...plain } = options;
  return parseOptions(ConvertOptionsSchema, plain, 'convert');
}
