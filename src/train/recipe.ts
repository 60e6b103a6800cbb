/**
 * The typed fine-tuning recipe: one object that says what to train and how, independent of the ms-swift
 * version that will run it (command.ts turns it into a 2.x, 3.x or 4.x command line).
 *
 * Precedence, lowest first: DEFAULTS (the reference run) < the preset's fields < a recipe file (JSON or
 * YAML) < command-line flags. The data's record (ocrdet-data.json) is not a layer: it states facts the data
 * was written for — the model family, the dialect, the image settings — which choose the preset and set the
 * image environment; a flag, file field or preset that says otherwise is a UsageError naming both values.
 * The merged object is validated once with zod and frozen.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, NotFoundError, UsageError } from '../core/errors.js';
import { formatIssues, knownKeys, optionDetails } from '../core/options.js';
import { describeRule } from '../grounding/image-rules.js';
import type { DataRecord } from '../grounding/record.js';
import { IMAGE_ENV_KEYS, imageEnv, imageEnvValue } from './image-env.js';
import { PRESETS, dialectOfPreset, familyOfPreset, presetForFamily, presetForModel, type ModelPreset } from './presets.js';

const positiveInt = z.number().int().positive();
const GPU_LIST = /^\d+(,\d+)*$/;
/** ms-swift's built-in DeepSpeed configs by their 3.x names (mapped to 2.x names in command.ts), or a JSON path. */
const DEEPSPEED = /^(zero[0-3]|zero[23]_offload)$|\.json$/;

/** The fields, without the checks across fields (so files can be validated field by field). */
export const RecipeFieldsSchema = z
  .object({
    /** Model preset (presets.ts) the model, model_type, dialect and maintainer settings come from. */
    preset: z.string().min(1),
    /** Hub model id. */
    model: z.string().min(1),
    /** Local weights directory; replaces the hub download (the reference used one). */
    modelPath: z.string().min(1).optional(),
    /** ms-swift model_type, when it is not the preset's. */
    modelType: z.string().min(1).optional(),
    /** Grounding dialect the training data is written in; must fit the model family. */
    dialect: z.string().min(1),
    /** Directory with train.jsonl (+ val.jsonl), as `ocrdet data convert` writes it, or one .jsonl file. */
    data: z.string().min(1),
    /** Output directory; ms-swift adds `<model_type>/vN-<timestamp>` (2.x) or `vN-<timestamp>` (3.x/4.x). */
    out: z.string().min(1),
    tuner: z.enum(['lora', 'full']),
    loraRank: positiveInt,
    loraAlpha: z.number().positive(),
    loraDropout: z.number().min(0).lt(1),
    /** 'all-linear' = every linear layer of the parts not frozen (2.x writes it ALL); or module name suffixes. */
    targetModules: z.array(z.string().min(1)).min(1),
    /** LoRA+ learning-rate ratio of B over A (2.x --lora_lr_ratio, 3.x/4.x --lorap_lr_ratio). */
    loraLrRatio: z.number().positive().optional(),
    learningRate: z.number().positive(),
    epochs: z.number().positive(),
    /** Per GPU. */
    batchSize: positiveInt,
    /** Per GPU; default: batchSize (what 2.x did). */
    evalBatchSize: positiveInt.optional(),
    gradientAccumulation: positiveInt,
    /** When set, gradientAccumulation = globalBatch / (batchSize × GPUs per node × nodes). */
    globalBatch: positiveInt.optional(),
    evalSteps: positiveInt,
    saveSteps: positiveInt,
    saveTotalLimit: positiveInt,
    loggingSteps: positiveInt,
    warmupRatio: z.number().min(0).max(1),
    weightDecay: z.number().min(0),
    /** NEFTune noise alpha; undefined = off. */
    neftuneAlpha: z.number().positive().optional(),
    flashAttention: z.boolean(),
    /** Token limit per sample; longer samples are dropped by ms-swift (truncation_strategy delete). */
    maxLength: positiveInt,
    /** 'auto' = the model's config.json (bfloat16 for every preset). */
    dtype: z.enum(['auto', 'bf16', 'fp16', 'fp32']),
    freezeVit: z.boolean(),
    freezeAligner: z.boolean(),
    /** Share of train.jsonl held out for eval when there is no val.jsonl. */
    valRatio: z.number().min(0).lt(1),
    seed: z.number().int(),
    system: z.string().optional(),
    /** TensorBoard directory; default: the output directory, as the reference did. */
    loggingDir: z.string().min(1).optional(),
    deepspeed: z.string().regex(DEEPSPEED, 'expected zero0..zero3, zero2_offload, zero3_offload or a .json path').optional(),
    /** GPU indices on this node, as CUDA_VISIBLE_DEVICES takes them. */
    gpus: z.string().regex(GPU_LIST, 'expected GPU indices such as 0 or 0,1,2,3'),
    nnodes: positiveInt,
    nodeRank: z.number().int().min(0),
    masterAddr: z.string().min(1).optional(),
    masterPort: z.number().int().min(1).max(65535),
    /** Download from Hugging Face instead of ModelScope (USE_HF=1). */
    useHf: z.boolean(),
    /** ms-swift version to build for; default: the installed one. */
    swiftVersion: z.string().min(1).optional(),
    /** Extra environment for ms-swift (NCCL_*…; image settings such as MAX_PIXELS come from the data record). */
    env: z.record(z.string(), z.string()),
    /** Extra ms-swift arguments, appended verbatim. */
    extraArgs: z.array(z.string()),
    /** GPU memory the run needs per GPU, GiB; default: estimated from the preset's published figure. */
    requiredGpuMemoryGiB: z.number().positive().optional(),
  })
  .strict();

export const RecipeSchema = RecipeFieldsSchema.superRefine((recipe, ctx) => {
  if (recipe.nodeRank >= recipe.nnodes) ctx.addIssue({ code: 'custom', path: ['nodeRank'], message: `must be below nnodes (${recipe.nnodes})` });
  if (recipe.nnodes > 1 && !recipe.masterAddr) ctx.addIssue({ code: 'custom', path: ['masterAddr'], message: 'is required with more than one node' });
});

export type Recipe = z.infer<typeof RecipeSchema>;
/** Every recipe field, as presets and files may set them (undefined clears an optional field). */
export type RecipeFields = { [K in keyof Recipe]-?: Recipe[K] | undefined };
export type RecipeInput = Partial<Recipe>;

/**
 * The reference run (ms-swift 2.4.2, 4 GPUs), field by field: its script's flags plus what its sft_args.json
 * shows for everything the script left at ms-swift 2.x's defaults.
 */
export const DEFAULTS = Object.freeze({
  preset: 'internvl2-8b',
  model: 'OpenGVLab/InternVL2-8B',
  dialect: 'internvl2',
  out: 'runs/ocr',
  tuner: 'lora',
  loraRank: 16, // --lora_rank 16
  loraAlpha: 32, // sft_args.json lora_alpha
  loraDropout: 0.05, // sft_args.json lora_dropout
  targetModules: ['all-linear'], // --lora_target_modules ALL (ViT, projector and LLM: sft_args.json target_modules)
  loraLrRatio: 16, // --lora_lr_ratio 16.0
  learningRate: 1e-4, // --learning_rate 1e-4
  epochs: 5, // --num_train_epochs 5
  batchSize: 2, // --batch_size 2
  gradientAccumulation: 4, // --gradient_accumulation_steps 4
  evalSteps: 1000, // --eval_steps 1000 (more than the 740 steps: one eval, at the end)
  saveSteps: 500, // --save_steps 500
  saveTotalLimit: 2, // sft_args.json save_total_limit
  loggingSteps: 5, // sft_args.json logging_steps
  warmupRatio: 0.05, // sft_args.json warmup_ratio
  weightDecay: 0.1, // sft_args.json weight_decay
  neftuneAlpha: 5, // --neftune_noise_alpha 5
  flashAttention: true, // --use_flash_attn True
  maxLength: 2048, // sft_args.json max_length
  dtype: 'auto', // sft_args.json dtype bf16, read from the model's config
  freezeVit: false, // sft_args.json freeze_vit
  freezeAligner: false, // 2.x has no such flag; ALL put LoRA on the projector (mlp1.1, mlp1.3)
  valRatio: 0.01, // sft_args.json dataset_test_ratio
  seed: 42, // sft_args.json seed
  gpus: '0,1,2,3', // 4 GPUs (the reference used cards 4,5,6,7 of a shared machine)
  nnodes: 1,
  nodeRank: 0,
  masterPort: 29500, // torchrun's default port
  useHf: false,
  env: {},
  extraArgs: [],
} satisfies Omit<Recipe, 'data'>);

/** Reads a recipe file (JSON, or YAML by extension .yaml/.yml); validates its fields without defaults. */
export async function loadRecipeFile(path: string): Promise<RecipeInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new NotFoundError(`${path}: cannot read the recipe file`, { cause: error });
  }
  let data: unknown;
  try {
    data = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
  const parsed = RecipeFieldsSchema.partial().strict().safeParse(data ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, path, { known: knownKeys(RecipeFieldsSchema) }), { cause: parsed.error });
  return parsed.data;
}

function withoutUndefined(input: RecipeInput): RecipeInput {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as RecipeInput;
}

/** The data record a recipe is resolved against, and where it was read (for messages). */
export interface RecordLayer {
  record: DataRecord;
  path: string;
}

/** How a layer is named in messages: the flag, or the recipe file's field. */
function origin(key: string, flags: RecipeInput, flag: string): string {
  return key in flags ? flag : `the recipe's "${key}"`;
}

/**
 * The preset: named by --preset (or the recipe), found from --model, else the one of the data's family, else
 * the reference's. A preset of another family than the data's is a UsageError naming both.
 */
function choosePreset(file: RecipeInput, flags: RecipeInput, data: RecordLayer | undefined): ModelPreset {
  const named = flags.preset ?? file.preset;
  const model = flags.model ?? file.model;
  const byModel = named === undefined && model !== undefined ? presetForModel(model) : undefined;
  const preset = named !== undefined ? PRESETS.get(named) : (byModel ?? (data ? presetForFamily(data.record.family) : PRESETS.get(DEFAULTS.preset)));
  if (data && preset.family !== data.record.family) {
    const how = named !== undefined ? `${origin('preset', flags, '--preset')} ${named}` : `${origin('model', flags, '--model')} ${model}`;
    throw new UsageError(
      `${how} trains the ${preset.family} family, but ${data.path} says the data was written for ${data.record.family}: convert the data with --family ${preset.family}, or train a ${data.record.family} model (--preset ${presetForFamily(data.record.family).name})`,
    );
  }
  return preset;
}

/** The recipe's image environment and dialect must be the record's; returns the environment to use. */
function agreeWithRecord(merged: RecipeInput, flags: RecipeInput, data: RecordLayer): Record<string, string> {
  const { record, path } = data;
  if (merged.dialect !== undefined && merged.dialect !== record.dialect) {
    throw new UsageError(`${origin('dialect', flags, '--dialect')} ${merged.dialect} contradicts ${path}: the answers are written in ${record.dialect}`);
  }
  for (const key of IMAGE_ENV_KEYS) {
    const given = merged.env?.[key];
    if (given === undefined) continue;
    const wanted = imageEnvValue(record.image, key);
    if (wanted === given) continue;
    const setting = wanted === undefined ? `has no ${key} (${record.family}: ${describeRule(record.image)})` : `says ${key}=${wanted}`;
    throw new UsageError(`${key in (flags.env ?? {}) ? '--env' : "the recipe's env"} ${key}=${given} contradicts ${path}, which ${setting}: the answers and token counts were written for that; convert the data again to change it`);
  }
  return { ...merged.env, ...imageEnv(record.image) };
}

/**
 * Stacks DEFAULTS, the preset, a file and flags (each later layer wins), agrees them with the data record when
 * there is one, validates and freezes the result.
 */
export function resolveRecipe(layers: { file?: RecipeInput; flags?: RecipeInput; data?: RecordLayer } = {}): Readonly<Recipe> {
  const file = layers.file ?? {};
  const flags = withoutUndefined(layers.flags ?? {});
  if (!flags.data && !file.data) throw new UsageError('no training data: pass --data DIR (a directory with train.jsonl, as `ocrdet data convert` writes it) or set "data" in the recipe');
  const preset = choosePreset(file, flags, layers.data);
  const presetLayer: RecipeInput = { ...preset.recipe, preset: preset.name, model: preset.model, dialect: dialectOfPreset(preset) };
  const given: RecipeInput = { ...file, ...flags, env: { ...file.env, ...flags.env } };
  const env = layers.data
    ? agreeWithRecord(given, flags, layers.data)
    : // Data without a record: the family's own image settings, as the data was most likely written.
      { ...imageEnv(familyOfPreset(preset).image), ...given.env };
  const merged = {
    ...DEFAULTS,
    ...presetLayer,
    ...file,
    ...flags,
    ...(layers.data ? { dialect: layers.data.record.dialect } : {}),
    env: { ...DEFAULTS.env, ...preset.recipe.env, ...env },
  };
  const parsed = RecipeSchema.safeParse(merged);
  if (!parsed.success) {
    // A bad value the caller gave as a flag is named by its key in details, for the CLI to say as the flag typed.
    const keys = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '')).filter(Boolean))];
    const fromFlags = keys.filter((key) => key in flags);
    const details = optionDetails(...fromFlags);
    if (keys.length > 0 && fromFlags.length === keys.length) throw new UsageError(formatIssues(parsed.error, 'train'), { cause: parsed.error, details });
    throw new ConfigError(formatIssues(parsed.error, 'recipe'), { cause: parsed.error, details });
  }
  return Object.freeze(parsed.data);
}

/** GPU indices of the recipe as numbers. */
export function gpuList(recipe: Pick<Recipe, 'gpus'>): number[] {
  return recipe.gpus.split(',').map(Number);
}

/** The preset a resolved recipe uses. */
export function presetOf(recipe: Pick<Recipe, 'preset'>): ModelPreset {
  return PRESETS.get(recipe.preset);
}
