/**
 * The options of `convertDataset` / `ocrdet data convert`: one DEFAULTS object, one zod schema (the types
 * come from it), and the checks between options that a schema cannot express. Validated once, at the edge.
 */
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import { getDialect } from '../grounding/index.js';
import type { DatasetProblem } from './problems.js';
import type { DropReason } from './convert-report.js';

export const OUTPUT_FORMAT_NAMES = ['swift', 'internvl', 'icdar', 'coco'] as const;
export const DATASET_FORMAT_NAMES = ['voc-quad', 'icdar2015', 'ppocr', 'labelme', 'coco'] as const;

/**
 * Dialects whose ms-swift template writes their native boxes from `objects` (SW3 swift/llm/template:
 * internvl.py, qwen.py). DeepSeek-VL2 and PaliGemma fall back to a generic `[(x1,y1),(x2,y2)]` that is not
 * their syntax, and Florence-2 would lose its quads and can reach the nonexistent <loc_1000>
 * (../shared/research/dialects-swift.md §2.2): those need native answers.
 */
export const OBJECTS_DIALECTS = ['internvl2', 'qwen-vl', 'qwen2-vl', 'qwen2.5-vl', 'qwen3-vl'] as const;

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
  /** 9:1, as issue 4 asks. */
  split: 0.9,
  seed: 42,
  splitBy: 'image' as const,
  /** The reference run's max_length (../shared/data/swift-sft-args.json): 2048. */
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
    probeImages: z.boolean().default(CONVERT_DEFAULTS.probeImages),
    /** Qwen2.5-VL: the MIN_PIXELS / MAX_PIXELS the model is trained with (smart_resize bounds). */
    minPixels: z.number().int().positive().optional(),
    maxPixels: z.number().int().positive().optional(),
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

/** Validates options (flags or API), applies the defaults, and checks how they combine. */
export function resolveConvertOptions(options: ConvertOptions): Readonly<ConvertSettings> {
  const { onProblem: _p, onProgress: _g, ...plain } = options;
  const settings = parseOptions(ConvertOptionsSchema, plain, 'convert');
  const llm = settings.to === 'swift' || settings.to === 'internvl';
  if (!llm) return settings;
  const dialect = getDialect(settings.dialect).name;
  if (settings.to === 'internvl' && dialect !== 'internvl2') {
    throw new UsageError(`convert: --to internvl writes InternVL's own data, whose answers are in the internvl2 dialect; got --dialect ${settings.dialect} (use --to swift for other models)`);
  }
  if (settings.answer === 'objects') {
    if (settings.to !== 'swift') throw new UsageError('convert: --answer objects is an ms-swift field; it needs --to swift');
    if (settings.swiftVersion === 2) throw new UsageError('convert: --answer objects writes the 3.x/4.x `objects` dict; ms-swift 2.x rows (--swift-version 2) take native answers only');
    if (!(OBJECTS_DIALECTS as readonly string[]).includes(dialect)) {
      throw new UsageError(`convert: ms-swift's template for ${dialect} does not write its native boxes from \`objects\`; use --answer native (objects works for ${OBJECTS_DIALECTS.join(', ')})`);
    }
  }
  return settings;
}
